package org.patientgate.participant;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, the form in which challenges, session tokens and enrolment codes are stored. */
final class Sha256 {

    private Sha256() {}

    static byte[] of(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
