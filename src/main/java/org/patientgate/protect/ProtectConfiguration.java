package org.patientgate.protect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.patientgate.config.HubProperties;
import org.patientgate.config.SecretFiles;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the hub's key custody from {@code hub.keystore.*}. */
@Configuration(proxyBeanMethods = false)
public class ProtectConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ProtectConfiguration.class);

    @Bean(destroyMethod = "close")
    Pkcs12KeyCustody keyCustody(HubProperties hub, KeystoreProperties keystore) {
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

    @Bean
    ProtectStore protectStore(javax.sql.DataSource dataSource) {
        return new org.patientgate.protect.jdbc.JdbcProtectStore(dataSource);
    }

    @Bean
    BlobStore blobStore(javax.sql.DataSource dataSource) {
        return new org.patientgate.protect.jdbc.JdbcBlobStore(dataSource);
    }

    /** The privacy module, with whatever decrypt policies and other wrapped keys the hub has. */
    @Bean
    PrivacyModule privacyModule(
            ProtectStore store,
            BlobStore blobs,
            KeyEncryptionKeys keks,
            KeyCustody custody,
            ProtectProperties properties,
            org.springframework.beans.factory.ObjectProvider<DecryptPolicy> policies,
            org.springframework.beans.factory.ObjectProvider<PrivacyModule.KeyRewrapper> rewrappers,
            io.micrometer.core.instrument.MeterRegistry registry) {
        return new PrivacyModule(
                store,
                blobs,
                keks,
                custody,
                new ReportProtector(keks, properties.spareSlots()),
                () -> policies.orderedStream().toList(),
                () -> rewrappers.orderedStream().toList(),
                java.time.Clock.systemUTC(),
                registry);
    }

    /** Keyed hashes of hospital identifiers (the key made on first start). */
    @Bean
    IdentifierBlinding identifierBlinding(KeyCustody custody) {
        return new IdentifierBlinding(custody);
    }

    /** The keystore password: configured, from a file, or generated once for the embedded default. */
    public static String password(Path keystoreFile, KeystoreProperties keystore) {
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
}
