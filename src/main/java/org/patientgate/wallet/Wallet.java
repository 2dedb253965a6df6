package org.patientgate.wallet;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.patientgate.ledger.Eip712;
import org.patientgate.protect.Hpke;
import org.patientgate.protect.ProtectException;
import org.patientgate.protect.SubKeyString;
import org.web3j.crypto.Sign;

/**
 * A participant's wallet at work: its keys ({@link WalletKeys}) and a {@link HubClient}. It registers
 * the participant, signs in, and does what docs/PROTECT-API.md asks of a client: opens the packets of
 * sub-key strings sealed to a patient, re-seals one to a node (allocation) or to the module (decrypt,
 * more slots), opens the bundle the hub seals back, and makes EIP-712 signatures for the contracts.
 * Every HPKE value uses the 16-byte report id as associated data and the info string of its purpose,
 * so a value made for one report or purpose never opens as another. Failures are {@link
 * WalletException}s whose messages carry no key material or content.
 */
public final class Wallet {

    /** How long a patient's ledger registration signature stays valid. */
    public static final Duration REGISTRATION_VALIDITY = Duration.ofHours(1);

    /** The first line of the registration text; a sign-in challenge may not start with it. */
    static final String REGISTRATION_HEADER = "PatientGate registration";

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final byte[] ZERO_PROFILE = new byte[32];

    private final WalletKeys keys;
    private final HubClient hub;
    private final Clock clock;

    /** A wallet of {@code keys} talking to {@code hub}. */
    public Wallet(WalletKeys keys, HubClient hub) {
        this(keys, hub, Clock.systemUTC());
    }

    /** As {@link #Wallet(WalletKeys, HubClient)}, with the clock that sets signature deadlines. */
    public Wallet(WalletKeys keys, HubClient hub, Clock clock) {
        if (keys == null || hub == null || clock == null) {
            throw new IllegalArgumentException("keys, hub and clock are required");
        }
        this.keys = keys;
        this.hub = hub;
        this.clock = clock;
    }

    /** The participant's address (0x + 40 lowercase hex). */
    public String address() {
        return keys.address();
    }

    /** The raw X25519 public key others seal to; a fresh copy. */
    public byte[] encryptionPublicKey() {
        return keys.encryptionPublicKey();
    }

    /** The hub client (with the session token once signed in). */
    public HubClient hub() {
        return hub;
    }

    // ---------------------------------------------------------------- registration and sessions

    /**
     * The text a registration's personal signature covers, exactly as docs/PROTECT-API.md writes it.
     *
     * @param encryptionKey the X25519 public key, base64url without padding
     * @param name the display name, or null (an empty line)
     */
    public static String registrationText(String address, Role role, String encryptionKey, String name) {
        return REGISTRATION_HEADER + "\naddress: " + address + "\nrole: " + role.name() + "\nencryption-key: "
                + encryptionKey + "\nname: " + (name == null ? "" : name);
    }

    /**
     * Registers this wallet with the hub. The registration text is personal-signed; a PATIENT also
     * signs the EIP-712 Registration (profileHash 0, the registry's nonce, a deadline an hour ahead)
     * when the hub's terms name a chain, and the hub relays it to ParticipantRegistry.
     *
     * @param name a display name (nodes), or null; may not contain a line break
     * @throws WalletException if the hub refuses, or answers with another key for this address
     */
    public HubClient.Participant register(Role role, String name) {
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        if (name != null && (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0)) {
            throw new IllegalArgumentException("a participant name is one line");
        }
        String text = registrationText(address(), role, keys.encryptionKeyText(), name);
        byte[] signature = personalSign(text);
        HubClient.LedgerRegistration ledger = null;
        if (role == Role.PATIENT) {
            HubClient.RegistrationTerms terms = hub.registrationTerms(address());
            if (terms.ledgerEnabled()) {
                ledger = ledgerRegistration(terms);
            }
        }
        HubClient.Participant registered =
                hub.register(address(), role, keys.encryptionPublicKey(), name, signature, ledger);
        if (!registered.address().equalsIgnoreCase(address())
                || !Arrays.equals(registered.encryptionKey(), keys.encryptionPublicKey())) {
            throw new WalletException("the hub holds another address or encryption key for " + address());
        }
        return registered;
    }

    private HubClient.LedgerRegistration ledgerRegistration(HubClient.RegistrationTerms terms) {
        if (!Eip712.REGISTRY_NAME.equals(terms.name()) || !Eip712.VERSION.equals(terms.version())) {
            throw new WalletException("the hub's registration terms name the domain " + terms.name() + " version "
                    + terms.version() + "; this wallet signs " + Eip712.REGISTRY_NAME + " version " + Eip712.VERSION);
        }
        if (terms.nonce() == null) {
            throw new WalletException("the hub's registration terms carry no nonce");
        }
        SigningDomain domain;
        try {
            domain = SigningDomain.registry(terms.chainId(), terms.verifyingContract());
        } catch (IllegalArgumentException e) {
            throw new WalletException("the hub's registration terms are not a valid EIP-712 domain: " + e.getMessage());
        }
        long deadline = clock.instant().plus(REGISTRATION_VALIDITY).getEpochSecond();
        return new HubClient.LedgerRegistration(
                deadline, signRegistration(domain, ZERO_PROFILE, terms.nonce(), BigInteger.valueOf(deadline)));
    }

    /**
     * Signs in: asks for a challenge, personal-signs its message, and keeps the session token in the
     * hub client.
     *
     * @throws WalletException if the hub refuses, or the challenge asks to sign a registration text
     *     (which would let the hub register another key in this wallet's name)
     */
    public HubClient.Session signIn() {
        HubClient.Challenge challenge = hub.challenge(address());
        if (challenge.message().startsWith(REGISTRATION_HEADER)) {
            throw new WalletException("refusing to sign a sign-in challenge that reads as a registration");
        }
        return hub.token(address(), challenge.challenge(), personalSign(challenge.message()));
    }

    /** Links the hospital identifier an enrolment code stands for to this (patient) wallet. */
    public void linkIdentifier(String code) {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("an enrolment code is required");
        }
        hub.linkIdentifier(code.trim());
    }

    /** The caller's protected reports with their slots. */
    public List<HubClient.ProtectedReport> reports() {
        return hub.reports();
    }

    // ---------------------------------------------------------------- patient: sub-keys

    /**
     * The sub-key strings of {@code report} held by this patient: its packets fetched and opened,
     * ordered by slot.
     *
     * @throws WalletException if a packet does not open with this wallet's key or names another report
     */
    public List<SubKeyString> openSubKeys(UUID report) {
        Map<Integer, SubKeyString> bySlot = new TreeMap<>();
        for (byte[] packet : hub.subKeyPackets(report)) {
            for (SubKeyString s : openPacket(report, packet)) {
                bySlot.put(s.slot(), s);
            }
        }
        return List.copyOf(bySlot.values());
    }

    /**
     * Opens one packet of sub-key strings sealed to this wallet for {@code report} (info {@code
     * PatientGate sub-keys v1}).
     *
     * @throws WalletException if it does not open, is not a packet, or holds another report's strings
     */
    public List<SubKeyString> openPacket(UUID report, byte[] sealedPacket) {
        byte[] plaintext = open(SubKeyString.INFO_PACKET, report, sealedPacket, "a sub-key packet");
        List<SubKeyString> strings;
        try {
            strings = SubKeyString.decodePacket(plaintext);
        } catch (ProtectException e) {
            throw new WalletException("a sub-key packet of report " + report + " does not hold sub-key strings");
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
        for (SubKeyString s : strings) {
            if (!s.report().equals(report)) {
                throw new WalletException("a sub-key packet of report " + report + " holds another report's sub-key");
            }
        }
        return strings;
    }

    /**
     * Decrypts one of this patient's own reports with its slot-0 sub-key string.
     *
     * @return the FHIR R4 Bundle JSON (UTF-8)
     */
    public byte[] decryptOwn(UUID report) {
        return decryptWith(report, slot(openSubKeys(report), 0, report));
    }

    /**
     * Allocates a spare slot of {@code report} to the node {@code nodeAddress}: opens the slot's
     * sub-key string from the packets, seals it to the node's registered key (info {@code PatientGate
     * sub-key v1}) and posts the allocation. Slot 0, the patient's own, is never handed out.
     *
     * @return the slot allocated
     * @throws WalletException if the report has no spare slot this wallet holds a string for
     */
    public int allocate(UUID report, String nodeAddress) {
        String node = requireAddress(nodeAddress, "node address");
        HubClient.ProtectedReport listed = hub.reports().stream()
                .filter(r -> r.report().equals(report))
                .findFirst()
                .orElseThrow(() -> new WalletException("report " + report + " is not among this wallet's reports"));
        List<SubKeyString> held = openSubKeys(report);
        SubKeyString chosen = listed.slots().stream()
                .filter(HubClient.Slot::spare)
                .map(HubClient.Slot::slot)
                .filter(slot -> slot != 0)
                .sorted()
                .flatMap(slot -> held.stream().filter(s -> s.slot() == slot))
                .findFirst()
                .orElseThrow(() -> new WalletException(
                        "report " + report + " has no spare slot to allocate; add some with more slots"));
        byte[] nodeKey = hub.participant(node).encryptionKey();
        if (nodeKey.length != Hpke.KEY_LENGTH) {
            throw new WalletException("the hub's record of " + node + " has no valid encryption key");
        }
        hub.allocate(report, chosen.slot(), node, seal(nodeKey, SubKeyString.INFO_NODE, report, chosen));
        return chosen.slot();
    }

    /** Revokes {@code slot} of {@code report}: the module forgets its half, the holder's string is dead. */
    public void revoke(UUID report, int slot) {
        if (slot <= 0 || slot > 0xffff) {
            throw new IllegalArgumentException("slot must be between 1 and 65535");
        }
        hub.revokeAllocation(report, slot);
    }

    /**
     * Asks for {@code count} more spare slots of {@code report}, authorised by slot 0's string sealed
     * to the module.
     *
     * @return the new slots' sub-key strings, opened from the packet the hub returns
     * @throws WalletException if the hub refuses or the packet does not match the slots it names
     */
    public List<SubKeyString> moreSlots(UUID report, int count) {
        if (count < 1 || count > 0xffff) {
            throw new IllegalArgumentException("count must be between 1 and 65535");
        }
        SubKeyString zero = slot(openSubKeys(report), 0, report);
        HubClient.AddedSlots added = hub.addSlots(report, count, sealToModule(hub.moduleKey(), report, zero));
        List<SubKeyString> strings = openPacket(report, added.packet());
        List<Integer> opened = strings.stream().map(SubKeyString::slot).sorted().toList();
        if (!opened.equals(added.slots().stream().sorted().toList())) {
            throw new WalletException("the hub's new slots " + added.slots() + " of report " + report
                    + " do not match the packet it sent (" + opened + ")");
        }
        return strings;
    }

    // ---------------------------------------------------------------- nodes

    /**
     * The sub-key strings allocated to this wallet (a node), each opened (info {@code PatientGate
     * sub-key v1}), most recently allocated first.
     *
     * @throws WalletException if one does not open or is not the report and slot it is listed as
     */
    public List<SubKeyString> receivedSubKeys() {
        List<HubClient.AllocatedSubKey> listed = new ArrayList<>(hub.allocatedSubKeys());
        listed.sort(Comparator.comparing(
                        (HubClient.AllocatedSubKey s) -> s.allocatedAt() == null ? Instant.MIN : s.allocatedAt())
                .thenComparingInt(HubClient.AllocatedSubKey::slot)
                .reversed());
        List<SubKeyString> out = new ArrayList<>();
        for (HubClient.AllocatedSubKey s : listed) {
            out.add(openAllocated(s.report(), s.slot(), s.sealedSubKey()));
        }
        return out;
    }

    /**
     * Opens a sub-key string allocated to this wallet and checks it is for {@code report} and {@code
     * slot}.
     */
    public SubKeyString openAllocated(UUID report, int slot, byte[] sealedSubKey) {
        byte[] plaintext = open(SubKeyString.INFO_NODE, report, sealedSubKey, "the sub-key of slot " + slot);
        SubKeyString s;
        try {
            s = SubKeyString.decode(plaintext);
        } catch (ProtectException e) {
            throw new WalletException(
                    "the sub-key of slot " + slot + " of report " + report + " is not a sub-key string");
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
        if (!s.report().equals(report) || s.slot() != slot) {
            throw new WalletException(
                    "the sub-key listed as slot " + slot + " of report " + report + " is for another slot or report");
        }
        return s;
    }

    /**
     * Decrypts {@code report} as a node, with the sub-key string most recently allocated to it.
     *
     * @return the FHIR R4 Bundle JSON (UTF-8)
     * @throws WalletException if no sub-key of the report was allocated to this wallet, or the hub
     *     refuses (e.g. 403 for a revoked slot)
     */
    public byte[] decrypt(UUID report) {
        SubKeyString subKey = receivedSubKeys().stream()
                .filter(s -> s.report().equals(report))
                .findFirst()
                .orElseThrow(() ->
                        new WalletException("no sub-key of report " + report + " has been allocated to " + address()));
        return decryptWith(report, subKey);
    }

    /**
     * Presents {@code subKey} (whatever its report or slot) to decrypt {@code report}: seals it to the
     * module with the report's id as associated data, posts it, and opens the bundle sealed back.
     *
     * @return the FHIR R4 Bundle JSON (UTF-8)
     * @throws WalletException with the hub's status and OperationOutcome text if it refuses
     */
    public byte[] decryptWith(UUID report, SubKeyString subKey) {
        if (report == null || subKey == null) {
            throw new IllegalArgumentException("report and sub-key are required");
        }
        HubClient.SealedReport answer = hub.decrypt(report, sealToModule(hub.moduleKey(), report, subKey));
        if (!report.equals(answer.report())) {
            throw new WalletException("the hub answered a decrypt of " + report + " with report " + answer.report());
        }
        return openReport(report, answer.sealed());
    }

    /** Opens a report the hub sealed to this wallet (info {@code PatientGate report v1}). */
    public byte[] openReport(UUID report, byte[] sealedReport) {
        return open(SubKeyString.INFO_REPORT, report, sealedReport, "the decrypted report");
    }

    /**
     * Seals {@code subKey} to the module's X25519 key for a request about {@code report} (info {@code
     * PatientGate sub-key to module v1}, associated data the report id).
     */
    public static byte[] sealToModule(byte[] moduleKey, UUID report, SubKeyString subKey) {
        return seal(moduleKey, SubKeyString.INFO_MODULE, report, subKey);
    }

    private static byte[] seal(byte[] recipient, byte[] info, UUID report, SubKeyString subKey) {
        byte[] plaintext = subKey.encode();
        try {
            return Hpke.seal(recipient, info, SubKeyString.reportBytes(report), plaintext);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private byte[] open(byte[] info, UUID report, byte[] sealed, String what) {
        if (report == null) {
            throw new IllegalArgumentException("report is required");
        }
        try {
            return keys.open(info, SubKeyString.reportBytes(report), sealed);
        } catch (ProtectException e) {
            throw new WalletException(what + " of report " + report + " does not open with the key of " + address());
        }
    }

    private static SubKeyString slot(List<SubKeyString> held, int slot, UUID report) {
        return held.stream()
                .filter(s -> s.slot() == slot)
                .findFirst()
                .orElseThrow(() ->
                        new WalletException("this wallet holds no sub-key for slot " + slot + " of report " + report));
    }

    // ---------------------------------------------------------------- signatures

    /**
     * An EIP-191 personal signature ({@code "\x19Ethereum Signed Message:\n" + length + message}, UTF-8)
     * as 65 bytes r‖s‖v, v ∈ {27, 28}.
     */
    public byte[] personalSign(String message) {
        Sign.SignatureData data = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), keys.signingKey());
        byte[] signature = new byte[65];
        System.arraycopy(data.getR(), 0, signature, 0, 32);
        System.arraycopy(data.getS(), 0, signature, 32, 32);
        signature[64] = data.getV()[0];
        return signature;
    }

    /** The EIP-712 Registration of this patient's encryption key (ParticipantRegistry domain). */
    public byte[] signRegistration(SigningDomain domain, byte[] profileHash, BigInteger nonce, BigInteger deadline) {
        return sign712(
                domain, Eip712.registration(address(), keys.encryptionPublicKey(), profileHash, nonce, deadline));
    }

    /**
     * The EIP-712 Decision releasing ({@code release}) or refusing an escrow entry (ConsentEscrow
     * domain); {@code entry} is the entry's 32-byte Merkle leaf, {@code intermediateAccount} the
     * entry's intermediate account (0x address, see {@code EscrowEntry.intermediateAccount}) and
     * {@code nonce} a uint256 this wallet has not used in a Decision before (pick one at random).
     */
    public byte[] signDecision(
            SigningDomain domain,
            byte[] entry,
            String intermediateAccount,
            boolean release,
            BigInteger nonce,
            BigInteger deadline) {
        return sign712(domain, Eip712.decision(entry, intermediateAccount, release, nonce, deadline));
    }

    /** The EIP-712 Grant of access to {@code grantee} until {@code expiresAt} (AccessGrants domain). */
    public byte[] signGrant(
            SigningDomain domain, byte[] credentialHash, String grantee, BigInteger expiresAt, BigInteger deadline) {
        return sign712(domain, Eip712.grant(credentialHash, grantee, expiresAt, deadline));
    }

    /** The EIP-712 Revocation of a grant (AccessGrants domain). */
    public byte[] signRevocation(SigningDomain domain, byte[] credentialHash, BigInteger deadline) {
        return sign712(domain, Eip712.revocation(credentialHash, deadline));
    }

    private byte[] sign712(SigningDomain domain, byte[] structHash) {
        return Eip712.sign(Eip712.digest(domain.separator(), structHash), keys.signingKey());
    }

    private static String requireAddress(String address, String what) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException(what + " is not a 0x-prefixed 20-byte hex address");
        }
        return address.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "Wallet[address=" + address() + ", hub=" + hub.baseUrl() + "]";
    }
}
