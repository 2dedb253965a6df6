package org.patientgate.protect.pkcs12;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;
import org.patientgate.protect.KeyCustody;
import org.patientgate.protect.KeyIdentities;

/**
 * {@link KeyCustody} over a PKCS#12 keystore file. secp256k1 private keys are kept as secret-key
 * entries (the JDK cannot hold a secp256k1 key pair without a certificate chain), each protected by
 * the keystore password. A key created here is written to the keystore (atomically, owner-only
 * permissions) before it is returned, so a key the ledger ever signed with survives a restart.
 */
public final class Pkcs12KeyCustody implements KeyCustody {

    static final String SECP256K1 = "secp256k1";

    private final Path file;
    private final char[] password;
    private final SecureRandom random = new SecureRandom();
    private final KeyStore keyStore;

    public Pkcs12KeyCustody(Path file, char[] password) {
        this.file = file;
        this.password = password.clone();
        this.keyStore = load();
    }

    private KeyStore load() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            if (Files.exists(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    ks.load(in, password);
                }
            } else {
                ks.load(null, null);
            }
            return ks;
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                throw new IllegalStateException("the keystore " + file + " does not open with the configured password"
                        + " (hub.keystore.password / HUB_KEYSTORE_PASSWORD)");
            }
            throw new UncheckedIOException("could not read the keystore " + file, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "could not open the keystore " + file + ": " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized byte[] ledgerKey(String identity) {
        String alias = KeyIdentities.alias(identity);
        try {
            if (keyStore.containsAlias(alias)) {
                return keyStore.getKey(alias, password).getEncoded();
            }
            byte[] key = KeyIdentities.newSecp256k1PrivateKey(random);
            keyStore.setEntry(
                    alias,
                    new KeyStore.SecretKeyEntry(new SecretKeySpec(key, SECP256K1)),
                    new KeyStore.PasswordProtection(password));
            store();
            return key;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "keystore entry " + alias + " is unusable: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized byte[] encryptionPublicKey(String identity) {
        String alias = KeyIdentities.alias(identity) + ".x25519";
        try {
            if (keyStore.containsAlias(alias + ".pub")) {
                return keyStore.getKey(alias + ".pub", password).getEncoded();
            }
            java.security.KeyPair pair =
                    java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
            byte[] publicKey = rawX25519(((java.security.interfaces.XECPublicKey) pair.getPublic()).getU());
            keyStore.setEntry(
                    alias,
                    new KeyStore.SecretKeyEntry(
                            new SecretKeySpec(pair.getPrivate().getEncoded(), "X25519")),
                    new KeyStore.PasswordProtection(password));
            keyStore.setEntry(
                    alias + ".pub",
                    new KeyStore.SecretKeyEntry(new SecretKeySpec(publicKey, "X25519")),
                    new KeyStore.PasswordProtection(password));
            store();
            return publicKey;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "keystore entry " + alias + " is unusable: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized byte[] encryptionPrivateKey(String identity) {
        encryptionPublicKey(identity);
        String alias = KeyIdentities.alias(identity) + ".x25519";
        try {
            byte[] pkcs8 = keyStore.getKey(alias, password).getEncoded();
            // RFC 8410: the PKCS#8 form of an X25519 key ends with the 32-byte private scalar.
            byte[] raw = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
            Arrays.fill(pkcs8, (byte) 0);
            return raw;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "keystore entry " + alias + " is unusable: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized javax.crypto.SecretKey secretKey(String alias) {
        try {
            if (!keyStore.containsAlias(KeyIdentities.alias(alias))) {
                return null;
            }
            java.security.Key key = keyStore.getKey(alias, password);
            return new SecretKeySpec(key.getEncoded(), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "keystore entry " + alias + " is unusable: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized javax.crypto.SecretKey createAesKey(String alias) {
        try {
            if (keyStore.containsAlias(KeyIdentities.alias(alias))) {
                throw new IllegalStateException("keystore entry " + alias + " exists already");
            }
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            SecretKeySpec key = new SecretKeySpec(raw, "AES");
            Arrays.fill(raw, (byte) 0);
            keyStore.setEntry(alias, new KeyStore.SecretKeyEntry(key), new KeyStore.PasswordProtection(password));
            store();
            return key;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keystore entry " + alias + " could not be made: "
                    + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized boolean delete(String alias) {
        try {
            if (!keyStore.containsAlias(KeyIdentities.alias(alias))) {
                return false;
            }
            keyStore.deleteEntry(alias);
            store();
            return true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("keystore entry " + alias + " could not be deleted: "
                    + e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized java.util.Set<String> aliases(String prefix) {
        try {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (String alias : java.util.Collections.list(keyStore.aliases())) {
                if (alias.startsWith(prefix)) {
                    out.add(alias);
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized java.security.KeyPair credentialSigningKey() {
        String alias = "credential.signing";
        try {
            java.security.KeyFactory factory = java.security.KeyFactory.getInstance("EC");
            if (!keyStore.containsAlias(alias)) {
                java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
                generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"), random);
                java.security.KeyPair pair = generator.generateKeyPair();
                keyStore.setEntry(
                        alias,
                        new KeyStore.SecretKeyEntry(
                                new SecretKeySpec(pair.getPrivate().getEncoded(), "EC")),
                        new KeyStore.PasswordProtection(password));
                keyStore.setEntry(
                        alias + ".pub",
                        new KeyStore.SecretKeyEntry(
                                new SecretKeySpec(pair.getPublic().getEncoded(), "EC")),
                        new KeyStore.PasswordProtection(password));
                store();
                return pair;
            }
            byte[] pkcs8 = keyStore.getKey(alias, password).getEncoded();
            byte[] x509 = keyStore.getKey(alias + ".pub", password).getEncoded();
            return new java.security.KeyPair(
                    factory.generatePublic(new java.security.spec.X509EncodedKeySpec(x509)),
                    factory.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "keystore entry " + alias + " is unusable: " + e.getClass().getSimpleName());
        }
    }

    /** RFC 7748 encodes u as 32 bytes little-endian. */
    static byte[] rawX25519(BigInteger u) {
        byte[] bigEndian = u.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < bigEndian.length; i++) {
            out[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return out;
    }

    /** Whether the keystore already holds the named identity (no key is created). */
    public synchronized boolean holds(String identity) {
        try {
            return keyStore.containsAlias(KeyIdentities.alias(identity));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e.getClass().getSimpleName());
        }
    }

    private void store() throws GeneralSecurityException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(tmp)) {
                keyStore.store(out, password);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the keystore " + file, e);
        }
    }

    /** Forgets the password copy held by this object (on shutdown). */
    public void close() {
        Arrays.fill(password, '\0');
    }
}
