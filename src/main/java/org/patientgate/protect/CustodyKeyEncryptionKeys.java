package org.patientgate.protect;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * {@link KeyEncryptionKeys} kept in the hub's {@link KeyCustody} as AES-256 entries named
 * {@code protect.kek.v<N>}. The cipher runs wherever the key lives: the JDK provider for a PKCS#12
 * entry, the token for a PKCS#11 one (the custody names that provider, {@link
 * KeyCustody#cipherProvider()}), so a KEK on a token never leaves it.
 */
public final class CustodyKeyEncryptionKeys implements KeyEncryptionKeys {

    static final String PREFIX = "protect.kek.v";
    private static final String GCM = "AES/GCM/NoPadding";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final KeyCustody custody;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, SecretKey> keys = new ConcurrentHashMap<>();
    /**
     * Each thread's AES-GCM cipher, for the key it was last used with: {@code Cipher.getInstance} (a
     * provider lookup) cost a third of a wrap, and a report makes one wrap per slot. A cipher is only
     * reused for the same key object, since the provider is chosen by the first key it is given.
     */
    private final ThreadLocal<KeyedCipher> ciphers = new ThreadLocal<>();

    private volatile int current;

    private record KeyedCipher(SecretKey key, Cipher cipher) {}

    /** Opens the KEKs in custody, creating version 1 on first start. */
    public CustodyKeyEncryptionKeys(KeyCustody custody) {
        this.custody = custody;
        SortedSet<Integer> versions = versions();
        if (versions.isEmpty()) {
            custody.createAesKey(PREFIX + 1);
            current = 1;
        } else {
            current = versions.last();
        }
    }

    @Override
    public int current() {
        return current;
    }

    @Override
    public SortedSet<Integer> versions() {
        SortedSet<Integer> out = new TreeSet<>();
        for (String alias : custody.aliases(PREFIX)) {
            try {
                out.add(Integer.parseInt(alias.substring(PREFIX.length())));
            } catch (NumberFormatException e) {
                // not one of ours
            }
        }
        return out;
    }

    @Override
    public byte[] wrap(byte[] secret, byte[] aad) {
        int version = current;
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            SecretKey key = key(version);
            Cipher cipher = cipher(key);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header(version));
            cipher.updateAAD(aad);
            byte[] sealed = cipher.doFinal(secret);
            return ByteBuffer.allocate(4 + NONCE + sealed.length)
                    .put(header(version))
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key wrap failed: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public byte[] unwrap(byte[] wrapped, byte[] aad) {
        int version = KeyEncryptionKeys.versionOf(wrapped);
        if (wrapped.length < 4 + NONCE + TAG_BITS / 8) {
            throw new ProtectException(ProtectException.Reason.CORRUPT, "wrapped key is too short");
        }
        try {
            SecretKey key = key(version);
            Cipher cipher = cipher(key);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, wrapped, 4, NONCE));
            cipher.updateAAD(wrapped, 0, 4);
            cipher.updateAAD(aad);
            return cipher.doFinal(wrapped, 4 + NONCE, wrapped.length - 4 - NONCE);
        } catch (AEADBadTagException e) {
            throw new ProtectException(ProtectException.Reason.CORRUPT, "wrapped key failed its integrity check");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key unwrap failed: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized int rotate() {
        int next = Math.max(current, versions().isEmpty() ? 0 : versions().last()) + 1;
        custody.createAesKey(PREFIX + next);
        current = next;
        return next;
    }

    @Override
    public synchronized void retire(int version) {
        if (version == current) {
            throw new IllegalArgumentException("the current key-encryption key cannot be retired");
        }
        keys.remove(version);
        custody.delete(PREFIX + version);
    }

    /** AES-GCM from the custody's provider when it names one (a token), else from the JCA default. */
    private Cipher cipher() throws GeneralSecurityException {
        Provider provider = custody.cipherProvider();
        return provider == null ? Cipher.getInstance(GCM) : Cipher.getInstance(GCM, provider);
    }

    private SecretKey key(int version) {
        SecretKey key = keys.computeIfAbsent(version, v -> custody.secretKey(PREFIX + v));
        if (key == null) {
            throw new ProtectException(
                    ProtectException.Reason.CORRUPT, "key-encryption key version " + version + " is not in custody");
        }
        return key;
    }

    private Cipher cipher(SecretKey key) throws GeneralSecurityException {
        KeyedCipher cached = ciphers.get();
        if (cached == null || cached.key() != key) {
            cached = new KeyedCipher(key, cipher());
            ciphers.set(cached);
        }
        return cached.cipher();
    }

    private static byte[] header(int version) {
        return ByteBuffer.allocate(4).putInt(version).array();
    }
}
