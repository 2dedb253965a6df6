// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProofs} from "./MerkleProofs.sol";
import {ParticipantRegistry} from "./ParticipantRegistry.sol";

/// @notice Anchors Merkle roots of the hub's audit-log batches so any audit record can later be proven
///         to have existed, unaltered, at anchoring time.
/// @dev Two storage slots per root; a root can be anchored only once.
contract AuditAnchor {
    struct Anchored {
        address submitter; // slot 0
        uint32 count;
        uint64 anchoredAt;
        uint64 fromTime; // slot 1
        uint64 toTime;
    }

    /// @notice The participant registry deciding who may anchor (active institutions and admins).
    ParticipantRegistry public immutable registry;

    mapping(bytes32 => Anchored) private _batches;

    /// @notice An audit batch root was anchored.
    /// @param root Merkle root of the batch's audit records.
    /// @param submitter Who anchored it.
    /// @param count Number of records in the batch.
    /// @param fromTime Time of the batch's first record (unix seconds).
    /// @param toTime Time of the batch's last record (unix seconds).
    event AuditBatchAnchored(bytes32 indexed root, address indexed submitter, uint32 count, uint64 fromTime, uint64 toTime);

    /// @notice The caller is neither an active institution nor a registry admin.
    /// @param account The caller.
    error UnregisteredParty(address account);
    /// @notice A batch with a zero root or zero records.
    error EmptyBatch();
    /// @notice fromTime is after toTime.
    /// @param fromTime The range start.
    /// @param toTime The range end.
    error InvalidRange(uint64 fromTime, uint64 toTime);
    /// @notice This root is already anchored.
    /// @param root The root.
    error RootExists(bytes32 root);

    /// @notice Deploys the anchor bound to a participant registry.
    /// @param registry_ The ParticipantRegistry.
    constructor(ParticipantRegistry registry_) {
        registry = registry_;
    }

    /// @notice Anchors an audit batch root; caller must be an active institution or a registry admin.
    /// @param root Merkle root of the batch's audit records (non-zero).
    /// @param count Number of records (non-zero).
    /// @param fromTime Time of the first record (unix seconds).
    /// @param toTime Time of the last record (unix seconds), not before fromTime.
    function anchor(bytes32 root, uint32 count, uint64 fromTime, uint64 toTime) external {
        if (!registry.isActiveInstitution(msg.sender) && !registry.isAdmin(msg.sender)) {
            revert UnregisteredParty(msg.sender);
        }
        if (root == bytes32(0) || count == 0) revert EmptyBatch();
        if (fromTime > toTime) revert InvalidRange(fromTime, toTime);
        if (_batches[root].submitter != address(0)) revert RootExists(root);
        _batches[root] = Anchored(msg.sender, count, uint64(block.timestamp), fromTime, toTime);
        emit AuditBatchAnchored(root, msg.sender, count, fromTime, toTime);
    }

    /// @notice The anchored batch under `root` (all zero if none).
    /// @param root The root.
    /// @return submitter Who anchored it.
    /// @return count Number of records.
    /// @return fromTime Time of the first record.
    /// @return toTime Time of the last record.
    /// @return anchoredAt Block time of anchoring.
    function batchOf(bytes32 root)
        external
        view
        returns (address submitter, uint32 count, uint64 fromTime, uint64 toTime, uint64 anchoredAt)
    {
        Anchored storage b = _batches[root];
        return (b.submitter, b.count, b.fromTime, b.toTime, b.anchoredAt);
    }

    /// @notice The Merkle leaf of an audit record: keccak256(abi.encode(recordHash)). Hashing the
    ///         record's hash once more keeps a leaf (a 32-byte preimage) apart from an inner node (a
    ///         64-byte preimage), so no inner node can be passed off as a record.
    /// @param recordHash The audit record's hash.
    function auditLeaf(bytes32 recordHash) public pure returns (bytes32) {
        return keccak256(abi.encode(recordHash));
    }

    /// @notice Whether `root` is anchored and `proof` proves the record under it.
    /// @param root The anchored root.
    /// @param recordHash The audit record's hash (its leaf is auditLeaf(recordHash)).
    /// @param proof Sibling hashes from the leaf to the root.
    function verify(bytes32 root, bytes32 recordHash, bytes32[] calldata proof) external view returns (bool) {
        return _batches[root].submitter != address(0) && MerkleProofs.verify(proof, root, auditLeaf(recordHash));
    }
}
