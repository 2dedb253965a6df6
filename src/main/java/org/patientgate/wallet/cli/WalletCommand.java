package org.patientgate.wallet.cli;

import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.patientgate.protect.SubKeyString;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.SigningDomain;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletException;
import org.patientgate.wallet.WalletFile;
import org.patientgate.wallet.WalletKeys;

/**
 * {@code java -jar patientgate.jar wallet <command>}: the patient's and node's wallet on the command
 * line (see {@link Wallet} and docs/PROTECT-API.md). Keys live in an encrypted file ({@code --wallet},
 * default {@code ./wallet.json}); the passphrase comes from {@code --passphrase-file}, the
 * environment variable {@code PATIENTGATE_WALLET_PASSPHRASE}, or the terminal. Commands that need a
 * session sign in first with a fresh challenge. Exit codes: 0 done, 1 failed (one line on stderr),
 * 2 usage. Nothing secret is printed: {@code show} prints public keys, {@code subkeys} lists reports
 * and slots, never sub-key strings.
 */
public final class WalletCommand {

    static final String DEFAULT_WALLET = "wallet.json";
    static final String DEFAULT_HUB = "http://localhost:8080";

    private static final Set<String> GLOBAL_OPTIONS = Set.of("wallet", "hub", "passphrase-file");
    private static final Set<String> FLAGS = Set.of("release", "reject");
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final String USAGE = String.join(
            "\n",
            "usage: java -jar patientgate.jar wallet <command> [options]",
            "commands:",
            "  create                                  make a new wallet file (asks for a passphrase)",
            "  show                                    print the wallet's address and encryption key",
            "  backup <target>                         copy the encrypted wallet file to <target>",
            "  register --role PATIENT|NODE [--name <name>]",
            "                                          register the wallet with the hub",
            "  link <enrolment-code>                   link a hospital identifier (patients)",
            "  reports                                 list your protected reports and their slots",
            "  decrypt <report> [--out <file>]         decrypt a report (bundle JSON to <file> or stdout)",
            "  allocate <report> <node-address>        give a spare slot's sub-key to a node",
            "  revoke <report> <slot>                  revoke a slot",
            "  slots <report> <count>                  add spare slots to a report",
            "  subkeys                                 list the sub-keys allocated to you (nodes)",
            "  sign-decision --chain-id <id> --contract <escrow-address> --entry <0x leaf>",
            "                --intermediate <0x address> (--release | --reject)",
            "                [--nonce <decimal>] [--deadline <unix-seconds>]",
            "                                          sign an EIP-712 escrow decision (nonce: random",
            "                                          256-bit when omitted; printed with the signature)",
            "options:",
            "  --wallet <file>                         wallet file (default ./" + DEFAULT_WALLET + ")",
            "  --hub <url>                             hub base URL (default " + DEFAULT_HUB + ")",
            "  --passphrase-file <file>                read the passphrase from the file's first line",
            "environment:",
            "  " + Passphrases.ENV + "           the passphrase, if no --passphrase-file");

    private static final Map<String, Set<String>> COMMAND_OPTIONS = Map.ofEntries(
            Map.entry("create", Set.of()),
            Map.entry("show", Set.of()),
            Map.entry("backup", Set.of()),
            Map.entry("register", Set.of("role", "name")),
            Map.entry("link", Set.of()),
            Map.entry("reports", Set.of()),
            Map.entry("decrypt", Set.of("out")),
            Map.entry("allocate", Set.of()),
            Map.entry("revoke", Set.of()),
            Map.entry("slots", Set.of()),
            Map.entry("subkeys", Set.of()),
            Map.entry(
                    "sign-decision",
                    Set.of("chain-id", "contract", "entry", "intermediate", "release", "reject", "nonce", "deadline")));

    private WalletCommand() {}

    /** Runs the command; returns the process exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, out, err, Passphrases.console(), Clock.systemUTC());
    }

    static int run(
            String[] args,
            Map<String, String> env,
            PrintStream out,
            PrintStream err,
            Passphrases.Prompt prompt,
            Clock clock) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        String command = args[0];
        if (command.equals("help") || command.equals("--help") || command.equals("-h")) {
            out.println(USAGE);
            return 0;
        }
        if (!COMMAND_OPTIONS.containsKey(command)) {
            err.println("wallet: unknown command " + command);
            err.println(USAGE);
            return 2;
        }
        Invocation call;
        try {
            call = Invocation.parse(command, Arrays.copyOfRange(args, 1, args.length));
        } catch (UsageException e) {
            err.println("wallet " + command + ": " + e.getMessage());
            err.println("run `java -jar patientgate.jar wallet help` for usage");
            return 2;
        }
        try {
            new Session(call, env, out, err, prompt, clock).run();
            return 0;
        } catch (UsageException e) {
            err.println("wallet " + command + ": " + e.getMessage());
            err.println("run `java -jar patientgate.jar wallet help` for usage");
            return 2;
        } catch (WalletException | IllegalArgumentException e) {
            err.println("wallet " + command + ": " + oneLine(e.getMessage()));
            return 1;
        } catch (RuntimeException e) {
            // a bug rather than a refusal; the class name helps, key material is never in these messages
            err.println("wallet " + command + ": unexpected " + e.getClass().getSimpleName() + ": "
                    + oneLine(e.getMessage()));
            return 1;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "failed" : message.replaceAll("[\\r\\n]+", " ");
    }

    /** One command's work, with its parsed arguments. */
    private static final class Session {

        private final Invocation call;
        private final Map<String, String> env;
        private final PrintStream out;
        private final PrintStream err;
        private final Passphrases.Prompt prompt;
        private final Clock clock;

        Session(
                Invocation call,
                Map<String, String> env,
                PrintStream out,
                PrintStream err,
                Passphrases.Prompt prompt,
                Clock clock) {
            this.call = call;
            this.env = env;
            this.out = out;
            this.err = err;
            this.prompt = prompt;
            this.clock = clock;
        }

        void run() {
            switch (call.command) {
                case "create" -> create();
                case "show" -> show();
                case "backup" -> backup();
                case "register" -> register();
                case "link" -> link();
                case "reports" -> reports();
                case "decrypt" -> decrypt();
                case "allocate" -> allocate();
                case "revoke" -> revoke();
                case "slots" -> slots();
                case "subkeys" -> subkeys();
                case "sign-decision" -> signDecision();
                default -> throw new UsageException("unknown command " + call.command);
            }
        }

        private void create() {
            call.positionals(0);
            char[] passphrase = passphrases().read(true);
            try {
                WalletKeys keys = WalletFile.create(walletPath(), passphrase);
                err.println("created wallet file " + walletPath());
                printKeys(keys);
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }

        private void show() {
            call.positionals(0);
            printKeys(keys());
        }

        private void backup() {
            List<String> args = call.positionals(1);
            Path written = WalletFile.backup(walletPath(), Path.of(args.get(0)));
            out.println("backed up " + walletPath() + " to " + written);
        }

        private void register() {
            call.positionals(0);
            String roleText = call.required("role");
            Role role;
            try {
                role = Role.valueOf(roleText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--role must be PATIENT or NODE, not " + roleText);
            }
            HubClient.Participant registered = wallet().register(role, call.options.get("name"));
            out.println("registered " + registered.address() + " as " + registered.role() + " with " + hubUrl());
        }

        private void link() {
            String code = call.positionals(1).get(0);
            Wallet wallet = signedIn();
            wallet.linkIdentifier(code);
            out.println("linked the identifier of the enrolment code to " + wallet.address());
        }

        private void reports() {
            call.positionals(0);
            List<HubClient.ProtectedReport> reports = signedIn().reports();
            if (reports.isEmpty()) {
                err.println("no protected reports");
            }
            for (HubClient.ProtectedReport r : reports) {
                String slots = r.slots().stream()
                        .map(s -> s.slot() + "=" + s.state() + (s.holder() == null ? "" : "(" + s.holder() + ")"))
                        .collect(Collectors.joining(" "));
                out.println(r.report() + " institution=" + r.institution() + " protectedAt=" + r.protectedAt()
                        + " slots: " + slots);
            }
        }

        private void decrypt() {
            UUID report = report(call.positionals(1).get(0));
            Wallet wallet = signedIn();
            Role role = wallet.hub().participant(wallet.address()).role();
            byte[] bundle = role == Role.PATIENT ? wallet.decryptOwn(report) : wallet.decrypt(report);
            try {
                String target = call.options.get("out");
                if (target == null) {
                    out.write(bundle, 0, bundle.length);
                    out.flush();
                } else {
                    WalletFile.writeOwnerOnly(Path.of(target), bundle, true);
                    err.println("wrote report " + report + " (" + bundle.length + " bytes) to " + target);
                }
            } finally {
                Arrays.fill(bundle, (byte) 0);
            }
        }

        private void allocate() {
            List<String> args = call.positionals(2);
            UUID report = report(args.get(0));
            String node = args.get(1);
            if (!node.matches("0x[0-9a-fA-F]{40}")) {
                throw new UsageException("node address must be 0x + 40 hex digits: " + node);
            }
            int slot = signedIn().allocate(report, node);
            out.println("allocated slot " + slot + " of report " + report + " to " + node.toLowerCase(Locale.ROOT));
        }

        private void revoke() {
            List<String> args = call.positionals(2);
            UUID report = report(args.get(0));
            int slot = number(args.get(1), "slot", 1, 0xffff);
            signedIn().revoke(report, slot);
            out.println("revoked slot " + slot + " of report " + report);
        }

        private void slots() {
            List<String> args = call.positionals(2);
            UUID report = report(args.get(0));
            int count = number(args.get(1), "count", 1, 0xffff);
            List<SubKeyString> added = signedIn().moreSlots(report, count);
            out.println("added slots "
                    + added.stream().map(s -> String.valueOf(s.slot())).collect(Collectors.joining(", "))
                    + " to report " + report);
        }

        private void subkeys() {
            call.positionals(0);
            List<SubKeyString> received = signedIn().receivedSubKeys();
            if (received.isEmpty()) {
                err.println("no sub-keys allocated to this wallet");
            }
            for (SubKeyString s : received) {
                out.println(s.report() + " slot " + s.slot());
            }
        }

        private void signDecision() {
            call.positionals(0);
            boolean release = call.flags.contains("release");
            if (release == call.flags.contains("reject")) {
                throw new UsageException("give exactly one of --release and --reject");
            }
            long chainId = number(call.required("chain-id"), "--chain-id", 1, Long.MAX_VALUE);
            String contract = call.required("contract");
            if (!contract.matches("0x[0-9a-fA-F]{40}")) {
                throw new UsageException("--contract must be 0x + 40 hex digits");
            }
            String entryText = call.required("entry");
            if (!entryText.matches("0x[0-9a-fA-F]{64}")) {
                throw new UsageException("--entry must be 0x + 64 hex digits (the entry's Merkle leaf)");
            }
            byte[] entry = HexFormat.of().parseHex(entryText, 2, entryText.length());
            String intermediate = call.required("intermediate");
            if (!intermediate.matches("0x[0-9a-fA-F]{40}")) {
                throw new UsageException(
                        "--intermediate must be 0x + 40 hex digits (the entry's intermediate account)");
            }
            BigInteger nonce = call.options.containsKey("nonce")
                    ? uint256(call.options.get("nonce"), "--nonce")
                    : new BigInteger(256, RANDOM);
            long deadline = call.options.containsKey("deadline")
                    ? number(call.options.get("deadline"), "--deadline", 1, Long.MAX_VALUE)
                    : clock.instant().plus(Wallet.REGISTRATION_VALIDITY).getEpochSecond();
            byte[] signature = wallet().signDecision(
                            SigningDomain.escrow(chainId, contract),
                            entry,
                            intermediate.toLowerCase(Locale.ROOT),
                            release,
                            nonce,
                            BigInteger.valueOf(deadline));
            out.println("nonce=" + nonce);
            out.println("deadline=" + deadline);
            out.println("signature=" + Base64.getUrlEncoder().withoutPadding().encodeToString(signature));
        }

        private void printKeys(WalletKeys keys) {
            out.println("address=" + keys.address());
            out.println("encryption-key=" + keys.encryptionKeyText());
        }

        private Path walletPath() {
            return Path.of(call.options.getOrDefault("wallet", DEFAULT_WALLET));
        }

        private URI hubUrl() {
            String text = call.options.getOrDefault("hub", DEFAULT_HUB);
            try {
                URI uri = new URI(text);
                if (uri.getScheme() == null
                        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                        || uri.getHost() == null) {
                    throw new UsageException("--hub must be an http(s) URL: " + text);
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw new UsageException("--hub is not a URL: " + text);
            }
        }

        private Passphrases passphrases() {
            String file = call.options.get("passphrase-file");
            return new Passphrases(file == null ? null : Path.of(file), env, prompt);
        }

        private WalletKeys keys() {
            char[] passphrase = passphrases().read(false);
            try {
                return WalletFile.open(walletPath(), passphrase);
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }

        private Wallet wallet() {
            return new Wallet(keys(), new HubClient(hubUrl()), clock);
        }

        private Wallet signedIn() {
            Wallet wallet = wallet();
            wallet.signIn();
            return wallet;
        }

        private static UUID report(String text) {
            try {
                return UUID.fromString(text);
            } catch (IllegalArgumentException e) {
                throw new UsageException("not a report id (UUID): " + text);
            }
        }

        /** A decimal uint256 (no sign, no hex), for the Decision nonce. */
        private static BigInteger uint256(String text, String what) {
            String digits = text.trim();
            if (!digits.matches("[0-9]{1,78}")) {
                throw new UsageException(what + " must be a decimal number from 0 to 2^256 - 1: " + text);
            }
            BigInteger value = new BigInteger(digits);
            if (value.bitLength() > 256) {
                throw new UsageException(what + " must be a decimal number from 0 to 2^256 - 1: " + text);
            }
            return value;
        }

        private static int number(String text, String what, int min, int max) {
            return (int) number(text, what, (long) min, (long) max);
        }

        private static long number(String text, String what, long min, long max) {
            try {
                long value = Long.parseLong(text.trim());
                if (value < min || value > max) {
                    throw new UsageException(what + " must be between " + min + " and " + max + ": " + text);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new UsageException(what + " is not a number: " + text);
            }
        }
    }

    /** The parsed command line of one command: options, flags and positional arguments. */
    private static final class Invocation {

        final String command;
        final Map<String, String> options = new HashMap<>();
        final Set<String> flags = new HashSet<>();
        final List<String> positionals = new ArrayList<>();

        private Invocation(String command) {
            this.command = command;
        }

        static Invocation parse(String command, String[] args) {
            Invocation call = new Invocation(command);
            Set<String> allowed = COMMAND_OPTIONS.get(command);
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--")) {
                    call.positionals.addAll(Arrays.asList(args).subList(i + 1, args.length));
                    break;
                }
                if (!arg.startsWith("--") || arg.length() == 2) {
                    call.positionals.add(arg);
                    continue;
                }
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (!GLOBAL_OPTIONS.contains(name) && !allowed.contains(name)) {
                    throw new UsageException("unknown option --" + name);
                }
                if (FLAGS.contains(name)) {
                    if (value != null) {
                        throw new UsageException("--" + name + " takes no value");
                    }
                    call.flags.add(name);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                if (call.options.put(name, value) != null) {
                    throw new UsageException("--" + name + " given twice");
                }
            }
            return call;
        }

        /** The positional arguments, which must be exactly {@code count}. */
        List<String> positionals(int count) {
            if (positionals.size() != count) {
                throw new UsageException(
                        count == 0
                                ? "takes no arguments, got " + positionals.size()
                                : "needs " + count + " argument" + (count == 1 ? "" : "s") + ", got "
                                        + positionals.size());
            }
            return positionals;
        }

        String required(String option) {
            String value = options.get(option);
            if (value == null || value.isBlank()) {
                throw new UsageException("--" + option + " is required");
            }
            return value;
        }
    }

    /** A command line that does not fit the command: exit 2. */
    private static final class UsageException extends RuntimeException {

        UsageException(String message) {
            super(message);
        }
    }
}
