package dev.durableloops.api;

import dev.durableloops.workflows.state.LoopStatus;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The real platform as child processes for crash tests: the Temporal CLI dev server on a SQLite
 * file and the packaged app ({@code durable-loops.jar}), each of which can be killed with SIGKILL
 * and started again on the same data.
 */
final class Platform implements AutoCloseable {

  final Path dir;
  final Path cli;
  final Path jar;
  final int temporalPort;
  Process server;
  final List<Process> apps = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  Platform(Path dir) throws IOException {
    this.dir = dir;
    this.cli = DevServers.temporalCli();
    this.jar = Path.of(System.getProperty("durable-loops.app-jar", "target/durable-loops.jar"));
    this.temporalPort = freePort();
  }

  static boolean available() {
    return Files.isExecutable(DevServers.temporalCli())
        && Files.isRegularFile(Path.of(System.getProperty("durable-loops.app-jar", "target/durable-loops.jar")));
  }

  /**
   * A free TCP port for an app or server a test starts, below the kernel's ephemeral range
   * (32768–60999 by default): a port the kernel handed out with {@code new ServerSocket(0)} can be
   * taken again, before the app binds it, as the local end of a connection to Temporal (seen in the
   * benchmarks, whose {@code Recovery.freePort} does the same).
   */
  static int freePort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 100; i++) {
      int port = random.nextInt(20000, 32000);
      try (ServerSocket socket = new ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  /** The start grant key every machine of a multi-machine platform shares ({@code DURABLE_LOOPS_GRANT_KEY}). */
  static final String GRANT_KEY = "platform-test-grant-key-0123456789";

  /** A Temporal server started elsewhere ({@code -Ddurable-loops.temporal-target=host:port}), or {@code null}. */
  static final String EXTERNAL_TARGET = System.getProperty("durable-loops.temporal-target");

  /** The Temporal server apps connect to when not the dev server this platform starts. */
  String externalTarget = EXTERNAL_TARGET == null || EXTERNAL_TARGET.isBlank() ? null : EXTERNAL_TARGET;

  String target() {
    return externalTarget != null ? externalTarget : "127.0.0.1:" + temporalPort;
  }

  /** Starts the dev server, unless {@link #externalTarget} names a running server (a real cluster). */
  void startServerUnlessExternal() throws Exception {
    if (externalTarget == null) {
      startServer();
    }
  }

  void startServer() throws Exception {
    server = new ProcessBuilder(cli.toString(), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
        "--port", Integer.toString(temporalPort), "--db-filename", dir.resolve("temporal.db").toString(),
        "--sqlite-pragma", "journal_mode=wal", "--log-level", "error",
        "--search-attribute", "LoopStatus=Keyword", "--search-attribute", "LoopIteration=Int",
        "--search-attribute", "LoopCostUsd=Double", "--search-attribute", "LoopRepository=Keyword",
        // deploy/lib.sh DEV_SERVER_TUNING's queue reads: a step's next workflow task is not held up to 50 ms.
        "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
        "--dynamic-config-value", "history.timerProcessorMaxPollRPS=1000")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("temporal.log").toFile())).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Process health = new ProcessBuilder(cli.toString(), "operator", "cluster", "health", "--address", target())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (health.waitFor(10, TimeUnit.SECONDS) && health.exitValue() == 0) {
        return;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("the dev server did not become healthy; see " + dir.resolve("temporal.log"));
  }

  /** Starts the app; {@code worker=false} starts the API alone (no Temporal worker). */
  App startApp(boolean worker) throws Exception {
    return startApp(worker, Map.of());
  }

  /**
   * The app's JIT as deploy/lib.sh ({@code APP_JAVA_OPTIONS}), the image and deploy/run.sh run it: C1
   * only (BENCHMARKS.md, "A restarted worker's start: C1 only").
   */
  static final String APP_JIT = "-XX:TieredStopAtLevel=1";

  /** Starts the app with further environment variables. */
  App startApp(boolean worker, Map<String, String> extraEnv) throws Exception {
    return startApp(worker, extraEnv, freePort());
  }

  /** Starts the app on {@code port} (a restarted app where its clients still point). */
  App startApp(boolean worker, Map<String, String> extraEnv, int port) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), APP_JIT, "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("app-" + port + ".log").toFile()));
    pb.environment().putAll(Map.of(
        "PORT", Integer.toString(port),
        "TEMPORAL_ADDRESS", target(),
        "DURABLE_LOOPS_DATA_DIR", dir.resolve("data").toString(),
        "SPRING_TEMPORAL_START_WORKERS", Boolean.toString(worker),
        "DURABLE_LOOPS_API_TOKEN", TestAuth.TOKEN,
        "DURABLE_LOOPS_ALLOWED_ROOTS", dir.toString()));
    pb.environment().putAll(extraEnv);
    Process process = pb.start();
    apps.add(process);
    App app = new App(process, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        List<String> log = Files.readAllLines(dir.resolve("app-" + port + ".log"));
        throw new IllegalStateException("the app exited; the end of its log:\n"
            + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size())));
      }
      try {
        if (app.status("GET", "/api/loops", null) == 200) {
          return app;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("the app did not start");
  }

  /**
   * Starts one "machine" of a multi-machine platform: its own data directory {@code <dir>/<name>},
   * the shared git store {@code <dir>/store.git}, and a profile: {@code worker} (no HTTP), {@code api}
   * (no worker) or {@code null} (both).
   *
   * @return the process; for {@code api} and {@code null} once its API answers, for {@code worker}
   *     once its log says it started
   */
  Process startMachine(String name, String profile, Map<String, String> env) throws Exception {
    int port = freePort();
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), APP_JIT, "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> e = pb.environment();
    e.put("PORT", Integer.toString(port));
    e.put("MANAGEMENT_PORT", Integer.toString(port));
    e.put("TEMPORAL_ADDRESS", target());
    e.put("DURABLE_LOOPS_DATA_DIR", dir.resolve(name).toString());
    e.put("DURABLE_LOOPS_GIT_STORE", dir.resolve("store.git").toString());
    e.put("DURABLE_LOOPS_API_TOKEN", TestAuth.TOKEN);
    e.put("DURABLE_LOOPS_ALLOWED_ROOTS", dir.toString());
    // Machines keep data directories of their own: the start grant key is shared, as docs/security.md says.
    e.put("DURABLE_LOOPS_GRANT_KEY", GRANT_KEY);
    if (profile != null) {
      e.put("SPRING_PROFILES_ACTIVE", profile);
    }
    e.putAll(env);
    Process process = pb.start();
    apps.add(process);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited; see " + log);
      }
      if (Files.exists(log) && Files.readString(log).contains("Started DurableLoopsApplication")) {
        // A worker's port answers only its management endpoints.
        machines.put(name, new App(process, port));
        return process;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(name + " did not start; see " + log);
  }

  /** The HTTP API of a machine (of a {@code worker}: its management endpoints only). */
  App machine(String name) {
    return machines.get(name);
  }

  private final Map<String, App> machines = new java.util.HashMap<>();

  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * A loop that must make {@code a.txt} contain "fixed" (check {@code grep -q fixed a.txt}), with the
   * maker {@code make}, the approval policy {@code approval} and at most 3 iterations.
   */
  static String fixSpec(String name, Path repo, String make, String approval) {
    return """
        {"name": "%s", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
         "make": {"command": "%s", "timeout": "PT5M"},
         "checks": [{"name": "fixed", "command": "grep -q fixed a.txt", "timeout": "PT1M"}],
         "gate": {"approval": "%s"}, "caps": {"maxIterations": 3}}
        """.formatted(name, repo, make, approval);
  }

  /** A git repository with {@code files} on branch main. */
  Path repository(String name, Map<String, String> files) throws Exception {
    return DevServers.repository(dir.resolve("origins").resolve(name), files);
  }

  @Override
  public void close() throws Exception {
    for (Process app : apps) {
      kill(app);
    }
    if (server != null) {
      kill(server);
    }
  }

  /** One running app process and its HTTP API. */
  final class App {
    final Process process;
    final int port;

    App(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/json").header("Authorization", "Bearer " + TestAuth.TOKEN)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    int status(String method, String path, String body) throws IOException, InterruptedException {
      return send(method, path, body).statusCode();
    }

    String call(String method, String path, String body) throws IOException, InterruptedException {
      HttpResponse<String> response = send(method, path, body);
      assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
      return response.body();
    }

    String awaitState(String id, Set<String> statuses, Duration timeout) {
      String[] last = {null};
      try {
        return org.awaitility.Awaitility.await(id + " reaching " + statuses).atMost(timeout).pollInterval(Duration.ofMillis(200))
            .until(() -> {
              HttpResponse<String> r = send("GET", "/api/loops/" + id, null);
              if (r.statusCode() != 200) {
                return null;
              }
              last[0] = r.body();
              return statuses.contains(JsonPath.<String>read(last[0], "$.status")) ? last[0] : null;
            }, state -> state != null);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(id + " never reached " + statuses + "; last state " + last[0], e);
      }
    }
  }
}
