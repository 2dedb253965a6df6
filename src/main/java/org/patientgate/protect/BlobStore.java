package org.patientgate.protect;

import java.util.Optional;

/**
 * Content-addressed storage of ciphertexts: a blob is named by the SHA-256 of its bytes, so the same
 * bytes are stored once and a reader can check what it got. PostgreSQL by default
 * ({@code protect/jdbc/JdbcBlobStore}); an S3-compatible store is another adapter of this port.
 */
public interface BlobStore {

    /** Stores {@code content} (durably, idempotently) and returns its SHA-256. */
    byte[] put(byte[] content);

    /** Stores several in one durable write; returns their hashes in order. */
    java.util.List<byte[]> putAll(java.util.List<byte[]> contents);

    /** The blob named {@code hash}, checked against it. */
    Optional<byte[]> get(byte[] hash);
}
