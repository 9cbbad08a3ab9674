// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CustodianMultisig} from "./CustodianMultisig.sol";
import {SafeTransfer} from "./SafeTransfer.sol";

/// @title Lock vault for ETH and ERC-20 tokens custodied for GoStaking.
/// @notice Deposits emit `Deposited`, which the custodians' watchers turn into MsgAttestDeposit on GoStaking.
/// Redemptions (GoStaking withdrawals) pay out only with m-of-n custodian signatures over
/// Redeem(token, to, amount, nonce); `nonce` is the GoStaking withdrawal id and can be used once.
contract GoStakingVault is CustodianMultisig {
    bytes32 private constant REDEEM_TYPEHASH =
        keccak256("Redeem(address token,address to,uint256 amount,uint256 nonce)");
    /// Token address used for ether in events and redemptions.
    address public constant ETH = address(0);
    uint256 public constant MAX_RECIPIENT_LENGTH = 128;

    mapping(uint256 => bool) public redeemed;
    uint256 private _entered = 1;

    event Deposited(address indexed token, address indexed from, uint256 amount, string gosRecipient);
    event Redeemed(uint256 indexed nonce, address indexed token, address indexed to, uint256 amount);

    error Reentrancy();
    error InvalidDeposit();
    error NonceUsed(uint256 nonce);
    error TransferFailed();
    error UseDepositETH();

    modifier nonReentrant() {
        if (_entered != 1) revert Reentrancy();
        _entered = 2;
        _;
        _entered = 1;
    }

    constructor(address[] memory custodians_, uint256 threshold_)
        CustodianMultisig("GoStakingVault", custodians_, threshold_)
    {}

    /// @notice Plain transfers carry no GoStaking recipient, so they are refused rather than stranded.
    receive() external payable {
        revert UseDepositETH();
    }

    /// @notice Lock ether for `gosRecipient` (a gos1… address) on GoStaking.
    function depositETH(string calldata gosRecipient) external payable nonReentrant {
        _checkDeposit(msg.value, gosRecipient);
        emit Deposited(ETH, msg.sender, msg.value, gosRecipient);
    }

    /// @notice Lock `amount` of an ERC-20 (approved beforehand) for `gosRecipient` on GoStaking. The amount
    /// credited is what the vault actually received, so fee-on-transfer tokens cannot over-credit.
    function depositToken(address token, uint256 amount, string calldata gosRecipient) external nonReentrant {
        if (token == ETH) revert InvalidDeposit();
        _checkDeposit(amount, gosRecipient);
        uint256 before = SafeTransfer.balanceOf(token, address(this));
        SafeTransfer.transferFrom(token, msg.sender, address(this), amount);
        uint256 received = SafeTransfer.balanceOf(token, address(this)) - before;
        if (received == 0) revert InvalidDeposit();
        emit Deposited(token, msg.sender, received, gosRecipient);
    }

    /// @notice Pay out a GoStaking withdrawal. Anyone may submit; the custodians' signatures authorise it.
    function redeem(address token, address to, uint256 amount, uint256 nonce, bytes[] calldata signatures)
        external
        nonReentrant
    {
        if (redeemed[nonce]) revert NonceUsed(nonce);
        _requireSignatures(keccak256(abi.encode(REDEEM_TYPEHASH, token, to, amount, nonce)), signatures);
        // Effects before the interaction: the nonce is spent before any external call.
        redeemed[nonce] = true;
        emit Redeemed(nonce, token, to, amount);
        if (token == ETH) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert TransferFailed();
        } else {
            SafeTransfer.transfer(token, to, amount);
        }
    }

    function _checkDeposit(uint256 amount, string calldata gosRecipient) private pure {
        uint256 length = bytes(gosRecipient).length;
        if (amount == 0 || length == 0 || length > MAX_RECIPIENT_LENGTH) revert InvalidDeposit();
    }
}
