// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice Merkle proof verification over sorted pairs, matching the hub's Java Merkle library.
/// @dev Parent = keccak256(min(a, b) ‖ max(a, b)) comparing as uint256, so proofs need no
///      left/right flags. Leaves are hashed by the caller (double-hashed where second-preimage
///      resistance against 64-byte inner nodes matters).
library MerkleProofs {
    /// @notice Hash of a sorted pair: a < b ? keccak256(a ‖ b) : keccak256(b ‖ a).
    /// @param a One node.
    /// @param b The other node.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            switch lt(a, b)
            case 0 {
                mstore(0x00, b)
                mstore(0x20, a)
            }
            default {
                mstore(0x00, a)
                mstore(0x20, b)
            }
            h := keccak256(0x00, 0x40)
        }
    }

    /// @notice True when folding `proof` onto `leaf` with hashPair yields `root`.
    /// @param proof Sibling hashes from the leaf up to the root.
    /// @param root Expected root.
    /// @param leaf The leaf hash.
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) internal pure returns (bool) {
        bytes32 h = leaf;
        for (uint256 i; i < proof.length; ++i) {
            h = hashPair(h, proof[i]);
        }
        return h == root;
    }
}
