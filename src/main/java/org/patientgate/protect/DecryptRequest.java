package org.patientgate.protect;

import java.util.UUID;

/**
 * A node's (or the patient's) request to read a report (patent CN110472428B, claim 2).
 *
 * @param report the report asked for
 * @param sealedSubKey the caller's sub-key string sealed (HPKE) to the module's key; null or empty when
 *     none was presented
 * @param caller the authenticated participant's address
 * @param callerKey the caller's registered X25519 public key: the plaintext is sealed to it
 * @param action what the caller means to do with it (e.g. {@code view}); policies may use it
 * @param credential a credential presented with the request, for policies that need one; may be null
 */
public record DecryptRequest(
        UUID report, byte[] sealedSubKey, String caller, byte[] callerKey, String action, String credential) {}
