package dev.durableloops.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP API as the CLI uses it: JSON in and out, the bearer token on every call, and a
 * problem+json answer turned into an {@link ApiException} carrying its {@code detail}. Each call
 * times out after 60 s (connecting after 10 s). The event stream is {@link LoopStream}'s.
 */
final class ApiClient {

  /** A refused or failed call: the HTTP status (0 when the API was not reached) and the problem's detail. */
  static final class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  static final JsonMapper JSON = JsonMapper.builder().build();

  final URI base;
  final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  ApiClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  JsonNode get(String path) {
    return JSON.readTree(text("GET", path, null));
  }

  /** POSTs {@code body} (JSON; {@code null} sends none); an empty answer (204) is an empty object. */
  JsonNode post(String path, String body) {
    return json(text("POST", path, body));
  }

  JsonNode put(String path, String body) {
    return json(text("PUT", path, body));
  }

  void delete(String path) {
    text("DELETE", path, null);
  }

  private static JsonNode json(String answer) {
    return answer.isBlank() ? JSON.createObjectNode() : JSON.readTree(answer);
  }

  /** A call answering text (diffs, logs); {@code body} is JSON, or {@code null} for none. */
  String text(String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() >= 300) {
        throw new ApiException(response.statusCode(), detail(response.body(), response.statusCode()));
      }
      return response.body();
    } catch (IOException e) {
      throw new ApiException(0, "cannot reach " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(0, "interrupted");
    }
  }

  private static String detail(String body, int status) {
    try {
      JsonNode problem = JSON.readTree(body);
      if (problem.hasNonNull("detail")) {
        return problem.get("detail").asString() + " (HTTP " + status + ")";
      }
    } catch (RuntimeException e) {
      // Not problem+json: say the status.
    }
    return "HTTP " + status;
  }
}
