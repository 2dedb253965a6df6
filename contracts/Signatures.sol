// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice EIP-712 domain/digest helpers and strict ECDSA recovery shared by the PatientGate
///         contracts, so that every contract (and the Java hub) accepts exactly the same signatures.
/// @dev Signatures are 65 bytes r‖s‖v with v ∈ {27, 28} and s in the lower half of the curve
///      order (no malleable twins). Anything else, and a recovery yielding address(0), is rejected.
library Signatures {
    /// @notice The signature is not 65 bytes, has v ∉ {27, 28}, a high s, or recovers to no address.
    error InvalidSignature();

    /// @dev keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @dev keccak256("1"): every PatientGate domain is version "1".
    bytes32 internal constant VERSION_HASH = keccak256("1");

    /// @dev secp256k1n / 2: larger s values are the malleable twin of a valid signature.
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice The EIP-712 domain separator of the calling contract on the current chain.
    /// @param nameHash keccak256 of the domain name.
    function domainSeparator(bytes32 nameHash) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, nameHash, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice keccak256("\x19\x01" ‖ domainSeparator ‖ structHash), the digest a typed-data signer signs.
    /// @param separator The domain separator.
    /// @param structHash hashStruct of the signed message.
    function digest(bytes32 separator, bytes32 structHash) internal pure returns (bytes32 d) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), separator)
            mstore(add(p, 0x22), structHash)
            d := keccak256(p, 0x42)
        }
    }

    /// @notice Recovers the signer of `hash` from a 65-byte r‖s‖v signature; reverts InvalidSignature
    ///         on any non-canonical or unrecoverable signature.
    /// @param hash The signed digest.
    /// @param signature r (32) ‖ s (32) ‖ v (1).
    function recover(bytes32 hash, bytes calldata signature) internal pure returns (address signer) {
        if (signature.length != 65) revert InvalidSignature();
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) revert InvalidSignature();
        signer = ecrecover(hash, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }
}
