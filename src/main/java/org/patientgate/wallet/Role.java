package org.patientgate.wallet;

/**
 * The role a participant registers with (docs/PROTECT-API.md): a PATIENT owns reports and hands out
 * sub-keys; a NODE (institution, app) receives sub-keys and decrypts with them.
 */
public enum Role {
    PATIENT,
    NODE
}
