// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustodianMultisig} from "./CustodianMultisig.sol";
import {GOS} from "./GOS.sol";

/// @title Swap bridge between ERC-20 GOS on this chain and native GOS on GoStaking.
/// @notice To native: `swapToNative` burns the caller's tokens and emits SwapToNative, which the custodians
/// observe and honour on GoStaking. From native: custodians sign Release(to, amount, nonce) and anyone submits
/// it; the nonce (the GoStaking-side swap id) can be used once. The bridge deploys its own GOS token, so the
/// token's minter is fixed at construction and cannot be changed.
contract GosBridge is CustodianMultisig {
    bytes32 private constant RELEASE_TYPEHASH = keccak256("Release(address to,uint256 amount,uint256 nonce)");
    uint256 public constant MAX_ADDRESS_LENGTH = 128;

    GOS public immutable token;
    mapping(uint256 => bool) public released;

    event SwapToNative(address indexed from, string gosAddress, uint256 amount);
    event Released(uint256 indexed nonce, address indexed to, uint256 amount);

    error InvalidSwap();
    error NonceUsed(uint256 nonce);

    constructor(address[] memory custodians_, uint256 threshold_)
        CustodianMultisig("GosBridge", custodians_, threshold_)
    {
        token = new GOS();
    }

    /// @notice Burn `amount` of the caller's GOS tokens to receive native GOS at `gosAddress`.
    function swapToNative(uint256 amount, string calldata gosAddress) external {
        uint256 length = bytes(gosAddress).length;
        if (amount == 0 || length == 0 || length > MAX_ADDRESS_LENGTH) revert InvalidSwap();
        token.burn(msg.sender, amount);
        emit SwapToNative(msg.sender, gosAddress, amount);
    }

    /// @notice Mint GOS tokens for native GOS locked on GoStaking, with m-of-n custodian signatures.
    function release(address to, uint256 amount, uint256 nonce, bytes[] calldata signatures) external {
        if (released[nonce]) revert NonceUsed(nonce);
        _requireSignatures(keccak256(abi.encode(RELEASE_TYPEHASH, to, amount, nonce)), signatures);
        released[nonce] = true;
        emit Released(nonce, to, amount);
        token.mint(to, amount);
    }
}
