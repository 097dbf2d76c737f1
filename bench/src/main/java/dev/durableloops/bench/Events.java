package dev.durableloops.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temporal calls the API makes for open loop pages: the packaged app runs one loop that waits for
 * approval; {@code pages} event streams ({@code GET /api/loops/{id}/events}, what each open loop
 * page holds) are opened on it, and the app's own Temporal client requests (the SDK's
 * {@code temporal_request_total} counter on {@code /actuator/prometheus}, every operation but the
 * worker's polls) are counted over {@code window}. The figure is requests per second.
 */
final class Events {

  private static final Pattern REQUEST = Pattern.compile("^temporal_request_total\\{([^}]*)\\} ([0-9.eE+]+)$", Pattern.MULTILINE);

  private Events() {}

  /**
   * @return Temporal requests per second with {@code pages} streams open, and with none (the
   *     worker's own calls), as {@code [open, idle]}
   */
  static double[] callsPerSecond(Path jar, String target, Path data, int pages, Duration window) throws Exception {
    String token = "bench-token-0123456789";
    Path repo = TestRepo.create(data.resolve("repo"), 5);
    int port = Recovery.freePort();
    Map<String, String> env = Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
        "DURABLE_LOOPS_DATA_DIR", data.resolve("app").toString(), "DURABLE_LOOPS_API_TOKEN", token,
        "DURABLE_LOOPS_ALLOWED_ROOTS", data.toString());
    Process app = Recovery.start(jar, env, data.resolve("app.log"));
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<?>> streams = new ArrayList<>();
    try {
      Recovery.awaitUp(http, port, token);
      String spec = """
          {"name": "events", "goal": "g", "workspace": {"repository": "%s"},
           "make": {"command": "echo change >> README.md"}, "checks": [{"name": "c", "command": "true"}],
           "gate": {"approval": "EVERY_ITERATION"}}
          """.formatted(repo);
      Recovery.post(http, port, token, "/api/loops", spec);
      awaitApproval(http, port, token);
      Thread.sleep(2_000);
      double idle = rate(http, port, token, window);
      for (int i = 0; i < pages; i++) {
        streams.add(http.sendAsync(request(port, token, "/api/loops/loop-events/events").build(), HttpResponse.BodyHandlers.discarding()));
      }
      Thread.sleep(3_000);
      double open = rate(http, port, token, window);
      return new double[] {open, idle};
    } finally {
      streams.forEach(f -> f.cancel(true));
      app.destroyForcibly();
      app.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static double rate(HttpClient http, int port, String token, Duration window) throws Exception {
    double before = requests(http, port, token);
    Thread.sleep(window.toMillis());
    double after = requests(http, port, token);
    return (after - before) / window.toSeconds();
  }

  /** The app's Temporal requests so far, polls excluded (they are long polls, counted apart by the SDK). */
  private static double requests(HttpClient http, int port, String token) throws Exception {
    String body = http.send(request(port, token, "/actuator/prometheus").build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = REQUEST.matcher(body);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(2));
    }
    return total;
  }

  private static void awaitApproval(HttpClient http, int port, String token) throws Exception {
    for (int i = 0; i < 600; i++) {
      String body = http.send(request(port, token, "/api/loops/loop-events").build(), HttpResponse.BodyHandlers.ofString()).body();
      if (body.contains("\"AWAITING_APPROVAL\"")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the events loop never waited for approval");
  }

  private static HttpRequest.Builder request(int port, String token, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofMinutes(5));
  }
}
