package org.patientgate.escrow.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.patientgate.participant.ParticipantException;
import org.patientgate.protect.AtRestCipher;

/**
 * What a patient does with webhooks: registers one (its secret is made here, shown once and kept
 * sealed), lists and deletes them, reads their deliveries and asks for one again. Every call acts
 * on the caller's own webhooks; another patient's are "not found".
 */
public final class Webhooks {

    /** Secret bytes (shown base64url, without padding). */
    static final int SECRET_BYTES = 32;

    static final int MAX_URL_LENGTH = 2048;
    static final int MAX_LIMIT = 200;
    static final Set<String> STATUSES = Set.of("PENDING", "DELIVERED", "DEAD");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** A webhook just registered, with its secret (the only time it is shown). */
    public record Registration(WebhookStore.Webhook webhook, String secret) {

        @Override
        public String toString() {
            return "Registration[webhook=" + webhook.id() + ", secret=****]";
        }
    }

    private final WebhookStore store;
    private final AtRestCipher cipher;
    private final WebhookProperties properties;
    private final Runnable wake;
    private final SecureRandom random = new SecureRandom();

    public Webhooks(WebhookStore store, AtRestCipher cipher, WebhookProperties properties, Runnable wake) {
        this.store = store;
        this.cipher = cipher;
        this.properties = properties;
        this.wake = wake;
    }

    /** Registers {@code url} for {@code patient}'s notifications from now on. */
    public Registration register(String patient, String url) {
        URI checked = checkedUrl(url);
        byte[] raw = new byte[SECRET_BYTES];
        random.nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        UUID id = UUID.randomUUID();
        byte[] sealed = cipher.seal(secret.getBytes(StandardCharsets.US_ASCII), aad(id));
        WebhookStore.Webhook webhook = store.register(
                        id, patient, checked.toString(), sealed, properties.maxPerPatient())
                .orElseThrow(() -> new ParticipantException(
                        ParticipantException.Kind.CONFLICT,
                        "at most " + properties.maxPerPatient() + " webhooks per patient; delete one first"));
        return new Registration(webhook, secret);
    }

    public List<WebhookStore.Webhook> webhooks(String patient) {
        return store.webhooks(patient);
    }

    /** One of the patient's webhooks. */
    public WebhookStore.Webhook webhook(String patient, String id) {
        return store.webhook(patient, id(id)).orElseThrow(Webhooks::notFound);
    }

    public void delete(String patient, String id) {
        if (!store.delete(patient, id(id))) {
            throw notFound();
        }
    }

    /** A page of deliveries to one of the patient's webhooks, newest first. */
    public List<WebhookStore.Delivery> deliveries(String patient, String id, String status, Long before, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ParticipantException(
                    ParticipantException.Kind.INVALID, "limit must be between 1 and " + MAX_LIMIT);
        }
        String wanted = null;
        if (status != null && !status.isBlank()) {
            wanted = status.strip().toUpperCase(Locale.ROOT);
            if (!STATUSES.contains(wanted)) {
                throw new ParticipantException(
                        ParticipantException.Kind.INVALID, "status must be PENDING, DELIVERED or DEAD");
            }
        }
        UUID webhook = id(id);
        if (store.webhook(patient, webhook).isEmpty()) {
            throw notFound();
        }
        return store.deliveries(patient, webhook, wanted, before, limit);
    }

    /** Queues a delivered or dead delivery again, its attempts reset. */
    public void redeliver(String patient, String id, long delivery) {
        switch (store.redeliver(patient, id(id), delivery)) {
            case QUEUED:
                wake.run();
                return;
            case ALREADY_PENDING:
                throw new ParticipantException(
                        ParticipantException.Kind.CONFLICT, "delivery " + delivery + " is already queued");
            default:
                throw new ParticipantException(
                        ParticipantException.Kind.NOT_FOUND, "no delivery " + delivery + " of this webhook");
        }
    }

    /**
     * The URL a webhook may have: absolute {@code https}, or {@code http} to a loopback host (an app
     * on the hub's own machine, and tests); no user info, no fragment. Refusals never quote the URL
     * (its query may hold a token).
     */
    static URI checkedUrl(String url) {
        if (url == null || url.isBlank()) {
            throw invalid("url is required");
        }
        String text = url.strip();
        if (text.length() > MAX_URL_LENGTH) {
            throw invalid("url is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid("url is not a valid URL");
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getScheme() == null) {
            throw invalid("url must be an absolute http or https URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw invalid("url must be an absolute http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid("url must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid("url must not carry user information");
        }
        if (uri.getRawFragment() != null) {
            throw invalid("url must not have a fragment");
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            throw invalid("url must use https (http only to a loopback host)");
        }
        return uri;
    }

    /** Whether {@code host} is loopback by its spelling alone (no name is looked up). */
    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (IPV4.matcher(h).matches()) {
            String[] octets = h.split("\\.");
            for (String octet : octets) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return octets[0].equals("127");
        }
        if (h.startsWith("[") && h.endsWith("]") && h.indexOf(':') > 0) {
            try {
                // an IPv6 literal: parsed, never looked up
                return InetAddress.getByName(h.substring(1, h.length() - 1)).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** What a webhook's sealed secret is bound to: its id's 16 bytes. */
    static byte[] aad(UUID id) {
        return ByteBuffer.allocate(16)
                .putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits())
                .array();
    }

    private static UUID id(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw notFound();
        }
    }

    private static ParticipantException notFound() {
        return new ParticipantException(ParticipantException.Kind.NOT_FOUND, "no such webhook of yours");
    }

    private static ParticipantException invalid(String message) {
        return new ParticipantException(ParticipantException.Kind.INVALID, message);
    }
}
