package org.patientgate.wallet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encrypted key file of a wallet. JSON: {@code version}, {@code address}, {@code encryptionKey}
 * (the X25519 public key, base64url), {@code kdf} (PBKDF2-HMAC-SHA256, {@value #ITERATIONS}
 * iterations as OWASP's 2023 guidance asks, a random 16-byte salt) and {@code cipher} (AES-256-GCM,
 * a random 96-bit IV, the ciphertext of both private keys with the address as associated data). All
 * of it comes from the JDK. The file is written owner-only (rw-------) through a temporary file and an
 * atomic rename, so a crash never leaves half a wallet. Opening checks the tag, then that the stored
 * address and public key belong to the decrypted private keys, so an edited file is refused rather
 * than misleading whoever seals to it.
 */
public final class WalletFile {

    /** The file format version this class writes and reads. */
    public static final int VERSION = 1;

    /** PBKDF2 iterations written, and the minimum accepted on reading. */
    public static final int ITERATIONS = 600_000;

    /** The shortest passphrase {@link #create} accepts. */
    public static final int MIN_PASSPHRASE_LENGTH = 8;

    static final String KDF = "PBKDF2-HMAC-SHA256";
    static final String CIPHER = "AES-256-GCM";

    // An upper bound keeps a crafted file from pinning the CPU for hours on open.
    private static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_LENGTH = 16;
    private static final int IV_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final int PLAINTEXT_LENGTH = 2 * WalletKeys.PRIVATE_KEY_LENGTH;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private WalletFile() {}

    /**
     * Makes fresh keys and writes them to {@code file}, encrypted under {@code passphrase}.
     *
     * @throws WalletException if the file exists, the passphrase is shorter than {@value
     *     #MIN_PASSPHRASE_LENGTH} characters, or the file cannot be written
     */
    public static WalletKeys create(Path file, char[] passphrase) {
        WalletKeys keys = WalletKeys.generate();
        write(file, keys, passphrase);
        return keys;
    }

    /**
     * Writes {@code keys} to a new file {@code file}, encrypted under {@code passphrase}.
     *
     * @throws WalletException if the file exists, the passphrase is too short, or the file cannot be
     *     written
     */
    public static void write(Path file, WalletKeys keys, char[] passphrase) {
        if (passphrase == null || passphrase.length < MIN_PASSPHRASE_LENGTH) {
            throw new WalletException("a wallet passphrase needs at least " + MIN_PASSPHRASE_LENGTH + " characters");
        }
        if (Files.exists(file)) {
            throw new WalletException("wallet file " + file + " already exists; not overwriting it");
        }
        byte[] salt = random(SALT_LENGTH);
        byte[] iv = random(IV_LENGTH);
        byte[] plaintext = keys.exportPrivateKeys();
        byte[] ciphertext;
        try {
            ciphertext = cipher(Cipher.ENCRYPT_MODE, passphrase, salt, ITERATIONS, iv, keys.address())
                    .doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new WalletException(
                    "cannot encrypt wallet file " + file + ": " + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        root.put("address", keys.address());
        root.put("encryptionKey", keys.encryptionKeyText());
        ObjectNode kdf = root.putObject("kdf");
        kdf.put("algorithm", KDF);
        kdf.put("iterations", ITERATIONS);
        kdf.put("salt", Base64Url.encode(salt));
        ObjectNode aead = root.putObject("cipher");
        aead.put("algorithm", CIPHER);
        aead.put("iv", Base64Url.encode(iv));
        aead.put("ciphertext", Base64Url.encode(ciphertext));
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a wallet file", e);
        }
        writeOwnerOnly(file, bytes, false);
    }

    /**
     * Decrypts the keys in {@code file}.
     *
     * @throws WalletException naming the file if it is missing, not a wallet file, altered, or the
     *     passphrase is wrong
     */
    public static WalletKeys open(Path file, char[] passphrase) {
        if (passphrase == null || passphrase.length == 0) {
            throw new WalletException("no passphrase given for wallet file " + file);
        }
        Stored stored = read(file);
        byte[] plaintext;
        try {
            plaintext = cipher(
                            Cipher.DECRYPT_MODE, passphrase, stored.salt, stored.iterations, stored.iv, stored.address)
                    .doFinal(stored.ciphertext);
        } catch (AEADBadTagException e) {
            throw new WalletException(
                    "cannot open wallet file " + file + ": wrong passphrase, or the file was altered");
        } catch (GeneralSecurityException e) {
            throw new WalletException(
                    "cannot decrypt wallet file " + file + ": " + e.getClass().getSimpleName());
        }
        try {
            if (plaintext.length != PLAINTEXT_LENGTH) {
                throw new WalletException("wallet file " + file + " holds keys of the wrong length");
            }
            WalletKeys keys;
            try {
                keys = WalletKeys.of(
                        Arrays.copyOfRange(plaintext, 0, WalletKeys.PRIVATE_KEY_LENGTH),
                        Arrays.copyOfRange(plaintext, WalletKeys.PRIVATE_KEY_LENGTH, PLAINTEXT_LENGTH));
            } catch (IllegalArgumentException e) {
                throw new WalletException("wallet file " + file + " holds an invalid key");
            }
            if (!keys.address().equals(stored.address)) {
                throw new WalletException("wallet file " + file + " was altered: its address is not its key's");
            }
            if (!MessageDigest.isEqual(keys.encryptionPublicKey(), stored.encryptionKey)) {
                throw new WalletException(
                        "wallet file " + file + " was altered: its encryption key is not its private key's");
            }
            return keys;
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /**
     * The address recorded in {@code file}, read without the passphrase and therefore unverified
     * (use {@link #open} to prove it).
     *
     * @throws WalletException if the file is missing or not a wallet file
     */
    public static String address(Path file) {
        return read(file).address;
    }

    /**
     * Copies the encrypted {@code file} to {@code target} (a new file, or a directory to put a file of
     * the same name in), owner-only. The copy needs the same passphrase; nothing is decrypted.
     *
     * @return the file written
     * @throws WalletException if the source is not a wallet file or the target exists
     */
    public static Path backup(Path file, Path target) {
        read(file);
        Path destination = Files.isDirectory(target) ? target.resolve(file.getFileName()) : target;
        if (Files.exists(destination)) {
            throw new WalletException("backup target " + destination + " already exists; not overwriting it");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new WalletException(
                    "cannot read wallet file " + file + ": " + e.getClass().getSimpleName());
        }
        writeOwnerOnly(destination, bytes, false);
        return destination;
    }

    /**
     * Writes {@code bytes} to {@code file} through a temporary file in the same directory (created
     * rw-------) and an atomic rename. Also used for decrypted bundles, which are no less private.
     *
     * @param replace whether an existing file may be replaced
     * @throws WalletException if the file exists (and {@code replace} is false) or cannot be written
     */
    public static void writeOwnerOnly(Path file, byte[] bytes, boolean replace) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        if (!replace && Files.exists(absolute)) {
            throw new WalletException("file " + file + " already exists; not overwriting it");
        }
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
            tmp = posix
                    ? Files.createTempFile(
                            dir, "." + absolute.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                    : Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            if (!posix) {
                ownerOnlyWithoutPosix(tmp);
            }
            try (FileChannel channel =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // rename(2) replaces silently; the existence check above is what refuses an overwrite.
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (FileAlreadyExistsException e) {
            throw new WalletException("file " + file + " already exists; not overwriting it");
        } catch (IOException e) {
            throw new WalletException(
                    "cannot write " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file holds only ciphertext or what was meant for the target
                }
            }
        }
    }

    private static void ownerOnlyWithoutPosix(Path tmp) throws IOException {
        java.io.File f = tmp.toFile();
        boolean ok = f.setReadable(false, false)
                && f.setReadable(true, true)
                && f.setWritable(false, false)
                && f.setWritable(true, true);
        if (!ok) {
            throw new IOException("cannot restrict the file to its owner");
        }
    }

    /** The parsed, not yet decrypted, fields of a wallet file. */
    private record Stored(
            String address, byte[] encryptionKey, int iterations, byte[] salt, byte[] iv, byte[] ciphertext) {}

    private static Stored read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WalletException("wallet file " + file + " does not exist");
        } catch (IOException e) {
            throw new WalletException(
                    "cannot read wallet file " + file + ": " + e.getClass().getSimpleName());
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            // Jackson's message quotes the file; it is not needed to act on the error.
            throw new WalletException("wallet file " + file + " is not valid JSON");
        }
        try {
            if (root == null || !root.isObject()) {
                throw bad(file, "not a JSON object");
            }
            if (!root.path("version").isInt() || root.path("version").asInt() != VERSION) {
                throw bad(file, "unsupported version " + root.path("version"));
            }
            String address = root.path("address").asText("");
            if (!address.matches("0x[0-9a-f]{40}")) {
                throw bad(file, "no valid address");
            }
            byte[] encryptionKey = bytesField(root, "encryptionKey", file);
            JsonNode kdf = root.path("kdf");
            if (!KDF.equals(kdf.path("algorithm").asText())) {
                throw bad(file, "unsupported kdf " + kdf.path("algorithm"));
            }
            JsonNode iterations = kdf.path("iterations");
            if (!iterations.isInt() || iterations.asInt() < ITERATIONS || iterations.asInt() > MAX_ITERATIONS) {
                throw bad(file, "kdf iterations must be between " + ITERATIONS + " and " + MAX_ITERATIONS);
            }
            byte[] salt = bytesField(kdf, "salt", file);
            JsonNode aead = root.path("cipher");
            if (!CIPHER.equals(aead.path("algorithm").asText())) {
                throw bad(file, "unsupported cipher " + aead.path("algorithm"));
            }
            byte[] iv = bytesField(aead, "iv", file);
            byte[] ciphertext = bytesField(aead, "ciphertext", file);
            if (encryptionKey.length != 32
                    || salt.length < SALT_LENGTH
                    || iv.length != IV_LENGTH
                    || ciphertext.length != PLAINTEXT_LENGTH + TAG_BITS / 8) {
                throw bad(file, "a field has the wrong length");
            }
            return new Stored(address, encryptionKey, iterations.asInt(), salt, iv, ciphertext);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static byte[] bytesField(JsonNode node, String field, Path file) {
        JsonNode value = node.path(field);
        if (!value.isTextual()) {
            throw bad(file, "no " + field);
        }
        byte[] bytes;
        try {
            bytes = Base64Url.decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw bad(file, field + " is not base64url");
        }
        // Only the canonical spelling: otherwise an edit of the unused low bits of the last
        // character would change the file without changing what it decodes to.
        if (!Base64Url.encode(bytes).equals(value.asText())) {
            throw bad(file, field + " is not canonical base64url");
        }
        return bytes;
    }

    private static WalletException bad(Path file, String why) {
        return new WalletException("wallet file " + file + " is not a PatientGate wallet: " + why);
    }

    private static Cipher cipher(int mode, char[] passphrase, byte[] salt, int iterations, byte[] iv, String address)
            throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, 256);
        byte[] derived = null;
        try {
            derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(spec)
                    .getEncoded();
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(derived, "AES"), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(address.getBytes(StandardCharsets.US_ASCII));
            return cipher;
        } finally {
            spec.clearPassword();
            if (derived != null) {
                Arrays.fill(derived, (byte) 0);
            }
        }
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
