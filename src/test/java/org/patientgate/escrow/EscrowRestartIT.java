package org.patientgate.escrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.patientgate.support.Hl7Messages.msh;
import static org.patientgate.support.Hl7Messages.obr;
import static org.patientgate.support.Hl7Messages.obx;
import static org.patientgate.support.Hl7Messages.pid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patientgate.ledger.EscrowEntry;
import org.patientgate.support.HubProcess;
import org.patientgate.support.MllpTestClient;
import org.patientgate.support.OperationsApi;
import org.patientgate.wallet.HubClient;
import org.patientgate.wallet.Role;
import org.patientgate.wallet.SigningDomain;
import org.patientgate.wallet.Wallet;
import org.patientgate.wallet.WalletKeys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.Transaction;
import org.web3j.protocol.http.HttpService;

/**
 * The consent escrow on the packaged hub, killed with SIGKILL in the middle of each step and started
 * again on the same data directory (issue: "restart in the middle of each step: after escrow, after
 * notification, after signature before confirmation; the flow completes once"). One patient with
 * three reports (A, B, C), three runs of the hub, two kills:
 *
 * <ol>
 *   <li>after escrow (kill 1): every entry is anchored on the chain but no consent request is
 *       written yet (run 1 looks for anchored entries only every 10 minutes and reads no chain
 *       events that would wake it, so the kill lands in that gap every time); after the restart the
 *       patient has exactly one consent request per entry;
 *   <li>after notification (kill 2, entry B): killed with B's consent request in the inbox; after
 *       the restart still exactly one, and the patient (same wallet, same session) decides on B and
 *       gets exactly one {@code release-confirmed};
 *   <li>after signature, before confirmation (kill 2, entries A and C): C's release was relayed and
 *       mined before the kill, A's was answered 202 and the hub killed at once; run 2 reads the
 *       chain's events only every 10 minutes, so the hub had confirmed neither. After the restart
 *       each has exactly one {@code release-confirmed}, the institution exactly one {@code
 *       escrow-outcome}, the chain says released, and the institution's account sent exactly one
 *       transaction deciding it.
 * </ol>
 *
 * <p>Kill 2 also lands in the middle of an enrolment: a second patient, whose reports were held
 * because they had not enrolled, has just linked the identifier and the hub is handing the held
 * reports over. After the restart every one of them is the patient's, in the escrow, and asked about
 * once.
 *
 * <p>Where each kill landed is read from the hub's PostgreSQL, which outlives the killed hub until
 * the next start stops it.
 */
class EscrowRestartIT {

    private static final String TOKEN = "escrow-restart-" + Long.toHexString(System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern ANVIL_URL = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
    /** Anchored entries are looked for every 10 minutes instead of every 500 ms. */
    private static final String SLOW_PROGRESS = "--hub.escrow.poll-interval=10m";
    /** The chain's events (which settle decisions and wake the escrow loop) are read every 10 minutes. */
    private static final String SLOW_EVENTS = "--hub.ledger.follower.interval=10m";
    /** Reports held for the patient who enrols late. */
    private static final int HELD = 60;

    private final HttpClient http = HttpClient.newHttpClient();
    private Path dataDir;
    private HubProcess hub;
    private OperationsApi api;
    private int starts;

    @AfterEach
    void stopHub() throws InterruptedException {
        if (hub != null) {
            hub.stop();
        }
    }

    @Test
    void killedAfterEscrowAfterNotificationAndAfterSignature_theFlowCompletesOnce() throws Exception {
        dataDir = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "it-data")).toAbsolutePath(), "escrow-restart-");
        hub = new HubProcess(dataDir, TOKEN);
        api = new OperationsApi(hub.baseUrl(), TOKEN);

        // Run 1
        start(SLOW_PROGRESS, SLOW_EVENTS);
        // reports for a patient who has not enrolled are held (before A, B and C: their arrival wakes
        // the escrow loop, which must find nothing anchored yet)
        String lateMrn = "MRNLATE" + Long.toHexString(System.nanoTime()).toUpperCase(Locale.ROOT);
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", hub.mllpPort())) {
            for (int i = 1; i <= HELD; i++) {
                assertThat(client.sendText(oru("LATE" + i + "-" + lateMrn, lateMrn), StandardCharsets.UTF_8)
                                .orElseThrow())
                        .contains("MSA|AA");
            }
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> heldReports() == HELD);

        String mrn = "MRNRST" + Long.toHexString(System.nanoTime()).toUpperCase(Locale.ROOT);
        Wallet patient = patient();
        enrol(patient, mrn);
        for (int i = 1; i <= 3; i++) {
            send(oru("RST" + i + "-" + mrn, mrn));
        }
        List<UUID> reports = awaitValue(() -> {
            List<UUID> ids = patient.hub().reports().stream()
                    .map(HubClient.ProtectedReport::report)
                    .sorted()
                    .toList();
            return ids.size() == 3 ? ids : null;
        });
        UUID reportA = reports.get(0);
        UUID reportB = reports.get(1);
        UUID reportC = reports.get(2);
        String a = awaitValue(() -> escrowLeaf(reportA));
        String b = awaitValue(() -> escrowLeaf(reportB));
        String c = awaitValue(() -> escrowLeaf(reportC));
        for (String entry : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> "ANCHORED"
                            .equals(api.get("/api/ledger/entries/" + entry)
                                    .body()
                                    .path("state")
                                    .asText()));
        }
        assertThat(patient.hub().notifications(null, 100, false).items()).isEmpty();

        // 1. after escrow
        hub.kill();
        for (UUID report : reports) {
            assertThat(reportState(report)).as("report state at kill 1").isEqualTo("ESCROWED");
        }
        assertThat(notifications(a) + notifications(b) + notifications(c)).isZero();
        System.out.println("EscrowRestartIT kill 1 landed: 3 entries anchored, reports ESCROWED, no notification");

        // Run 2
        start(SLOW_EVENTS);
        for (String entry : List.of(a, b, c)) {
            awaitExactlyOne(patient, "consent-request", entry);
            assertThat(patient.hub().escrowEntry(entry).state()).isEqualTo("AWAITING");
        }
        assertThat(post(decision(patient, c)).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "DONE".equals(decisionRelayStatus(c)));
        HttpRequest releaseA = decision(patient, a);
        // the late patient enrols; the hub hands their held reports over once the link has committed
        Wallet late = patient();
        String code =
                late.hub().enrolmentCode(TOKEN, identifierSystem(), lateMrn).code();
        CompletableFuture<Void> linking = CompletableFuture.runAsync(() -> late.linkIdentifier(code));
        try (Connection db = database();
                PreparedStatement links = db.prepareStatement("SELECT count(*) FROM patient_identifier")) {
            await().atMost(Duration.ofSeconds(30))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> {
                        try (ResultSet rs = links.executeQuery()) {
                            return rs.next() && rs.getLong(1) == 2;
                        }
                    });
        }
        HttpResponse<String> decidedA = post(releaseA);

        // 2. after notification (B) and 3. after signature, before confirmation (A, C)
        hub.kill();
        linking.handle((done, failure) -> null).join(); // killed under it, or done just before
        assertThat(decidedA.statusCode()).as(decidedA.body()).isEqualTo(202);
        assertThat(JSON.readTree(decidedA.body()).path("state").asText()).isEqualTo("DECIDING");
        String relayA = decisionRelayStatus(a);
        assertThat(relayA).isIn("PENDING", "SENT", "DONE");
        assertThat(reportState(reportA)).as("A not confirmed at the kill").isEqualTo("DECIDING");
        assertThat(reportState(reportB)).isEqualTo("AWAITING");
        assertThat(reportState(reportC)).as("C not confirmed at the kill").isEqualTo("DECIDING");
        for (String entry : List.of(a, b, c)) {
            assertThat(notifications(entry))
                    .as("only the consent request at kill 2")
                    .isEqualTo(1);
        }
        String notHandedOver = query("SELECT count(*) FROM protected_report r JOIN patient_identifier i"
                + " ON i.identifier_hash = r.patient_ref WHERE r.patient IS NULL");
        System.out.println("EscrowRestartIT kill 2 landed: B AWAITING (consent request in the inbox); C DECIDING,"
                + " relay DONE (mined, event not followed); A DECIDING, relay " + relayA
                + " (PENDING: not sent; SENT: sent, receipt not recorded; DONE: mined); the late patient linked,"
                + " " + notHandedOver + " of " + HELD + " held reports not handed over, " + heldReports()
                + " not in the escrow");

        // Run 3
        start();
        awaitExactlyOne(patient, "consent-request", b);
        assertThat(patient.hub().escrowEntry(b).state()).isEqualTo("AWAITING"); // the session outlived 2 kills
        assertReleasedOnce(patient, reportA, a);
        assertReleasedOnce(patient, reportC, c);
        assertThat(post(decision(patient, b)).statusCode()).isEqualTo(202);
        assertReleasedOnce(patient, reportB, b);

        // the interrupted enrolment was finished: every held report is the late patient's (they hold
        // its sub-keys), in the escrow, and asked about once
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> late.hub().notifications(null, 100, false).items().stream()
                                .filter(n -> n.kind().equals("consent-request"))
                                .map(HubClient.Notification::subject)
                                .distinct()
                                .count()
                        == HELD);
        assertThat(heldReports()).isZero();
        List<HubClient.ProtectedReport> handedOver = late.hub().reports();
        assertThat(handedOver).hasSize(HELD);
        assertThat(late.hub().subKeyPackets(handedOver.get(0).report())).isNotEmpty();

        // and nothing more arrives: each notification once
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
            if (late.hub().notifications(null, 100, false).items().size() != HELD) {
                return false;
            }
            for (String entry : List.of(a, b, c)) {
                if (notifications(entry) != 3
                        || count(patient, "consent-request", entry) != 1
                        || count(patient, "release-confirmed", entry) != 1
                        || institutionNotifications(entry) != 1) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * The patient was told once, the institution once, the chain says released, and one relay was
     * sent: one outbox row, done with the transaction the patient was told of, and one transaction on
     * the chain from the institution's account that carries the entry's report.
     */
    private void assertReleasedOnce(Wallet patient, UUID report, String entry) throws Exception {
        JsonNode confirmed = awaitExactlyOne(patient, "release-confirmed", entry);
        String tx = confirmed.path("body").path("transaction").asText();
        assertThat(tx).matches("0x[0-9a-f]{64}");
        assertThat(confirmed.path("body").path("sharingAccount").asText()).isEqualTo(patient.address());
        await().atMost(Duration.ofSeconds(30)).until(() -> institutionNotifications(entry) == 1);
        HubClient.EscrowEntry view = patient.hub().escrowEntry(entry);
        assertThat(view.state()).isEqualTo("RELEASED");
        assertThat(view.decisionTx()).isEqualTo(tx);
        assertThat(api.get("/api/ledger/entries/" + entry)
                        .body()
                        .path("decision")
                        .asText())
                .isEqualTo("RELEASED");
        String relay = "decision:" + entry.substring(2);
        assertThat(query("SELECT count(*) FROM ledger_outbox WHERE kind = 'ESCROW_DECISION' AND dedupe_key = ?", relay))
                .isEqualTo("1");
        assertThat(query("SELECT status || ' ' || tx_hash FROM ledger_outbox WHERE dedupe_key = ?", relay))
                .isEqualTo("DONE " + tx);
        String institution = view.raw().path("institution").asText();
        assertThat(transactionsCarrying(institution, EscrowEntry.reportIdOf(report)))
                .as("the institution's transactions carrying the entry's report")
                .containsExactly(tx);
    }

    // --- the hub ---

    private void start(String... arguments) throws Exception {
        starts++;
        hub.start(arguments);
    }

    /** The embedded chain's RPC URL, as the current run logged it. */
    private String chainUrl() throws Exception {
        Matcher m = ANVIL_URL.matcher(Files.readString(dataDir.resolve("hub-" + starts + ".log")));
        String url = null;
        while (m.find()) {
            url = m.group(1);
        }
        assertThat(url).as("the run's anvil URL").isNotNull();
        return url;
    }

    /** Hashes of the transactions {@code from} sent whose call data carries {@code bytes32}. */
    private List<String> transactionsCarrying(String from, byte[] bytes32) throws Exception {
        Web3j web3j = Web3j.build(new HttpService(chainUrl()));
        try {
            String needle = HEX.formatHex(bytes32);
            long head = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
            List<String> out = new java.util.ArrayList<>();
            for (long n = 0; n <= head; n++) {
                EthBlock.Block block = web3j.ethGetBlockByNumber(new DefaultBlockParameterNumber(n), true)
                        .send()
                        .getBlock();
                for (EthBlock.TransactionResult<?> result : block.getTransactions()) {
                    Transaction t = (Transaction) result.get();
                    if (from.equalsIgnoreCase(t.getFrom())
                            && t.getInput().toLowerCase(Locale.ROOT).contains(needle)) {
                        out.add(t.getHash());
                    }
                }
            }
            return out;
        } finally {
            web3j.shutdown();
        }
    }

    // --- the hub's database (it outlives a killed hub until the next start stops it) ---

    private Connection database() throws Exception {
        Path postgres = dataDir.resolve("postgres");
        int port = Integer.parseInt(Files.readAllLines(postgres.resolve("data").resolve("postmaster.pid"))
                .get(3)
                .trim());
        String password =
                Files.readString(postgres.resolve("superuser-password")).trim();
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/patientgate", "postgres", password);
    }

    private String query(String sql, Object... args) throws Exception {
        try (Connection c = database();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private String escrowLeaf(UUID report) throws Exception {
        String leaf = query("SELECT encode(leaf, 'hex') FROM escrow_report WHERE report_id = ?", report);
        return leaf == null ? null : "0x" + leaf;
    }

    /** Reports held in the escrow (only the late patient has any). */
    private long heldReports() throws Exception {
        return Long.parseLong(query("SELECT count(*) FROM escrow_report WHERE state = 'HELD'"));
    }

    private String reportState(UUID report) throws Exception {
        return query("SELECT state FROM escrow_report WHERE report_id = ?", report);
    }

    private String decisionRelayStatus(String entry) throws Exception {
        return query("SELECT status FROM ledger_outbox WHERE dedupe_key = ?", "decision:" + entry.substring(2));
    }

    /** Every notification about the entry, to anyone. */
    private long notifications(String entry) throws Exception {
        return Long.parseLong(query("SELECT count(*) FROM notification WHERE subject = ?", entry));
    }

    // --- the patient and the institution, through the public API ---

    private Wallet patient() {
        Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create(hub.baseUrl())));
        wallet.register(Role.PATIENT, null);
        wallet.signIn();
        return wallet;
    }

    private void enrol(Wallet patient, String mrn) throws Exception {
        String code =
                patient.hub().enrolmentCode(TOKEN, identifierSystem(), mrn).code();
        patient.linkIdentifier(code);
    }

    private String identifierSystem() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(hub.baseUrl() + "/fhir/$convert-hl7v2"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "x-application/hl7-v2+er7; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(oru("SYS-1", "X")))
                .build();
        HttpResponse<String> converted = http.send(request, HttpResponse.BodyHandlers.ofString());
        for (JsonNode e : JSON.readTree(converted.body()).path("entry")) {
            if (e.path("resource").path("resourceType").asText().equals("Patient")) {
                return e.path("resource")
                        .path("identifier")
                        .get(0)
                        .path("system")
                        .asText();
            }
        }
        throw new AssertionError("no Patient in the converted bundle");
    }

    private static String oru(String controlId, String mrn) {
        return msh("ORU^R01^ORU_R01", "2.5.1", controlId) + pid(mrn, "RESTART^JANE") + obr() + obx("NM", "182", "F");
    }

    private void send(String message) throws Exception {
        try (MllpTestClient client = new MllpTestClient("127.0.0.1", hub.mllpPort())) {
            assertThat(client.sendText(message, StandardCharsets.UTF_8).orElseThrow())
                    .contains("MSA|AA");
        }
    }

    /** The patient's signed release of the entry, ready to post. */
    private HttpRequest decision(Wallet patient, String entry) {
        HubClient.EscrowEntry view = patient.hub().escrowEntry(entry);
        long deadline = Instant.now().plusSeconds(600).getEpochSecond();
        BigInteger nonce = new BigInteger(256, RANDOM);
        byte[] signature = patient.signDecision(
                SigningDomain.escrow(view.chainId(), view.verifyingContract()),
                HEX.parseHex(entry.substring(2)),
                view.intermediateAccount(),
                true,
                nonce,
                BigInteger.valueOf(deadline));
        ObjectNode body = JSON.createObjectNode();
        body.put("decision", "release");
        body.put("nonce", nonce.toString());
        body.put("deadline", deadline);
        body.put("signature", "0x" + HEX.formatHex(signature));
        return HttpRequest.newBuilder(URI.create(hub.baseUrl() + "/api/escrow/" + entry + "/decision"))
                .header(
                        "Authorization",
                        "Bearer " + patient.hub().sessionToken().orElseThrow())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    private HttpResponse<String> post(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static long count(Wallet patient, String kind, String entry) {
        return patient.hub().notifications(null, 100, false).items().stream()
                .filter(n -> n.kind().equals(kind) && entry.equals(n.subject()))
                .count();
    }

    /** Waits for the patient's notification of {@code kind} about the entry; fails if there are two. */
    private static JsonNode awaitExactlyOne(Wallet patient, String kind, String entry) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> count(patient, kind, entry) > 0);
        // give a repeated step every chance to show itself (the loop looks every 500 ms)
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() -> count(patient, kind, entry) == 1);
        HubClient.Notification n = patient.hub().notifications(null, 100, false).items().stream()
                .filter(x -> x.kind().equals(kind) && entry.equals(x.subject()))
                .findFirst()
                .orElseThrow();
        ObjectNode out = JSON.createObjectNode();
        out.put("id", n.id());
        out.set("body", n.body());
        return out;
    }

    private long institutionNotifications(String entry) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(hub.baseUrl() + "/api/institution/notifications?limit=200"))
                .header("Authorization", "Bearer " + TOKEN)
                .build();
        JsonNode page = JSON.readTree(
                http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        long n = 0;
        for (JsonNode item : page.path("items")) {
            if (item.path("kind").asText().equals("escrow-outcome")
                    && item.path("subject").asText().equals(entry)) {
                assertThat(item.path("body").path("outcome").asText()).isEqualTo("RELEASED");
                n++;
            }
        }
        return n;
    }

    private static <T> T awaitValue(Callable<T> value) {
        Object[] found = new Object[1];
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    found[0] = value.call();
                    return found[0] != null;
                });
        @SuppressWarnings("unchecked")
        T t = (T) found[0];
        return t;
    }
}
