package dev.durableloops.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP API as the CLI uses it: JSON in and out, the bearer token on every call, and a
 * problem+json answer turned into an {@link ApiException} carrying its {@code detail}.
 */
final class ApiClient {

  /** A refused or failed call: the HTTP status and the problem's detail. */
  static final class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  ApiClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  JsonNode get(String path) {
    return JSON.readTree(text("GET", path, null));
  }

  JsonNode post(String path, String body) {
    String answer = text("POST", path, body == null ? "" : body);
    return answer.isBlank() ? JSON.createObjectNode() : JSON.readTree(answer);
  }

  /** A call answering text (diffs, logs). */
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
      throw new ApiException(0, "cannot reach " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(0, "interrupted");
    }
  }

  /**
   * Follows the server-sent events of a loop, handing each {@code state} event's data to
   * {@code onState} until the stream ends.
   */
  void events(String id, Consumer<JsonNode> onState) {
    HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/loops/" + id + "/events"))
        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
    try {
      HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() >= 300) {
        throw new ApiException(response.statusCode(), detail(new String(response.body().readAllBytes(), StandardCharsets.UTF_8),
            response.statusCode()));
      }
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = null;
        StringBuilder data = new StringBuilder();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).strip());
          } else if (line.isEmpty()) {
            if ("state".equals(event) && data.length() > 0) {
              onState.accept(JSON.readTree(data.toString()));
            }
            event = null;
            data.setLength(0);
          }
        }
      }
    } catch (IOException e) {
      throw new ApiException(0, "cannot reach " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
