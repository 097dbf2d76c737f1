package dev.durableloops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code watch}'s stream handling against an HTTP server speaking the API's event protocol (the
 * whole app is {@code CliIT}'s): a stream that ends before the loop is reopened with
 * {@code Last-Event-ID}, and the exit code says how the loop ended.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchCommandTest {

  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
    DurableLoopsCli.environment = System.getenv();
  }

  static String view(String status, String temporalStatus) {
    return "{\"id\":\"loop-x\",\"status\":\"" + status + "\",\"iteration\":2,\"temporalStatus\":\"" + temporalStatus + "\",\"live\":true}";
  }

  @ParameterizedTest
  @CsvSource({"SUCCEEDED,0", "FAILED,3", "STALLED,4", "CAPPED,5", "CANCELLED,6", "TERMINATED,3"})
  void theExitCodeSaysHowTheLoopEnded(String status, int code) {
    assertThat(WatchCommand.exitCode(status)).isEqualTo(code);
  }

  @Test
  void aClosedStreamIsReopenedWithLastEventIdUntilTheLoopEnds() throws Exception {
    List<String> lastEventIds = new CopyOnWriteArrayList<>();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/loops/loop-x", exchange -> {
      boolean events = exchange.getRequestURI().getPath().endsWith("/events");
      String body;
      if (!events) {
        body = view("RUNNING", "RUNNING");
      } else if (lastEventIds.isEmpty()) {
        lastEventIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
        // The first stream ends before the loop does, as the server's 30-minute limit ends one.
        body = "retry: 10\nid: 7\nevent: state\ndata: " + view("RUNNING", "RUNNING") + "\n\n";
      } else {
        lastEventIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
        body = "id: 9\nevent: state\ndata: " + view("STALLED", "COMPLETED") + "\n\n";
      }
      exchange.getResponseHeaders().add("Content-Type", events ? "text/event-stream" : "application/json");
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body.getBytes(StandardCharsets.UTF_8));
      }
    });
    server.start();
    DurableLoopsCli.environment = Map.of("DURABLE_LOOPS_URL", "http://127.0.0.1:" + server.getAddress().getPort(), "DURABLE_LOOPS_TOKEN", "t");
    DurableLoopsCli.configFile = Path.of("no-such-config.properties");

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var line = DurableLoopsCli.commandLine();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute("watch", "loop-x");

    assertThat(code).as(err.toString()).isEqualTo(4);
    assertThat(lastEventIds).containsExactly("null", "7");
    assertThat(out.toString()).startsWith("loop-x  RUNNING · iteration 2\n").endsWith("loop-x  STALLED · iteration 2\n");
    assertThat(err.toString()).isEqualTo("durable-loops: the server closed the stream; reconnecting after event 7\n");
  }
}
