package org.patientgate.wallet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.patientgate.ledger.Eip712;
import org.patientgate.wallet.SigningDomain;

class WalletCommandTest {

    private static final String PASSPHRASE = "cli test passphrase 0451";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    private ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final Deque<String> typed = new ArrayDeque<>();

    private int run(Map<String, String> env, String... args) {
        outBytes = new ByteArrayOutputStream();
        errBytes = new ByteArrayOutputStream();
        return WalletCommand.run(
                args,
                env,
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8),
                prompt -> typed.isEmpty() ? null : typed.poll().toCharArray(),
                CLOCK);
    }

    private int run(String... args) {
        return run(Map.of(), args);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path passphraseFile() throws Exception {
        Path file = tmp.resolve("passphrase.txt");
        if (!Files.exists(file)) {
            Files.writeString(file, PASSPHRASE + "\n");
        }
        return file;
    }

    private String walletArg() {
        return tmp.resolve("wallet.json").toString();
    }

    private static String value(String output, String key) {
        return output.lines()
                .filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in " + output));
    }

    @Test
    void noArguments_printUsageAndExit2() {
        assertThat(run()).isEqualTo(2);

        assertThat(err()).contains("usage: java -jar patientgate.jar wallet <command>");
        assertThat(out()).isEmpty();
    }

    @Test
    void unknownCommand_printsUsageAndExits2() {
        assertThat(run("steal-keys")).isEqualTo(2);

        assertThat(err()).contains("unknown command steal-keys").contains("usage:");
    }

    @Test
    void help_printsUsageOnStdoutAndExits0() {
        assertThat(run("help")).isEqualTo(0);

        assertThat(out()).contains("sign-decision").contains("--passphrase-file");
    }

    @Test
    void unknownOptionOrMissingArgument_exit2WithOneLineReason() {
        assertThat(run("show", "--colour", "blue")).isEqualTo(2);
        assertThat(err().lines().findFirst().orElseThrow()).isEqualTo("wallet show: unknown option --colour");

        assertThat(run("backup")).isEqualTo(2);
        assertThat(err()).startsWith("wallet backup: needs 1 argument, got 0");

        assertThat(run("revoke", "not-a-uuid", "1")).isEqualTo(2);
        assertThat(err()).startsWith("wallet revoke: not a report id (UUID): not-a-uuid");
    }

    @Test
    void createThenShow_printTheSameAddressAndKey_withAPassphraseFile() throws Exception {
        String passphraseFile = passphraseFile().toString();

        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .as(err())
                .isEqualTo(0);
        String created = out();
        assertThat(value(created, "address")).matches("0x[0-9a-f]{40}");
        assertThat(Base64.getUrlDecoder().decode(value(created, "encryption-key")))
                .hasSize(32);
        assertThat(tmp.resolve("wallet.json")).exists();

        assertThat(run("show", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .as(err())
                .isEqualTo(0);
        assertThat(value(out(), "address")).isEqualTo(value(created, "address"));
        assertThat(value(out(), "encryption-key")).isEqualTo(value(created, "encryption-key"));
        assertThat(out() + err()).doesNotContain(PASSPHRASE);
    }

    @Test
    void createdFileIsOwnerOnly_andCreateRefusesToOverwrite() throws Exception {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        String passphraseFile = passphraseFile().toString();
        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .isEqualTo(0);

        assertThat(Files.getPosixFilePermissions(tmp.resolve("wallet.json")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .isEqualTo(1);
        assertThat(err()).contains("already exists").hasLineCount(1);
    }

    @Test
    void show_withTheWrongPassphrase_failsWithOneLineNamingTheFile() throws Exception {
        assertThat(run(
                        "create",
                        "--wallet",
                        walletArg(),
                        "--passphrase-file",
                        passphraseFile().toString()))
                .isEqualTo(0);
        Path wrong = tmp.resolve("wrong.txt");
        Files.writeString(wrong, "a different passphrase");

        assertThat(run("show", "--wallet", walletArg(), "--passphrase-file", wrong.toString()))
                .isEqualTo(1);

        assertThat(err()).hasLineCount(1).contains(walletArg()).contains("wrong passphrase");
        assertThat(err()).doesNotContain("a different passphrase");
        assertThat(out()).isEmpty();
    }

    @Test
    void passphraseFromTheEnvironment_opensTheWallet() throws Exception {
        assertThat(run(
                        "create",
                        "--wallet",
                        walletArg(),
                        "--passphrase-file",
                        passphraseFile().toString()))
                .isEqualTo(0);
        String address = value(out(), "address");

        assertThat(run(Map.of("PATIENTGATE_WALLET_PASSPHRASE", PASSPHRASE), "show", "--wallet", walletArg()))
                .as(err())
                .isEqualTo(0);
        assertThat(value(out(), "address")).isEqualTo(address);
    }

    @Test
    void withoutAnyPassphraseSource_createFailsAndWritesNothing() {
        assertThat(run("create", "--wallet", walletArg())).isEqualTo(1);

        assertThat(err()).contains("no passphrase").contains("PATIENTGATE_WALLET_PASSPHRASE");
        assertThat(tmp.resolve("wallet.json")).doesNotExist();
    }

    @Test
    void terminalPassphrase_mustBeTypedTheSameTwice() {
        typed.add("typed passphrase one");
        typed.add("typed passphrase two");

        assertThat(run("create", "--wallet", walletArg())).isEqualTo(1);
        assertThat(err()).contains("differ");
        assertThat(tmp.resolve("wallet.json")).doesNotExist();

        typed.add("typed passphrase one");
        typed.add("typed passphrase one");
        assertThat(run("create", "--wallet", walletArg())).as(err()).isEqualTo(0);
        assertThat(tmp.resolve("wallet.json")).exists();
    }

    @Test
    void backup_copiesTheEncryptedFile() throws Exception {
        assertThat(run(
                        "create",
                        "--wallet",
                        walletArg(),
                        "--passphrase-file",
                        passphraseFile().toString()))
                .isEqualTo(0);
        Path target = tmp.resolve("wallet-backup.json");

        assertThat(run("backup", target.toString(), "--wallet", walletArg()))
                .as(err())
                .isEqualTo(0);

        assertThat(Files.readAllBytes(target)).isEqualTo(Files.readAllBytes(tmp.resolve("wallet.json")));
    }

    @Test
    void signDecision_printsASignatureThatRecoversToTheWallet_withARandomNonce() throws Exception {
        String passphraseFile = passphraseFile().toString();
        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .isEqualTo(0);
        String address = value(out(), "address");
        String entry = "0x" + "ab".repeat(32);
        String escrow = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
        String intermediate = "0x" + "Cd".repeat(20);

        BigInteger[] nonces = new BigInteger[2];
        for (int i = 0; i < nonces.length; i++) {
            assertThat(run(
                            "sign-decision",
                            "--wallet",
                            walletArg(),
                            "--passphrase-file",
                            passphraseFile,
                            "--chain-id",
                            "31337",
                            "--contract",
                            escrow,
                            "--entry",
                            entry,
                            "--intermediate",
                            intermediate,
                            "--reject"))
                    .as(err())
                    .isEqualTo(0);

            nonces[i] = new BigInteger(value(out(), "nonce"));
            long deadline = Long.parseLong(value(out(), "deadline"));
            assertThat(deadline).isEqualTo(CLOCK.instant().getEpochSecond() + 3600);
            byte[] signature = Base64.getUrlDecoder().decode(value(out(), "signature"));
            byte[] digest = Eip712.digest(
                    SigningDomain.escrow(31337, escrow).separator(),
                    Eip712.decision(
                            HexFormat.of().parseHex(entry.substring(2)),
                            intermediate,
                            false,
                            nonces[i],
                            BigInteger.valueOf(deadline)));
            assertThat(Eip712.recover(digest, signature)).isEqualTo(address);
        }
        assertThat(nonces[0]).isNotNegative().isLessThan(BigInteger.ONE.shiftLeft(256));
        assertThat(nonces[1]).as("a fresh random nonce each time").isNotEqualTo(nonces[0]);
    }

    @Test
    void signDecision_signsTheGivenNonce() throws Exception {
        String passphraseFile = passphraseFile().toString();
        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .isEqualTo(0);
        String address = value(out(), "address");
        String entry = "0x" + "01".repeat(32);
        String escrow = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
        String intermediate = "0x" + "ee".repeat(20);
        BigInteger nonce = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);

        assertThat(run(
                        "sign-decision",
                        "--wallet",
                        walletArg(),
                        "--passphrase-file",
                        passphraseFile,
                        "--chain-id",
                        "31337",
                        "--contract",
                        escrow,
                        "--entry",
                        entry,
                        "--intermediate",
                        intermediate,
                        "--release",
                        "--nonce",
                        nonce.toString(),
                        "--deadline",
                        "1900000000"))
                .as(err())
                .isEqualTo(0);

        assertThat(value(out(), "nonce")).isEqualTo(nonce.toString());
        byte[] signature = Base64.getUrlDecoder().decode(value(out(), "signature"));
        byte[] digest = Eip712.digest(
                SigningDomain.escrow(31337, escrow).separator(),
                Eip712.decision(
                        HexFormat.of().parseHex(entry.substring(2)),
                        intermediate,
                        true,
                        nonce,
                        BigInteger.valueOf(1_900_000_000L)));
        assertThat(Eip712.recover(digest, signature)).isEqualTo(address);
    }

    @Test
    void signDecision_refusesAMissingOrMalformedIntermediateAndABadNonce() throws Exception {
        String[] base = {
            "sign-decision",
            "--wallet",
            walletArg(),
            "--chain-id",
            "1",
            "--contract",
            "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            "--entry",
            "0x" + "00".repeat(32),
            "--release"
        };
        String intermediate = "0x" + "ee".repeat(20);

        assertThat(run(base)).isEqualTo(2);
        assertThat(err()).contains("--intermediate is required");
        assertThat(run(with(base, "--intermediate", "0x1234"))).isEqualTo(2);
        assertThat(err()).contains("--intermediate must be 0x + 40 hex digits");
        for (String nonce :
                new String[] {"-1", "0x10", "abc", BigInteger.ONE.shiftLeft(256).toString()}) {
            assertThat(run(with(base, "--intermediate", intermediate, "--nonce", nonce)))
                    .as("nonce %s", nonce)
                    .isEqualTo(2);
            assertThat(err()).contains("--nonce must be a decimal number from 0 to 2^256 - 1");
        }
    }

    private static String[] with(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void signDecision_needsExactlyOneOfReleaseAndReject() throws Exception {
        assertThat(run(
                        "sign-decision",
                        "--wallet",
                        walletArg(),
                        "--chain-id",
                        "1",
                        "--contract",
                        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                        "--entry",
                        "0x" + "00".repeat(32),
                        "--intermediate",
                        "0x" + "ee".repeat(20),
                        "--release",
                        "--reject"))
                .isEqualTo(2);
        assertThat(err()).contains("exactly one of --release and --reject");
    }

    @Test
    void hubCommand_withNoHubListening_failsWithOneLine() throws Exception {
        String passphraseFile = passphraseFile().toString();
        assertThat(run("create", "--wallet", walletArg(), "--passphrase-file", passphraseFile))
                .isEqualTo(0);

        assertThat(run(
                        "reports",
                        "--wallet",
                        walletArg(),
                        "--passphrase-file",
                        passphraseFile,
                        "--hub",
                        "http://127.0.0.1:1"))
                .isEqualTo(1);

        assertThat(err()).hasLineCount(1).startsWith("wallet reports: cannot reach the hub at http://127.0.0.1:1");
    }
}
