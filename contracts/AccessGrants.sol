// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ParticipantRegistry} from "./ParticipantRegistry.sol";
import {Signatures} from "./Signatures.sol";

/// @notice Access grants: a patient authorises a grantee by signing an EIP-712 Grant over the hash of an
///         off-chain credential; anyone may relay it. The patient can revoke (directly or by signature)
///         and the grantee can surrender. Verifiers read statusOf(credentialHash).
/// @dev Two storage slots per grant; records are never deleted, so a credential hash is single-use.
contract AccessGrants {
    /// @notice State of a credential (Expired = past expiresAt and not revoked).
    enum Status {
        None,
        Active,
        Revoked,
        Expired
    }

    struct Record {
        address patient; // slot 0
        uint64 expiresAt;
        bool revoked;
        address grantee; // slot 1
        uint64 issuedAt;
    }

    /// @notice EIP-712 typehash of the patient's grant.
    bytes32 public constant GRANT_TYPEHASH =
        keccak256("Grant(bytes32 credentialHash,address grantee,uint64 expiresAt,uint256 deadline)");

    /// @notice EIP-712 typehash of the patient's revocation.
    bytes32 public constant REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 credentialHash,uint256 deadline)");

    bytes32 private constant NAME_HASH = keccak256("PatientGate AccessGrants");
    uint256 private immutable CACHED_CHAIN_ID;
    bytes32 private immutable CACHED_DOMAIN_SEPARATOR;

    /// @notice The participant registry deciding who is a patient.
    ParticipantRegistry public immutable registry;

    mapping(bytes32 => Record) private _grants;

    /// @notice A patient's grant was recorded.
    /// @param credentialHash Hash of the off-chain credential.
    /// @param patient The granting patient.
    /// @param grantee Who receives access.
    /// @param expiresAt Last unix second the grant is valid.
    event GrantIssued(bytes32 indexed credentialHash, address indexed patient, address indexed grantee, uint64 expiresAt);

    /// @notice A grant was revoked by the patient or surrendered by the grantee.
    /// @param credentialHash Hash of the credential.
    /// @param by Who revoked (the patient for revokeBySig).
    /// @param surrendered True when the grantee gave the grant up.
    event GrantRevoked(bytes32 indexed credentialHash, address indexed by, bool surrendered);

    /// @notice The credential hash is zero.
    error ZeroHash();
    /// @notice An address argument was address(0).
    error ZeroAddress();
    /// @notice A grant with this credential hash already exists (or existed).
    /// @param credentialHash The credential hash.
    error GrantExists(bytes32 credentialHash);
    /// @notice The account is not a registered patient.
    /// @param account The account.
    error UnregisteredParty(address account);
    /// @notice The grant would already be expired.
    /// @param credentialHash The credential hash.
    /// @param expiresAt The requested expiry (unix seconds).
    error Expired(bytes32 credentialHash, uint256 expiresAt);
    /// @notice The signature's deadline has passed.
    /// @param deadline The signed deadline (unix seconds).
    error SignatureExpired(uint256 deadline);
    /// @notice The signature is valid but was made by someone else.
    /// @param expected The required signer.
    /// @param recovered The actual signer.
    error WrongSigner(address expected, address recovered);
    /// @notice The caller is neither the grant's patient nor its grantee.
    /// @param account The caller.
    error NotPartyToGrant(address account);
    /// @notice No grant with this credential hash.
    /// @param credentialHash The credential hash.
    error UnknownGrant(bytes32 credentialHash);
    /// @notice The grant is already revoked.
    /// @param credentialHash The credential hash.
    error AlreadyRevoked(bytes32 credentialHash);

    /// @notice Deploys the grants contract bound to a participant registry.
    /// @param registry_ The ParticipantRegistry.
    constructor(ParticipantRegistry registry_) {
        registry = registry_;
        CACHED_CHAIN_ID = block.chainid;
        CACHED_DOMAIN_SEPARATOR = Signatures.domainSeparator(NAME_HASH);
    }

    /// @notice Records the patient's signed Grant of `credentialHash` to `grantee`; anyone may relay.
    /// @param credentialHash Hash of the off-chain credential (non-zero, never used before).
    /// @param patient The registered patient who signed.
    /// @param grantee Who receives access.
    /// @param expiresAt Last unix second the grant is valid; must be in the future.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Grant.
    function issue(
        bytes32 credentialHash,
        address patient,
        address grantee,
        uint64 expiresAt,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (credentialHash == bytes32(0)) revert ZeroHash();
        if (grantee == address(0)) revert ZeroAddress();
        Record storage g = _grants[credentialHash];
        if (g.patient != address(0)) revert GrantExists(credentialHash);
        if (!registry.isRegisteredPatient(patient)) revert UnregisteredParty(patient);
        if (expiresAt <= block.timestamp) revert Expired(credentialHash, expiresAt);
        if (deadline < block.timestamp) revert SignatureExpired(deadline);
        bytes32 structHash = keccak256(abi.encode(GRANT_TYPEHASH, credentialHash, grantee, expiresAt, deadline));
        _requireSigner(structHash, patient, signature);
        g.patient = patient;
        g.expiresAt = expiresAt;
        g.grantee = grantee;
        g.issuedAt = uint64(block.timestamp);
        emit GrantIssued(credentialHash, patient, grantee, expiresAt);
    }

    /// @notice Revokes a grant: by its patient, or surrendered by its grantee.
    /// @param credentialHash The credential hash.
    function revoke(bytes32 credentialHash) external {
        Record storage g = _live(credentialHash);
        address patient = g.patient;
        if (msg.sender != patient && msg.sender != g.grantee) revert NotPartyToGrant(msg.sender);
        g.revoked = true;
        emit GrantRevoked(credentialHash, msg.sender, msg.sender != patient);
    }

    /// @notice Revokes a grant on the patient's signed Revocation; anyone may relay.
    /// @param credentialHash The credential hash.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Revocation.
    function revokeBySig(bytes32 credentialHash, uint256 deadline, bytes calldata signature) external {
        Record storage g = _live(credentialHash);
        if (deadline < block.timestamp) revert SignatureExpired(deadline);
        address patient = g.patient;
        _requireSigner(keccak256(abi.encode(REVOCATION_TYPEHASH, credentialHash, deadline)), patient, signature);
        g.revoked = true;
        emit GrantRevoked(credentialHash, patient, false);
    }

    /// @notice The state and parties of a credential.
    /// @param credentialHash The credential hash.
    /// @return status None, Active, Revoked, or Expired (past expiresAt and not revoked).
    /// @return patient The granting patient (0 if none).
    /// @return grantee The grantee (0 if none).
    /// @return expiresAt Last unix second the grant is valid.
    function statusOf(bytes32 credentialHash)
        external
        view
        returns (Status status, address patient, address grantee, uint64 expiresAt)
    {
        Record storage g = _grants[credentialHash];
        patient = g.patient;
        grantee = g.grantee;
        expiresAt = g.expiresAt;
        if (patient == address(0)) status = Status.None;
        else if (g.revoked) status = Status.Revoked;
        else if (block.timestamp > expiresAt) status = Status.Expired;
        else status = Status.Active;
    }

    /// @notice The EIP-712 domain separator ("PatientGate AccessGrants", "1", chain, this).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    /// @dev The grant, which must exist and not be revoked yet.
    function _live(bytes32 credentialHash) private view returns (Record storage g) {
        g = _grants[credentialHash];
        if (g.patient == address(0)) revert UnknownGrant(credentialHash);
        if (g.revoked) revert AlreadyRevoked(credentialHash);
    }

    function _requireSigner(bytes32 structHash, address expected, bytes calldata signature) private view {
        address signer = Signatures.recover(Signatures.digest(_domainSeparator(), structHash), signature);
        if (signer != expected) revert WrongSigner(expected, signer);
    }

    function _domainSeparator() private view returns (bytes32) {
        return block.chainid == CACHED_CHAIN_ID ? CACHED_DOMAIN_SEPARATOR : Signatures.domainSeparator(NAME_HASH);
    }
}
