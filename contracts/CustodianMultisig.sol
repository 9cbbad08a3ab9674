// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title m-of-n custodian authorisation shared by the GoStaking lock contracts.
/// @notice Actions are authorised by EIP-712 signatures of at least `threshold` distinct members of the custodian
/// set. The domain separator binds every signature to this chain id and this contract's address, so a signature
/// cannot be replayed on another chain or against another deployment. Signatures are passed sorted by signer
/// address (strictly ascending), which rejects a duplicated signer in O(1) per signature.
abstract contract CustodianMultisig {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant UPDATE_TYPEHASH =
        keccak256("UpdateCustodians(address[] custodians,uint256 threshold,uint256 nonce)");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// secp256k1 n / 2: signatures with a larger s are malleable copies and are refused.
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 public constant MAX_CUSTODIANS = 32;

    bytes32 private immutable _nameHash;
    address[] private _custodians;
    mapping(address => bool) public isCustodian;
    uint256 public threshold;
    /// Sequence of custodian-set changes: an update must be signed for the current value, so it runs once.
    uint256 public configNonce;

    event CustodiansUpdated(address[] custodians, uint256 threshold, uint256 configNonce);

    error InvalidCustodianSet();
    error MalformedSignature();
    error NotEnoughSignatures(uint256 given, uint256 needed);
    error SignersNotAscending();
    error NotACustodian(address signer);

    constructor(string memory name, address[] memory initialCustodians, uint256 threshold_) {
        _nameHash = keccak256(bytes(name));
        _setCustodians(initialCustodians, threshold_);
    }

    /// @notice The current custodian set.
    function custodians() external view returns (address[] memory) {
        return _custodians;
    }

    /// @notice EIP-712 domain separator (recomputed from block.chainid so a fork gets a different one).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, _nameHash, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice Replace the custodian set and threshold, authorised by the current set.
    function updateCustodians(address[] calldata newCustodians, uint256 newThreshold, bytes[] calldata signatures)
        external
    {
        bytes32 structHash = keccak256(
            abi.encode(UPDATE_TYPEHASH, keccak256(abi.encodePacked(newCustodians)), newThreshold, configNonce)
        );
        _requireSignatures(structHash, signatures);
        configNonce += 1;
        _setCustodians(newCustodians, newThreshold);
    }

    /// @dev Reverts unless `signatures` holds at least `threshold` valid signatures of distinct custodians over
    /// the EIP-712 digest of `structHash`. Every signature given must be valid: a bad one is an error, not noise.
    function _requireSignatures(bytes32 structHash, bytes[] calldata signatures) internal view {
        uint256 needed = threshold;
        if (signatures.length < needed) revert NotEnoughSignatures(signatures.length, needed);
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = _recover(digest, signatures[i]);
            if (uint160(signer) <= uint160(previous)) revert SignersNotAscending();
            if (!isCustodian[signer]) revert NotACustodian(signer);
            previous = signer;
        }
    }

    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        if (signature.length != 65) revert MalformedSignature();
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) revert MalformedSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert MalformedSignature();
    }

    function _setCustodians(address[] memory newCustodians, uint256 newThreshold) private {
        uint256 count = newCustodians.length;
        if (count == 0 || count > MAX_CUSTODIANS || newThreshold == 0 || newThreshold > count) {
            revert InvalidCustodianSet();
        }
        for (uint256 i = 0; i < _custodians.length; ++i) {
            isCustodian[_custodians[i]] = false;
        }
        delete _custodians;
        for (uint256 i = 0; i < count; ++i) {
            address custodian = newCustodians[i];
            if (custodian == address(0) || isCustodian[custodian]) revert InvalidCustodianSet();
            isCustodian[custodian] = true;
            _custodians.push(custodian);
        }
        threshold = newThreshold;
        emit CustodiansUpdated(newCustodians, newThreshold, configNonce);
    }
}
