package org.patientgate.protect;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the hub's keys live and how they are unlocked ({@code hub.keystore.*}). There is no
 * default password: production sets {@code HUB_KEYSTORE_PASSWORD} (or names a password file); the
 * embedded default, with neither, generates a random password once into a file only the hub's
 * user can read, next to the keystore. A PKCS#11 token never gets a generated PIN: its PIN is
 * configured the same way or the hub does not start.
 *
 * @param path the PKCS#12 keystore; default {@code <hub.data-dir>/keys/hub.p12} (not used with
 *     PKCS#11)
 * @param password the keystore password, or the token's user PIN, usually from the environment
 * @param passwordFile a file holding the password or PIN (e.g. a mounted secret), used if no password
 * @param type where the keys are kept: a PKCS#12 file (default) or a PKCS#11 token
 * @param pkcs11Config with {@code type=PKCS11}, the SunPKCS11 configuration file naming the token
 *     ({@code name}, {@code library}, and {@code slot} or {@code slotListIndex})
 */
@ConfigurationProperties("hub.keystore")
public record KeystoreProperties(
        Path path, String password, Path passwordFile, @DefaultValue("PKCS12") Type type, Path pkcs11Config) {

    /** Where the keys are kept. */
    public enum Type {
        /** A PKCS#12 file at {@code hub.keystore.path}. */
        PKCS12,
        /** A PKCS#11 token named by {@code hub.keystore.pkcs11-config}. */
        PKCS11
    }

    /** The constructor Spring binds (the short one below is for code and tests). */
    @ConstructorBinding
    public KeystoreProperties {
        if (type == null) {
            type = Type.PKCS12;
        }
    }

    /** A PKCS#12 keystore. */
    public KeystoreProperties(Path path, String password, Path passwordFile) {
        this(path, password, passwordFile, Type.PKCS12, null);
    }

    /** Never prints the password (records print every component by default). */
    @Override
    public String toString() {
        return "KeystoreProperties[path=" + path + ", password=" + (password == null ? "unset" : "****")
                + ", passwordFile=" + passwordFile + ", type=" + type + ", pkcs11Config=" + pkcs11Config + "]";
    }
}
