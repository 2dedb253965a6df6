// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MerkleProofs} from "./MerkleProofs.sol";
import {ParticipantRegistry} from "./ParticipantRegistry.sol";
import {Signatures} from "./Signatures.sol";

/// @notice Consent escrow: an institution anchors a batch of reports awaiting patient consent as one
///         Merkle root; each patient then releases or rejects their entry with an EIP-712 Decision
///         signature (relayed by anyone), or anyone marks it expired after the batch deadline.
/// @dev One storage slot per batch and one per decided entry, keyed by the entry's leaf hash, plus
///      one per spent Decision nonce.
contract ConsentEscrow {
    /// @notice One escrowed report, as committed to in a batch's Merkle tree.
    struct Entry {
        address patient;
        bytes32 reportId;
        bytes32 contentHash;
        address institution;
    }

    /// @notice Decision state of an entry (Pending = nothing recorded yet).
    enum Status {
        Pending,
        Released,
        Rejected,
        Expired
    }

    /// @notice A submitted batch, packed into one slot.
    struct Batch {
        address institution;
        uint32 count;
        uint32 submittedAt;
        uint32 expiresAt;
    }

    struct Decided {
        Status status;
        address holder;
    }

    /// @notice EIP-712 typehash of the patient's release/reject decision on one entry: the entry's leaf,
    ///         its intermediate account, the choice, an unordered single-use nonce and a deadline.
    bytes32 public constant DECISION_TYPEHASH = keccak256(
        "Decision(bytes32 entry,address intermediateAccount,bool release,uint256 nonce,uint256 deadline)"
    );

    bytes32 private constant NAME_HASH = keccak256("PatientGate ConsentEscrow");
    uint256 private immutable CACHED_CHAIN_ID;
    bytes32 private immutable CACHED_DOMAIN_SEPARATOR;

    /// @notice The participant registry deciding who is an institution or a patient.
    ParticipantRegistry public immutable registry;

    mapping(bytes32 => Batch) private _batches;
    mapping(bytes32 => Decided) private _decided;

    /// @notice How many entries each patient has released.
    mapping(address => uint256) public sharedCount;

    /// @notice Whether a patient's Decision nonce is spent. Nonces are unordered: the patient's wallet
    ///         picks any uint256 (at random), and each one carries a single release or rejection.
    mapping(address => mapping(uint256 => bool)) public decisionNonceUsed;

    /// @notice An institution anchored a batch of entries awaiting consent.
    /// @param root Merkle root of the entry leaves.
    /// @param institution The submitting institution.
    /// @param count Number of entries in the batch.
    /// @param expiresAt Unix second after which undecided entries can be expired.
    event BatchSubmitted(bytes32 indexed root, address indexed institution, uint32 count, uint32 expiresAt);

    /// @notice A patient released an entry to their information-sharing account.
    /// @param entry The entry's leaf hash.
    /// @param root The batch root it was proven against.
    /// @param patient The patient.
    /// @param intermediateAccount Keyless account derived from institution and patient keys.
    /// @param sharingAccount The patient's information-sharing account, now the holder.
    /// @param reportId The report's identifier.
    /// @param contentHash Hash of the report content.
    event EntryReleased(
        bytes32 indexed entry,
        bytes32 indexed root,
        address indexed patient,
        address intermediateAccount,
        address sharingAccount,
        bytes32 reportId,
        bytes32 contentHash
    );

    /// @notice A patient rejected an entry.
    /// @param entry The entry's leaf hash.
    /// @param root The batch root it was proven against.
    /// @param patient The patient.
    /// @param intermediateAccount Keyless account derived from institution and patient keys.
    event EntryRejected(bytes32 indexed entry, bytes32 indexed root, address indexed patient, address intermediateAccount);

    /// @notice An undecided entry passed its batch deadline.
    /// @param entry The entry's leaf hash.
    /// @param root The batch root it was proven against.
    /// @param patient The patient.
    event EntryExpired(bytes32 indexed entry, bytes32 indexed root, address indexed patient);

    /// @notice The account is not an active institution / registered patient as required.
    /// @param account The account.
    error UnregisteredParty(address account);
    /// @notice A batch with a zero root or zero entries.
    error EmptyBatch();
    /// @notice A deadline has passed (entry = 0 for a batch submitted already expired).
    /// @param entry The entry's leaf hash, or 0.
    /// @param expiresAt The deadline (unix seconds).
    error Expired(bytes32 entry, uint256 expiresAt);
    /// @notice A batch with this root already exists.
    /// @param root The root.
    error BatchExists(bytes32 root);
    /// @notice No batch with this root.
    /// @param root The root.
    error UnknownBatch(bytes32 root);
    /// @notice The entry is not in the batch (bad proof or different institution).
    /// @param entry The entry's leaf hash.
    error WrongProof(bytes32 entry);
    /// @notice The entry was already released, rejected or expired.
    /// @param entry The entry's leaf hash.
    /// @param status Its current status.
    error AlreadyDecided(bytes32 entry, Status status);
    /// @notice The batch deadline has not passed yet.
    /// @param entry The entry's leaf hash.
    /// @param expiresAt The batch deadline (unix seconds).
    error NotExpired(bytes32 entry, uint256 expiresAt);
    /// @notice The signature's deadline has passed.
    /// @param deadline The signed deadline (unix seconds).
    error SignatureExpired(uint256 deadline);
    /// @notice The signature is valid but was made by someone else.
    /// @param expected The required signer.
    /// @param recovered The actual signer.
    error WrongSigner(address expected, address recovered);
    /// @notice The patient already spent this Decision nonce on another release or rejection.
    /// @param patient The patient.
    /// @param nonce The spent nonce.
    error NonceUsed(address patient, uint256 nonce);

    /// @notice Deploys the escrow bound to a participant registry.
    /// @param registry_ The ParticipantRegistry.
    constructor(ParticipantRegistry registry_) {
        registry = registry_;
        CACHED_CHAIN_ID = block.chainid;
        CACHED_DOMAIN_SEPARATOR = Signatures.domainSeparator(NAME_HASH);
    }

    /// @notice Anchors a batch of `count` entries under Merkle `root`; caller must be an active institution.
    /// @param root Merkle root of the entry leaves (see entryLeaf).
    /// @param count Number of entries (informational, non-zero).
    /// @param expiresAt Unix second after which undecided entries expire; must be in the future.
    function submitBatch(bytes32 root, uint32 count, uint32 expiresAt) external {
        if (!registry.isActiveInstitution(msg.sender)) revert UnregisteredParty(msg.sender);
        if (root == bytes32(0) || count == 0) revert EmptyBatch();
        if (expiresAt <= block.timestamp) revert Expired(bytes32(0), expiresAt);
        Batch storage b = _batches[root];
        if (b.institution != address(0)) revert BatchExists(root);
        _batches[root] = Batch(msg.sender, count, uint32(block.timestamp), expiresAt);
        emit BatchSubmitted(root, msg.sender, count, expiresAt);
    }

    /// @notice The batch anchored under `root` (all zero if none).
    /// @param root The root.
    function batchOf(bytes32 root)
        external
        view
        returns (address institution, uint32 count, uint32 submittedAt, uint32 expiresAt)
    {
        Batch storage b = _batches[root];
        return (b.institution, b.count, b.submittedAt, b.expiresAt);
    }

    /// @notice The Merkle leaf of an entry: keccak256(keccak256(abi.encode(patient, reportId, contentHash, institution))).
    /// @param patient The entry's patient.
    /// @param reportId The entry's report id.
    /// @param contentHash The hash of the report's ciphertext.
    /// @param institution The institution that submitted the entry's batch.
    function entryLeaf(address patient, bytes32 reportId, bytes32 contentHash, address institution)
        external
        pure
        returns (bytes32)
    {
        return _leaf(Entry(patient, reportId, contentHash, institution));
    }

    /// @notice The keyless account standing between institution and patient: the last 20 bytes of
    ///         keccak256(institutionKey ‖ patientKey) over their registered X25519 keys.
    /// @param institution An active institution.
    /// @param patient A registered patient.
    function intermediateAccount(address institution, address patient) external view returns (address) {
        bytes32 institutionKey = _activeKey(institution, ParticipantRegistry.Kind.Institution);
        return _intermediate(institutionKey, _activeKey(patient, ParticipantRegistry.Kind.Patient));
    }

    /// @notice The patient's information-sharing account: their registered signing address.
    /// @param patient A registered patient.
    function sharingAccountOf(address patient) external view returns (address) {
        if (!registry.isRegisteredPatient(patient)) revert UnregisteredParty(patient);
        return patient;
    }

    /// @notice Releases an entry to the patient's sharing account on the patient's Decision(release=true).
    /// @dev Reverts, checked in this order: UnknownBatch, WrongProof, AlreadyDecided, Expired (batch
    ///      deadline), SignatureExpired, UnregisteredParty (patient, then institution), InvalidSignature,
    ///      WrongSigner (also for a Decision over other fields, e.g. another intermediate account), NonceUsed.
    /// @param patient The entry's patient.
    /// @param reportId The entry's report id.
    /// @param contentHash The hash of the report's ciphertext.
    /// @param institution The institution that submitted the entry's batch.
    /// @param root The batch root.
    /// @param proof Merkle proof of the entry's leaf under `root`.
    /// @param nonce The patient's unused Decision nonce, spent by this call.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Decision.
    function release(
        address patient,
        bytes32 reportId,
        bytes32 contentHash,
        address institution,
        bytes32 root,
        bytes32[] calldata proof,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        Entry memory e = Entry(patient, reportId, contentHash, institution);
        (bytes32 leaf, address intermediate) = _decide(e, root, proof, nonce, deadline, signature, true);
        _decided[leaf] = Decided(Status.Released, e.patient);
        unchecked {
            ++sharedCount[e.patient];
        }
        emit EntryReleased(leaf, root, e.patient, intermediate, e.patient, e.reportId, e.contentHash);
    }

    /// @notice Rejects an entry on the patient's Decision(release=false).
    /// @dev Reverts in the same order as release.
    /// @param patient The entry's patient.
    /// @param reportId The entry's report id.
    /// @param contentHash The hash of the report's ciphertext.
    /// @param institution The institution that submitted the entry's batch.
    /// @param root The batch root.
    /// @param proof Merkle proof of the entry's leaf under `root`.
    /// @param nonce The patient's unused Decision nonce, spent by this call.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Decision.
    function reject(
        address patient,
        bytes32 reportId,
        bytes32 contentHash,
        address institution,
        bytes32 root,
        bytes32[] calldata proof,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        Entry memory e = Entry(patient, reportId, contentHash, institution);
        (bytes32 leaf, address intermediate) = _decide(e, root, proof, nonce, deadline, signature, false);
        _decided[leaf].status = Status.Rejected;
        emit EntryRejected(leaf, root, e.patient, intermediate);
    }

    /// @notice Marks an undecided entry Expired once its batch deadline has passed; anyone may call.
    /// @param patient The entry's patient.
    /// @param reportId The entry's report id.
    /// @param contentHash The hash of the report's ciphertext.
    /// @param institution The institution that submitted the entry's batch.
    /// @param root The batch root.
    /// @param proof Merkle proof of the entry's leaf under `root`.
    function expire(
        address patient,
        bytes32 reportId,
        bytes32 contentHash,
        address institution,
        bytes32 root,
        bytes32[] calldata proof
    ) external {
        Entry memory e = Entry(patient, reportId, contentHash, institution);
        (bytes32 leaf, uint32 expiresAt) = _pending(e, root, proof);
        if (block.timestamp <= expiresAt) revert NotExpired(leaf, expiresAt);
        _decided[leaf].status = Status.Expired;
        emit EntryExpired(leaf, root, e.patient);
    }

    /// @notice The decision state of an entry.
    /// @param entry The entry's leaf hash.
    function statusOf(bytes32 entry) external view returns (Status) {
        return _decided[entry].status;
    }

    /// @notice Who holds a released entry (the patient's sharing account); 0 unless released.
    /// @param entry The entry's leaf hash.
    function holderOf(bytes32 entry) external view returns (address) {
        return _decided[entry].holder;
    }

    /// @notice Whether the entry is in the batch under `root`: batch exists, institution matches, proof valid.
    /// @param patient The entry's patient.
    /// @param reportId The entry's report id.
    /// @param contentHash The hash of the report's ciphertext.
    /// @param institution The institution that submitted the entry's batch.
    /// @param root The batch root.
    /// @param proof Merkle proof of the entry's leaf.
    function verifyEntry(
        address patient,
        bytes32 reportId,
        bytes32 contentHash,
        address institution,
        bytes32 root,
        bytes32[] calldata proof
    ) external view returns (bool) {
        address batchInstitution = _batches[root].institution;
        return batchInstitution != address(0) && batchInstitution == institution
            && MerkleProofs.verify(proof, root, _leaf(Entry(patient, reportId, contentHash, institution)));
    }

    /// @notice Plain MerkleProofs.verify, for comparing with off-chain implementations.
    /// @param root Expected root.
    /// @param leaf The leaf hash.
    /// @param proof Sibling hashes from leaf to root.
    function verifyProof(bytes32 root, bytes32 leaf, bytes32[] calldata proof) external pure returns (bool) {
        return MerkleProofs.verify(proof, root, leaf);
    }

    /// @notice The EIP-712 domain separator ("PatientGate ConsentEscrow", "1", chain, this).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    // ---------------------------------------------------------------- internals

    /// @dev Batch exists, entry proven in it, still Pending; returns the leaf and batch deadline.
    function _pending(Entry memory e, bytes32 root, bytes32[] calldata proof)
        private
        view
        returns (bytes32 leaf, uint32 expiresAt)
    {
        Batch storage b = _batches[root];
        address institution = b.institution;
        if (institution == address(0)) revert UnknownBatch(root);
        leaf = _leaf(e);
        if (e.institution != institution || !MerkleProofs.verify(proof, root, leaf)) revert WrongProof(leaf);
        Status status = _decided[leaf].status;
        if (status != Status.Pending) revert AlreadyDecided(leaf, status);
        expiresAt = b.expiresAt;
    }

    /// @dev All release/reject checks in the order documented on release, then spends the nonce;
    ///      returns the leaf and intermediate account. The signed Decision must name the intermediate
    ///      account computed here from the registered keys, or it recovers to another signer.
    function _decide(
        Entry memory e,
        bytes32 root,
        bytes32[] calldata proof,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature,
        bool approve
    ) private returns (bytes32 leaf, address intermediate) {
        uint32 expiresAt;
        (leaf, expiresAt) = _pending(e, root, proof);
        if (block.timestamp > expiresAt) revert Expired(leaf, expiresAt);
        if (deadline < block.timestamp) revert SignatureExpired(deadline);
        address patient = e.patient;
        {
            bytes32 patientKey = _activeKey(patient, ParticipantRegistry.Kind.Patient);
            intermediate = _intermediate(_activeKey(e.institution, ParticipantRegistry.Kind.Institution), patientKey);
        }
        bytes32 structHash = keccak256(abi.encode(DECISION_TYPEHASH, leaf, intermediate, approve, nonce, deadline));
        address signer = Signatures.recover(Signatures.digest(_domainSeparator(), structHash), signature);
        if (signer != patient) revert WrongSigner(patient, signer);
        if (decisionNonceUsed[patient][nonce]) revert NonceUsed(patient, nonce);
        decisionNonceUsed[patient][nonce] = true;
    }

    /// @dev The registered key of `account`, which must be an active participant of `kind`.
    function _activeKey(address account, ParticipantRegistry.Kind kind) private view returns (bytes32) {
        (ParticipantRegistry.Kind actual, bool active,,, bytes32 encryptionKey,) = registry.participantOf(account);
        if (actual != kind || !active) revert UnregisteredParty(account);
        return encryptionKey;
    }

    function _intermediate(bytes32 institutionKey, bytes32 patientKey) private pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(institutionKey, patientKey)))));
    }

    function _leaf(Entry memory e) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(e.patient, e.reportId, e.contentHash, e.institution))));
    }

    function _domainSeparator() private view returns (bytes32) {
        return block.chainid == CACHED_CHAIN_ID ? CACHED_DOMAIN_SEPARATOR : Signatures.domainSeparator(NAME_HASH);
    }
}
