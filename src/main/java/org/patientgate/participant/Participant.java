package org.patientgate.participant;

import java.time.Instant;

/**
 * A registered participant: a patient or a node (institution, app), known by the address of its
 * secp256k1 key, with the X25519 public key sub-keys and reports are sealed to.
 *
 * @param address 0x-prefixed lowercase hex
 * @param role PATIENT or NODE
 * @param encryptionKey raw 32-byte X25519 public key
 * @param name a node's display name; null for patients
 */
public record Participant(String address, Role role, byte[] encryptionKey, String name, Instant registeredAt) {

    public enum Role {
        PATIENT,
        NODE
    }
}
