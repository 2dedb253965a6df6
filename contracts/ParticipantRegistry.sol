// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Signatures} from "./Signatures.sol";

/// @notice Who takes part in PatientGate: institutions admitted by admins and patients who register
///         themselves, each with the X25519 public key others encrypt to and the hash of a profile.
/// @dev Admins are a set (at least one always remains). Patients may register or update directly or
///      through the hub relaying their EIP-712 Registration signature (replay-protected by a nonce).
contract ParticipantRegistry {
    /// @notice What an address is registered as.
    enum Kind {
        None,
        Institution,
        Patient
    }

    /// @notice A participant record (slot 0: kind, active, timestamps; then the two hashes).
    struct Participant {
        Kind kind;
        bool active;
        uint64 registeredAt;
        uint64 updatedAt;
        bytes32 encryptionKey;
        bytes32 profileHash;
    }

    /// @notice EIP-712 typehash of the patient's registration/update message.
    bytes32 public constant REGISTRATION_TYPEHASH = keccak256(
        "Registration(address patient,bytes32 encryptionKey,bytes32 profileHash,uint256 nonce,uint256 deadline)"
    );

    bytes32 private constant NAME_HASH = keccak256("PatientGate ParticipantRegistry");
    uint256 private immutable CACHED_CHAIN_ID;
    bytes32 private immutable CACHED_DOMAIN_SEPARATOR;

    mapping(address => Participant) private _participants;
    mapping(address => bool) private _admins;
    uint256 private _adminCount;

    /// @notice Next Registration nonce of each patient; a signature must carry the current one.
    mapping(address => uint256) public nonces;

    /// @notice An address was made an admin.
    /// @param account The new admin.
    /// @param by The admin who added it (address(0) for the constructor's initial admin).
    event AdminAdded(address indexed account, address indexed by);

    /// @notice An address stopped being an admin.
    /// @param account The former admin.
    /// @param by The admin who removed it (itself on transferAdmin).
    event AdminRemoved(address indexed account, address indexed by);

    /// @notice An institution was admitted (or re-admitted after removal).
    /// @param institution The institution's address.
    /// @param encryptionKey Its X25519 public key.
    /// @param profileHash Hash of its published profile.
    event InstitutionAdmitted(address indexed institution, bytes32 encryptionKey, bytes32 profileHash);

    /// @notice An institution was deactivated.
    /// @param institution The institution's address.
    /// @param by The admin who removed it.
    event InstitutionRemoved(address indexed institution, address indexed by);

    /// @notice A patient registered.
    /// @param patient The patient's signing address.
    /// @param encryptionKey The patient's X25519 public key.
    /// @param profileHash Hash of the patient's published profile.
    event PatientRegistered(address indexed patient, bytes32 encryptionKey, bytes32 profileHash);

    /// @notice A patient changed their key and/or profile.
    /// @param patient The patient's signing address.
    /// @param encryptionKey The new X25519 public key.
    /// @param profileHash The new profile hash.
    event PatientUpdated(address indexed patient, bytes32 encryptionKey, bytes32 profileHash);

    /// @notice An address argument was address(0).
    error ZeroAddress();
    /// @notice An encryption key was zero (no usable X25519 key).
    error ZeroKey();
    /// @notice The account is already registered (or an active institution).
    /// @param account The account.
    error AlreadyRegistered(address account);
    /// @notice The account is not registered as required (active institution / patient).
    /// @param account The account.
    error NotRegistered(address account);
    /// @notice The account is not an admin (caller of an admin function, or target of removeAdmin).
    /// @param account The account.
    error NotAdmin(address account);
    /// @notice The account is already an admin.
    /// @param account The account.
    error AlreadyAdmin(address account);
    /// @notice Removing the admin would leave none.
    error LastAdmin();
    /// @notice The signature's deadline has passed.
    /// @param deadline The signed deadline (unix seconds).
    error SignatureExpired(uint256 deadline);
    /// @notice The signature is valid but was made by someone else.
    /// @param expected The required signer.
    /// @param recovered The actual signer.
    error WrongSigner(address expected, address recovered);

    modifier onlyAdmin() {
        if (!_admins[msg.sender]) revert NotAdmin(msg.sender);
        _;
    }

    /// @notice Deploys the registry with its first admin.
    /// @param initialAdmin The first admin; more can be added later.
    constructor(address initialAdmin) {
        if (initialAdmin == address(0)) revert ZeroAddress();
        _admins[initialAdmin] = true;
        _adminCount = 1;
        emit AdminAdded(initialAdmin, address(0));
        CACHED_CHAIN_ID = block.chainid;
        CACHED_DOMAIN_SEPARATOR = Signatures.domainSeparator(NAME_HASH);
    }

    // ---------------------------------------------------------------- admins

    /// @notice Whether `account` is an admin.
    /// @param account The account.
    function isAdmin(address account) external view returns (bool) {
        return _admins[account];
    }

    /// @notice How many admins there are (never zero).
    function adminCount() external view returns (uint256) {
        return _adminCount;
    }

    /// @notice Makes `account` an admin.
    /// @param account The new admin.
    function addAdmin(address account) external onlyAdmin {
        _addAdmin(account);
    }

    /// @notice Removes `account` from the admins; the last admin cannot be removed.
    /// @param account The admin to remove (may be the caller).
    function removeAdmin(address account) external onlyAdmin {
        _removeAdmin(account);
    }

    /// @notice Hands the caller's admin role to `newAdmin`: adds it (unless already admin) and
    ///         removes the caller.
    /// @param newAdmin The admin taking over; must differ from the caller.
    function transferAdmin(address newAdmin) external onlyAdmin {
        if (newAdmin == msg.sender) revert AlreadyAdmin(newAdmin);
        if (!_admins[newAdmin]) _addAdmin(newAdmin);
        _removeAdmin(msg.sender);
    }

    function _addAdmin(address account) private {
        if (account == address(0)) revert ZeroAddress();
        if (_admins[account]) revert AlreadyAdmin(account);
        _admins[account] = true;
        ++_adminCount;
        emit AdminAdded(account, msg.sender);
    }

    function _removeAdmin(address account) private {
        if (!_admins[account]) revert NotAdmin(account);
        if (_adminCount == 1) revert LastAdmin();
        _admins[account] = false;
        --_adminCount;
        emit AdminRemoved(account, msg.sender);
    }

    // ---------------------------------------------------------------- institutions

    /// @notice Admits an institution, or re-admits a removed one with new keys.
    /// @param institution The institution's address.
    /// @param encryptionKey Its X25519 public key (non-zero).
    /// @param profileHash Hash of its published profile.
    function admitInstitution(address institution, bytes32 encryptionKey, bytes32 profileHash) external onlyAdmin {
        if (institution == address(0)) revert ZeroAddress();
        if (encryptionKey == bytes32(0)) revert ZeroKey();
        Participant storage p = _participants[institution];
        uint64 nowTs = uint64(block.timestamp);
        if (p.kind == Kind.None) {
            p.kind = Kind.Institution;
            p.registeredAt = nowTs;
        } else if (p.kind != Kind.Institution || p.active) {
            revert AlreadyRegistered(institution);
        }
        p.active = true;
        p.updatedAt = nowTs;
        p.encryptionKey = encryptionKey;
        p.profileHash = profileHash;
        emit InstitutionAdmitted(institution, encryptionKey, profileHash);
    }

    /// @notice Deactivates an institution; it keeps its record and may be re-admitted.
    /// @param institution The institution's address.
    function removeInstitution(address institution) external onlyAdmin {
        Participant storage p = _participants[institution];
        if (p.kind != Kind.Institution || !p.active) revert NotRegistered(institution);
        p.active = false;
        p.updatedAt = uint64(block.timestamp);
        emit InstitutionRemoved(institution, msg.sender);
    }

    // ---------------------------------------------------------------- patients

    /// @notice Registers the caller as a patient.
    /// @param encryptionKey The patient's X25519 public key (non-zero).
    /// @param profileHash Hash of the patient's published profile.
    function registerPatient(bytes32 encryptionKey, bytes32 profileHash) external {
        _register(msg.sender, encryptionKey, profileHash);
        // a direct change also spends the nonce, so an older signed Registration cannot undo it
        unchecked {
            ++nonces[msg.sender];
        }
    }

    /// @notice Registers `patient` from their Registration signature (relayed by the hub); uses a nonce.
    /// @param patient The patient's signing address.
    /// @param encryptionKey The patient's X25519 public key (non-zero).
    /// @param profileHash Hash of the patient's published profile.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Registration.
    function registerPatientBySig(
        address patient,
        bytes32 encryptionKey,
        bytes32 profileHash,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (_participants[patient].kind != Kind.None) revert AlreadyRegistered(patient);
        if (encryptionKey == bytes32(0)) revert ZeroKey();
        _useRegistration(patient, encryptionKey, profileHash, deadline, signature);
        _register(patient, encryptionKey, profileHash);
    }

    /// @notice Replaces the caller's encryption key and profile hash.
    /// @param encryptionKey The new X25519 public key (non-zero).
    /// @param profileHash The new profile hash.
    function updatePatient(bytes32 encryptionKey, bytes32 profileHash) external {
        _update(msg.sender, encryptionKey, profileHash);
        // a direct change also spends the nonce, so an older signed Registration cannot undo it
        unchecked {
            ++nonces[msg.sender];
        }
    }

    /// @notice Updates `patient` from their Registration signature (relayed by the hub); uses a nonce.
    /// @param patient The patient's signing address.
    /// @param encryptionKey The new X25519 public key (non-zero).
    /// @param profileHash The new profile hash.
    /// @param deadline Last unix second the signature is valid.
    /// @param signature The patient's 65-byte signature of Registration.
    function updatePatientBySig(
        address patient,
        bytes32 encryptionKey,
        bytes32 profileHash,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (_participants[patient].kind != Kind.Patient) revert NotRegistered(patient);
        if (encryptionKey == bytes32(0)) revert ZeroKey();
        _useRegistration(patient, encryptionKey, profileHash, deadline, signature);
        _update(patient, encryptionKey, profileHash);
    }

    function _register(address patient, bytes32 encryptionKey, bytes32 profileHash) private {
        Participant storage p = _participants[patient];
        if (p.kind != Kind.None) revert AlreadyRegistered(patient);
        if (encryptionKey == bytes32(0)) revert ZeroKey();
        uint64 nowTs = uint64(block.timestamp);
        p.kind = Kind.Patient;
        p.active = true;
        p.registeredAt = nowTs;
        p.updatedAt = nowTs;
        p.encryptionKey = encryptionKey;
        p.profileHash = profileHash;
        emit PatientRegistered(patient, encryptionKey, profileHash);
    }

    function _update(address patient, bytes32 encryptionKey, bytes32 profileHash) private {
        Participant storage p = _participants[patient];
        if (p.kind != Kind.Patient) revert NotRegistered(patient);
        if (encryptionKey == bytes32(0)) revert ZeroKey();
        p.updatedAt = uint64(block.timestamp);
        p.encryptionKey = encryptionKey;
        p.profileHash = profileHash;
        emit PatientUpdated(patient, encryptionKey, profileHash);
    }

    /// @dev Checks the deadline and that `patient` signed Registration with their current nonce,
    ///      then consumes the nonce.
    function _useRegistration(
        address patient,
        bytes32 encryptionKey,
        bytes32 profileHash,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (deadline < block.timestamp) revert SignatureExpired(deadline);
        bytes32 structHash = keccak256(
            abi.encode(REGISTRATION_TYPEHASH, patient, encryptionKey, profileHash, nonces[patient]++, deadline)
        );
        address signer = Signatures.recover(Signatures.digest(_domainSeparator(), structHash), signature);
        if (signer != patient) revert WrongSigner(patient, signer);
    }

    // ---------------------------------------------------------------- queries

    /// @notice The full record of `account` (kind None and zeros if unknown). Returned as separate
    ///         values rather than a struct so every ABI client (web3j's generator included) reads it.
    /// @param account The account.
    function participantOf(address account)
        external
        view
        returns (
            Kind kind,
            bool active,
            uint64 registeredAt,
            uint64 updatedAt,
            bytes32 encryptionKey,
            bytes32 profileHash
        )
    {
        Participant storage p = _participants[account];
        return (p.kind, p.active, p.registeredAt, p.updatedAt, p.encryptionKey, p.profileHash);
    }

    /// @notice Whether `account` is an admitted, not removed institution.
    /// @param account The account.
    function isActiveInstitution(address account) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.kind == Kind.Institution && p.active;
    }

    /// @notice Whether `account` is a registered patient.
    /// @param account The account.
    function isRegisteredPatient(address account) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.kind == Kind.Patient && p.active;
    }

    /// @notice The X25519 public key of an active participant; reverts NotRegistered otherwise.
    /// @param account The account.
    function encryptionKeyOf(address account) external view returns (bytes32) {
        Participant storage p = _participants[account];
        if (p.kind == Kind.None || !p.active) revert NotRegistered(account);
        return p.encryptionKey;
    }

    /// @notice The EIP-712 domain separator ("PatientGate ParticipantRegistry", "1", chain, this).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    function _domainSeparator() private view returns (bytes32) {
        return block.chainid == CACHED_CHAIN_ID ? CACHED_DOMAIN_SEPARATOR : Signatures.domainSeparator(NAME_HASH);
    }
}
