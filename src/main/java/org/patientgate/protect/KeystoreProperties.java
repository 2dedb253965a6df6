package org.patientgate.protect;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the hub's keystore lives and how it is unlocked ({@code hub.keystore.*}). There is no
 * default password: production sets {@code HUB_KEYSTORE_PASSWORD} (or names a password file); the
 * embedded default, with neither, generates a random password once into a file only the hub's
 * user can read, next to the keystore.
 *
 * @param path the PKCS#12 keystore; default {@code <hub.data-dir>/keys/hub.p12}
 * @param password the keystore password, usually from the environment
 * @param passwordFile a file holding the password (e.g. a mounted secret), used if no password
 */
@ConfigurationProperties("hub.keystore")
public record KeystoreProperties(Path path, String password, Path passwordFile) {

    /** Never prints the password (records print every component by default). */
    @Override
    public String toString() {
        return "KeystoreProperties[path=" + path + ", password=" + (password == null ? "unset" : "****")
                + ", passwordFile=" + passwordFile + "]";
    }
}
