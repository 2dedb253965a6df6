package org.patientgate.protect;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Blinds hospital identifiers (PID-3 / Patient.identifier: assigning authority or system, and value)
 * into 32-byte keyed hashes, HMAC-SHA256 under a hub key kept in custody ({@code protect.identifier-key}).
 * The hub stores and compares only blinded identifiers: an MRN is easy to enumerate, so a bare hash
 * would not hide it, while the keyed hash cannot be recomputed without the hub's key.
 */
public final class IdentifierBlinding {

    static final String ALIAS = "protect.identifier-key";

    private final byte[] key;

    public IdentifierBlinding(KeyCustody custody) {
        SecretKey secret = custody.secretKey(ALIAS);
        if (secret == null) {
            secret = custody.createAesKey(ALIAS);
        }
        this.key = secret.getEncoded();
    }

    /**
     * The blinded form of one identifier. The system is normalised (trimmed, lower-case) and the value
     * trimmed, so the same identifier from HL7 v2 and from FHIR blinds to the same bytes.
     */
    public byte[] blind(String system, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("an identifier needs a value");
        }
        String canonical =
                (system == null ? "" : system.trim().toLowerCase(java.util.Locale.ROOT)) + "|" + value.trim();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable");
        }
    }

    @Override
    public String toString() {
        return "IdentifierBlinding[****]";
    }
}
