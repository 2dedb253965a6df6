package org.patientgate.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A small client of the hub's operations API ({@code /api}), authenticated with a bearer token. */
public final class OperationsApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String token;

    public OperationsApi(String base, String token) {
        this.base = base;
        this.token = token;
    }

    public record Response(int status, JsonNode body) {}

    public Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Response post(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** The single message the hub holds for a sender's control id, or null. */
    public JsonNode messageByControlId(String controlId) throws IOException, InterruptedException {
        JsonNode list = get("/api/messages?controlId=" + URLEncoder.encode(controlId, StandardCharsets.UTF_8))
                .body();
        return list.size() == 0 ? null : list.get(0);
    }

    private Response send(HttpRequest.Builder builder) throws IOException, InterruptedException {
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Response(response.statusCode(), body);
    }
}
