// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IVault {
    function redeem(address token, address to, uint256 amount, uint256 nonce, bytes[] calldata signatures) external;
}

/// @title Test-only payout recipient that tries to re-enter the vault when it receives ether.
contract ReentrantReceiver {
    IVault public immutable vault;
    uint256 public nonce;
    bytes[] private _signatures;
    bool public attempted;

    constructor(IVault vault_) {
        vault = vault_;
    }

    /// Arm the attack: on the next ether receipt, replay a second (validly signed) redemption.
    function arm(uint256 nonce_, bytes[] calldata signatures) external {
        nonce = nonce_;
        delete _signatures;
        for (uint256 i = 0; i < signatures.length; ++i) {
            _signatures.push(signatures[i]);
        }
    }

    receive() external payable {
        if (!attempted) {
            attempted = true;
            vault.redeem(address(0), address(this), msg.value, nonce, _signatures);
        }
    }
}
