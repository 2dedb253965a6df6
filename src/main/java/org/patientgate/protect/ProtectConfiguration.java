package org.patientgate.protect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.patientgate.config.HubProperties;
import org.patientgate.config.SecretFiles;
import org.patientgate.protect.pkcs11.Pkcs11KeyCustody;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the hub's key custody from {@code hub.keystore.*}. */
@Configuration(proxyBeanMethods = false)
public class ProtectConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ProtectConfiguration.class);

    /**
     * The custody {@code hub.keystore.type} names: the PKCS#12 file (default) or a PKCS#11 token. Both
     * have a {@code close()} (the PKCS#12 one forgets its password copy, the PKCS#11 one logs out).
     */
    @Bean(destroyMethod = "close")
    KeyCustody keyCustody(HubProperties hub, KeystoreProperties keystore) {
        if (keystore.type() == KeystoreProperties.Type.PKCS11) {
            char[] pin = pin(keystore).toCharArray();
            try {
                return new Pkcs11KeyCustody(keystore.pkcs11Config(), pin);
            } finally {
                Arrays.fill(pin, '\0');
            }
        }
        Path file = keystore.path() != null
                ? keystore.path()
                : hub.dataDir().resolve("keys").resolve("hub.p12");
        return new Pkcs12KeyCustody(file, password(file, keystore).toCharArray());
    }

    /** The module's key-encryption keys, version 1 created on first start. */
    @Bean
    KeyEncryptionKeys keyEncryptionKeys(KeyCustody custody) {
        return new CustodyKeyEncryptionKeys(custody);
    }

    /** Keyed hashes of hospital identifiers (the key made on first start). */
    @Bean
    IdentifierBlinding identifierBlinding(KeyCustody custody) {
        return new IdentifierBlinding(custody);
    }

    /** The keystore password: configured, from a file, or generated once for the embedded default. */
    public static String password(Path keystoreFile, KeystoreProperties keystore) {
        String configured = configuredPassword(keystore);
        if (configured != null) {
            return configured;
        }
        Path generated = keystoreFile.resolveSibling("keystore.password");
        if (Files.exists(keystoreFile) && !Files.exists(generated)) {
            throw new IllegalStateException("the keystore " + keystoreFile
                    + " exists but no password is configured: set HUB_KEYSTORE_PASSWORD or hub.keystore.password-file");
        }
        if (!Files.exists(generated)) {
            log.warn(
                    "No keystore password configured: generated one in {} (owner-only). Production sets"
                            + " HUB_KEYSTORE_PASSWORD or hub.keystore.password-file instead.",
                    generated);
        }
        return SecretFiles.readOrGenerate(generated);
    }

    /**
     * A PKCS#11 token's user PIN: configured or from a file, never generated (the token was
     * initialised with a PIN the hub cannot know).
     */
    public static String pin(KeystoreProperties keystore) {
        String configured = configuredPassword(keystore);
        if (configured == null) {
            throw new IllegalStateException("hub.keystore.type=PKCS11 needs the token's user PIN: set"
                    + " HUB_KEYSTORE_PASSWORD (hub.keystore.password) or hub.keystore.password-file");
        }
        return configured;
    }

    /** The password (or PIN) set directly or in a file; null if neither is configured. */
    private static String configuredPassword(KeystoreProperties keystore) {
        if (keystore.password() != null && !keystore.password().isBlank()) {
            return keystore.password();
        }
        if (keystore.passwordFile() != null) {
            try {
                String password = Files.readString(keystore.passwordFile(), StandardCharsets.UTF_8)
                        .trim();
                if (password.isEmpty()) {
                    throw new IllegalStateException(
                            "hub.keystore.password-file " + keystore.passwordFile() + " is empty");
                }
                return password;
            } catch (IOException e) {
                throw new UncheckedIOException("hub.keystore.password-file is not readable", e);
            }
        }
        return null;
    }
}
