package org.patientgate.protect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.patientgate.protect.ProtectException.Reason;
import org.patientgate.protect.ProtectStore.AuditRecord;
import org.patientgate.protect.ProtectStore.ReportRecord;
import org.patientgate.protect.ProtectStore.WrappedHalf;
import org.patientgate.protect.ProtectedReport.Packet;
import org.patientgate.protect.ProtectedReport.Slot;
import org.patientgate.protect.ProtectedReport.SlotState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The privacy-information authorization module (patent CN110472428B, claims 1-3): protects reports,
 * lets patients allocate and revoke sub-keys, decrypts for holders of a valid sub-key and refuses
 * everyone else, and re-wraps its stored halves when the key-encryption key is rotated.
 *
 * <p>Neither the module nor any holder can read a report alone: the module keeps only m_i = K ⊕ s_i
 * (wrapped), each holder only its own s_i (sealed to it). K exists in memory only while a request that
 * presented a valid s_i is being served, and is wiped right after.
 */
public final class PrivacyModule {

    /** Custody identity of the module's own X25519 key (sub-keys are sealed to it for decrypts). */
    public static final String MODULE_IDENTITY = "protect.module";

    private static final Logger log = LoggerFactory.getLogger(PrivacyModule.class);

    private final ProtectStore store;
    private final BlobStore blobs;
    private final KeyEncryptionKeys keks;
    private final ReportProtector protector;
    private final Hpke.Recipient moduleKey;
    private final Supplier<List<DecryptPolicy>> policies;
    private final Supplier<List<KeyRewrapper>> rewrappers;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Timer decryptTimer;
    private final Timer protectTimer;
    private final Counter protectedReports;
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

    /** Something else the KEK wraps (e.g. the at-rest storage keys), re-wrapped on rotation. */
    public interface KeyRewrapper {
        /** Re-wraps everything not under the current version; returns how many. */
        int rewrap(KeyEncryptionKeys keks);

        /** KEK versions it still uses. */
        java.util.Set<Integer> kekVersionsInUse();
    }

    public PrivacyModule(
            ProtectStore store,
            BlobStore blobs,
            KeyEncryptionKeys keks,
            KeyCustody custody,
            ReportProtector protector,
            Supplier<List<DecryptPolicy>> policies,
            Supplier<List<KeyRewrapper>> rewrappers,
            Clock clock,
            MeterRegistry registry) {
        this.store = store;
        this.blobs = blobs;
        this.keks = keks;
        this.protector = protector;
        byte[] modulePrivate = custody.encryptionPrivateKey(MODULE_IDENTITY);
        this.moduleKey = Hpke.recipient(modulePrivate);
        Arrays.fill(modulePrivate, (byte) 0);
        this.policies = policies;
        this.rewrappers = rewrappers;
        this.clock = clock;
        this.registry = registry;
        this.decryptTimer = Timer.builder("hub.protect.decrypt.duration")
                .description("Time to serve one decrypt request (sub-key checks, key combination, decryption, sealing)")
                .publishPercentileHistogram()
                .register(registry);
        this.protectTimer = Timer.builder("hub.protect.duration")
                .description("Time to protect one batch of reports (encrypt, make slots, seal, store)")
                .publishPercentileHistogram()
                .register(registry);
        this.protectedReports = Counter.builder("hub.protect.reports")
                .description("Reports protected")
                .register(registry);
    }

    /** The module's X25519 public key: clients seal sub-keys to it for decrypt and more slots. */
    public byte[] moduleKey() {
        return moduleKey.publicKey();
    }

    /** One report to protect. */
    public record ProtectRequest(
            UUID report,
            UUID messageId,
            String institution,
            byte[] patientRef,
            String patient,
            ReportProtector.Recipient recipient,
            byte[] plaintext) {}

    /**
     * Protects a batch: encrypts each, stores the ciphertexts (one write), then the reports' halves and
     * packets (one transaction). Reports already stored (a redelivery) are left as they are; their new
     * ciphertexts are simply unreferenced.
     */
    public List<ProtectedReport> protectAll(List<ProtectRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        return protectTimer.record(() -> {
            List<ProtectedReport> reports = new ArrayList<>(requests.size());
            List<byte[]> ciphertexts = new ArrayList<>(requests.size());
            for (ProtectRequest r : requests) {
                ReportProtector.Result result = protector.protect(
                        r.report(),
                        r.messageId(),
                        r.institution(),
                        r.patientRef(),
                        r.patient(),
                        r.recipient(),
                        r.plaintext());
                reports.add(result.report());
                ciphertexts.add(result.ciphertext());
            }
            blobs.putAll(ciphertexts);
            store.saveAll(reports);
            protectedReports.increment(reports.size());
            return reports;
        });
    }

    /**
     * Decrypts a report for the holder of a valid sub-key (claim 2) and returns the bundle sealed to
     * the caller's key; refuses everyone else with a {@link ProtectException} naming why (claim 3).
     * Every attempt is audited.
     */
    public byte[] decrypt(DecryptRequest request) {
        Timer.Sample sample = Timer.start(registry);
        Integer slot = null;
        try {
            if (request.sealedSubKey() == null || request.sealedSubKey().length == 0) {
                throw new ProtectException(Reason.NO_SUBKEY, "no sub-key was presented");
            }
            SubKeyString subKey = openForModule(request.report(), request.sealedSubKey());
            slot = subKey.slot();
            ReportRecord report = visibleReport(request.report());
            Slot held = checkHolder(report, subKey, request.caller());
            for (DecryptPolicy policy : policies.get()) {
                policy.check(request, report, subKey.slot());
            }
            byte[] plaintext = open(report, held, subKey);
            try {
                byte[] sealed = Hpke.seal(
                        request.callerKey(),
                        SubKeyString.INFO_REPORT,
                        SubKeyString.reportBytes(report.report()),
                        plaintext);
                audit("DECRYPT", request.caller(), request.report(), slot, null);
                return sealed;
            } finally {
                Arrays.fill(plaintext, (byte) 0);
            }
        } catch (ProtectException e) {
            audit("DECRYPT", request.caller(), request.report(), slot, e.reason());
            throw e;
        } finally {
            sample.stop(decryptTimer);
        }
    }

    /** Binds a spare slot to a node with the sub-key string the patient re-sealed to it (claim 1). */
    public void allocate(UUID report, String patient, int slot, String node, byte[] sealedForNode) {
        try {
            ReportRecord record = patientsReport(report, patient);
            if (sealedForNode == null || sealedForNode.length < Hpke.ENC_LENGTH + 16) {
                throw new ProtectException(
                        Reason.INVALID_SUBKEY, "the sealed sub-key for the node is missing or too short");
            }
            if (slot == 0) {
                throw new ProtectException(Reason.CONFLICT, "slot 0 is the patient's own and cannot be allocated");
            }
            if (!store.allocate(record.report(), slot, node, sealedForNode, clock.instant())) {
                throw new ProtectException(Reason.CONFLICT, "slot " + slot + " is not a spare slot of this report");
            }
            audit("ALLOCATE", patient, report, slot, null);
        } catch (ProtectException e) {
            audit("ALLOCATE", patient, report, slot, e.reason());
            throw e;
        }
    }

    /** Revokes a slot for good: its module half is deleted, so its sub-key opens nothing any more. */
    public void revoke(UUID report, String patient, int slot) {
        try {
            patientsReport(report, patient);
            if (slot == 0) {
                throw new ProtectException(Reason.CONFLICT, "slot 0 is the patient's own and cannot be revoked");
            }
            if (!store.revoke(report, slot, clock.instant())) {
                throw new ProtectException(Reason.CONFLICT, "slot " + slot + " is neither spare nor allocated");
            }
            audit("REVOKE", patient, report, slot, null);
        } catch (ProtectException e) {
            audit("REVOKE", patient, report, slot, e.reason());
            throw e;
        }
    }

    /**
     * Makes more spare slots for a patient who presents slot 0 (sealed to the module): K = m_0 ⊕ s_0 is
     * rebuilt in memory, checked against the ciphertext, used for the new halves and wiped. Returns the
     * new slots' packet, sealed to the patient.
     */
    public Packet moreSlots(UUID report, String patient, byte[] patientKey, int count, byte[] sealedSlotZero) {
        if (count < 1 || count > 64) {
            throw new ProtectException(Reason.CONFLICT, "ask for between 1 and 64 slots");
        }
        try {
            SubKeyString subKey = openForModule(report, sealedSlotZero);
            ReportRecord record = patientsReport(report, patient);
            if (subKey.slot() != 0) {
                throw new ProtectException(Reason.NOT_HOLDER, "more slots need slot 0, the patient's own sub-key");
            }
            Slot zero = checkHolder(record, subKey, patient);
            byte[] key = dataKey(record, zero, subKey);
            try {
                // K must open the report before anything is derived from it: a forged s_0 makes nothing
                Arrays.fill(
                        ReportCipher.decrypt(key, record.nonce(), associatedData(record), ciphertext(record)),
                        (byte) 0);
                int first =
                        store.slots(report).stream().mapToInt(Slot::slot).max().orElse(0) + 1;
                ReportProtector.NewSlots slots = protector.newSlots(report, key, first, count, null);
                Packet packet = ReportProtector.seal(
                        report,
                        new ReportProtector.Recipient(ProtectedReport.patientRecipient(patient), patientKey),
                        slots.strings());
                store.addSlots(report, slots.slots(), packet);
                audit("MORE_SLOTS", patient, report, 0, null);
                return packet;
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } catch (ProtectException e) {
            audit("MORE_SLOTS", patient, report, 0, e.reason());
            throw e;
        }
    }

    /** Deletes every module half of a report (escrow rejection or expiry): it can never be decrypted. */
    public int shred(UUID report, String actor) {
        int deleted = store.shred(report, clock.instant());
        audit("SHRED", actor, report, null, null);
        return deleted;
    }

    /** The sealed packets a patient holds for one of their reports. */
    public List<byte[]> packets(UUID report, String patient) {
        patientsReport(report, patient);
        return store.packets(report, ProtectedReport.patientRecipient(patient));
    }

    /** Report ids already made from these messages (message id → report id). */
    public Map<UUID, UUID> reportsForMessages(List<UUID> messageIds) {
        return store.reportsForMessages(messageIds);
    }

    public Optional<ReportRecord> report(UUID report) {
        return store.report(report);
    }

    /** Several reports in one read; unknown ids are absent. */
    public List<ReportRecord> reports(java.util.Collection<UUID> reports) {
        return store.reports(reports);
    }

    public List<ReportRecord> reportsOf(String patient, int limit) {
        return store.reportsOf(patient, limit);
    }

    public List<Slot> slots(UUID report) {
        return store.slots(report);
    }

    public List<ProtectStore.Delivery> deliveries(String node) {
        return store.deliveries(node);
    }

    public List<AuditRecord> audit(UUID report) {
        return store.audit(report);
    }

    /**
     * Hands reports held for a blinded identifier to the patient who enrolled with it: each packet the
     * institution held is opened with the institution's key and sealed again to the patient.
     *
     * @return how many reports were handed over
     */
    public int handOver(
            byte[] patientRef, String patient, byte[] patientKey, String institution, Hpke.Recipient institutionKey) {
        int handed = 0;
        List<ReportRecord> pending;
        do {
            pending = store.pending(patientRef, 200);
            for (ReportRecord record : pending) {
                String heldBy = ProtectedReport.institutionRecipient(record.institution());
                List<Packet> resealed = new ArrayList<>();
                for (byte[] sealed : store.packets(record.report(), heldBy)) {
                    byte[] aad = SubKeyString.reportBytes(record.report());
                    byte[] packet = institutionKey.open(SubKeyString.INFO_PACKET, aad, sealed);
                    try {
                        resealed.add(new Packet(
                                ProtectedReport.patientRecipient(patient),
                                Hpke.seal(patientKey, SubKeyString.INFO_PACKET, aad, packet)));
                    } finally {
                        Arrays.fill(packet, (byte) 0);
                    }
                }
                if (store.assignPatient(record.report(), patient, heldBy, resealed)) {
                    handed++;
                }
            }
        } while (pending.size() == 200);
        if (handed > 0) {
            log.info("Handed {} held report(s) to a patient who enrolled", handed);
        }
        return handed;
    }

    /** Progress of a key-encryption-key rotation. */
    public record Rotation(int version, long halvesRewrapped, long otherKeysRewrapped) {}

    /**
     * Rotates the key-encryption key: a new version becomes current and every module half and every
     * other wrapped key is re-wrapped under it, in batches. Nothing on the ledger changes (the ledger
     * holds no key material). Old versions stay in custody until {@link #retire}.
     */
    public Rotation rotate(int batchSize) {
        int version = keks.rotate();
        long halves = rewrapAll(version, batchSize);
        long others = 0;
        for (KeyRewrapper rewrapper : rewrappers.get()) {
            others += rewrapper.rewrap(keks);
        }
        log.info(
                "Key-encryption key rotated to version {}: {} module halves and {} other keys re-wrapped",
                version,
                halves,
                others);
        return new Rotation(version, halves, others);
    }

    /** Re-wraps whatever an older version still wraps (e.g. after a rotation was interrupted). */
    public long rewrapAll(int current, int batchSize) {
        long total = 0;
        List<WrappedHalf> batch;
        do {
            batch = store.halvesNotUnder(current, batchSize);
            List<WrappedHalf> rewrapped = new ArrayList<>(batch.size());
            for (WrappedHalf half : batch) {
                byte[] aad = ReportProtector.moduleHalfAad(half.report(), half.slot());
                byte[] m = keks.unwrap(half.wrapped(), aad);
                try {
                    byte[] wrapped = keks.wrap(m, aad);
                    rewrapped.add(
                            new WrappedHalf(half.report(), half.slot(), wrapped, KeyEncryptionKeys.versionOf(wrapped)));
                } finally {
                    Arrays.fill(m, (byte) 0);
                }
            }
            store.rewrap(rewrapped);
            total += rewrapped.size();
        } while (batch.size() == batchSize);
        return total;
    }

    /** KEK versions in custody, and how many stored keys each still wraps. */
    public Map<Integer, Long> kekUse() {
        Map<Integer, Long> use = new java.util.TreeMap<>();
        keks.versions().forEach(v -> use.put(v, 0L));
        store.kekVersionsInUse().forEach((v, n) -> use.merge(v, n, Long::sum));
        for (KeyRewrapper rewrapper : rewrappers.get()) {
            rewrapper.kekVersionsInUse().forEach(v -> use.merge(v, 1L, Long::sum));
        }
        return use;
    }

    public int currentKek() {
        return keks.current();
    }

    /** Deletes an old KEK version; refused while anything is still wrapped under it. */
    public void retire(int version) {
        Long inUse = kekUse().get(version);
        if (inUse == null) {
            throw new ProtectException(Reason.UNKNOWN_REPORT, "no key-encryption key version " + version);
        }
        if (inUse > 0 || version == keks.current()) {
            throw new ProtectException(Reason.CONFLICT, "key-encryption key version " + version + " is still in use");
        }
        keks.retire(version);
    }

    private SubKeyString openForModule(UUID report, byte[] sealed) {
        byte[] packet = moduleKey.open(SubKeyString.INFO_MODULE, SubKeyString.reportBytes(report), sealed);
        try {
            SubKeyString subKey = SubKeyString.decode(packet);
            if (!subKey.report().equals(report)) {
                throw new ProtectException(Reason.WRONG_REPORT, "the sub-key belongs to another report");
            }
            return subKey;
        } finally {
            Arrays.fill(packet, (byte) 0);
        }
    }

    private ReportRecord visibleReport(UUID report) {
        return store.report(report).orElseThrow(() -> new ProtectException(Reason.UNKNOWN_REPORT, "no such report"));
    }

    private ReportRecord patientsReport(UUID report, String patient) {
        ReportRecord record = visibleReport(report);
        if (record.patient() == null || !record.patient().equals(patient)) {
            // the same answer as for a report that does not exist: a patient learns nothing of others'
            throw new ProtectException(Reason.UNKNOWN_REPORT, "no such report");
        }
        return record;
    }

    private Slot checkHolder(ReportRecord report, SubKeyString subKey, String caller) {
        if ("SHREDDED".equals(report.state())) {
            throw new ProtectException(Reason.REVOKED, "the report was shredded: no sub-key opens it any more");
        }
        Slot slot = store.slot(report.report(), subKey.slot())
                .orElseThrow(() -> new ProtectException(Reason.INVALID_SUBKEY, "the sub-key's slot does not exist"));
        if (slot.state() == SlotState.REVOKED || slot.state() == SlotState.SHREDDED) {
            throw new ProtectException(Reason.REVOKED, "the sub-key's slot was revoked");
        }
        boolean holder = slot.slot() == 0
                ? report.patient() != null && report.patient().equals(caller)
                : slot.state() == SlotState.ALLOCATED && caller.equals(slot.holder());
        if (!holder) {
            throw new ProtectException(Reason.NOT_HOLDER, "the sub-key's slot is not allocated to the caller");
        }
        if (slot.moduleHalf() == null) {
            throw new ProtectException(Reason.REVOKED, "the sub-key's slot was revoked");
        }
        return slot;
    }

    private byte[] dataKey(ReportRecord report, Slot slot, SubKeyString subKey) {
        byte[] m = keks.unwrap(slot.moduleHalf(), ReportProtector.moduleHalfAad(report.report(), slot.slot()));
        try {
            return ReportCipher.xor(m, subKey.secret());
        } finally {
            Arrays.fill(m, (byte) 0);
        }
    }

    private byte[] open(ReportRecord report, Slot slot, SubKeyString subKey) {
        byte[] key = dataKey(report, slot, subKey);
        try {
            return ReportCipher.decrypt(key, report.nonce(), associatedData(report), ciphertext(report));
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(subKey.secret(), (byte) 0);
        }
    }

    private byte[] ciphertext(ReportRecord report) {
        return blobs.get(report.blobHash())
                .orElseThrow(() -> new ProtectException(Reason.CORRUPT, "the report's ciphertext is missing"));
    }

    private static byte[] associatedData(ReportRecord report) {
        return ReportCipher.associatedData(report.report(), report.patientRef(), report.contentHash());
    }

    private void audit(String action, String caller, UUID report, Integer slot, Reason reason) {
        String outcome = reason == null ? "GRANTED" : "DENIED";
        outcomes.computeIfAbsent(action + outcome + reason, k -> Counter.builder("hub.protect.requests")
                        .description("Privacy module requests by action and outcome")
                        .tag("action", action.toLowerCase(java.util.Locale.ROOT))
                        .tag("outcome", outcome.toLowerCase(java.util.Locale.ROOT))
                        .tag("reason", reason == null ? "none" : reason.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry))
                .increment();
        store.audit(new AuditRecord(
                clock.instant(), action, caller, report, slot, outcome, reason == null ? null : reason.name()));
    }
}
