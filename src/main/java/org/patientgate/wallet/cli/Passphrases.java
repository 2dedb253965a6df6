package org.patientgate.wallet.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.patientgate.wallet.WalletException;

/**
 * Where the wallet passphrase comes from, in order: the file {@code --passphrase-file} names (its
 * first line), the environment variable {@value #ENV}, or the terminal. There is no default: with
 * none of them the command stops.
 */
final class Passphrases {

    /** The environment variable holding the wallet passphrase. */
    static final String ENV = "PATIENTGATE_WALLET_PASSPHRASE";

    /** Reads a passphrase from the terminal without echo; returns null when there is no terminal. */
    interface Prompt {
        char[] read(String prompt);
    }

    private final Path file;
    private final Map<String, String> env;
    private final Prompt prompt;

    Passphrases(Path file, Map<String, String> env, Prompt prompt) {
        this.file = file;
        this.env = env;
        this.prompt = prompt;
    }

    /** The terminal, when there is one. */
    static Prompt console() {
        return text -> System.console() == null ? null : System.console().readPassword("%s", text);
    }

    /**
     * The passphrase; {@code confirm} asks twice at a terminal (creating a wallet).
     *
     * @throws WalletException if no source gives one, or the two entries differ
     */
    char[] read(boolean confirm) {
        if (file != null) {
            return fromFile(file);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        char[] first = prompt == null ? null : prompt.read("Wallet passphrase: ");
        if (first == null) {
            throw new WalletException("no passphrase: pass --passphrase-file, set " + ENV + ", or run in a terminal");
        }
        if (confirm) {
            char[] again = prompt.read("Repeat the passphrase: ");
            boolean same = again != null && Arrays.equals(first, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new WalletException("the two passphrases differ");
            }
        }
        return first;
    }

    private static char[] fromFile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WalletException("passphrase file " + file + " does not exist");
        } catch (IOException e) {
            throw new WalletException(
                    "cannot read passphrase file " + file + ": " + e.getClass().getSimpleName());
        }
        CharBuffer chars;
        try {
            chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new WalletException("passphrase file " + file + " is not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        // the first line, without its line ending: editors add one
        int end = 0;
        while (end < chars.length() && chars.get(end) != '\n' && chars.get(end) != '\r') {
            end++;
        }
        char[] passphrase = new char[end];
        chars.get(passphrase, 0, end);
        if (chars.hasArray()) {
            Arrays.fill(chars.array(), '\0');
        }
        if (passphrase.length == 0) {
            throw new WalletException("passphrase file " + file + " is empty");
        }
        return passphrase;
    }
}
