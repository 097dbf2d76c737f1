package dev.durableloops.bench;

import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The app's start-up as the image runs it, with and without class data sharing: the packaged jar is
 * extracted and a CDS training run writes an archive ({@link #prepare}), then the extracted app is started {@code trials} times
 * without and with {@code -XX:SharedArchiveFile}, alternately, so both see the same machine load.
 * Each figure is seconds from the process's start to its HTTP API answering, which is when the
 * Temporal starter has started the workers (both happen on {@code ApplicationReadyEvent}).
 */
final class Startup {

  private Startup() {}

  /** Start-up seconds without and with the archive. */
  record Result(List<Double> plain, List<Double> cds) {}

  /**
   * The app as the image runs it: the extracted jar and the CDS archive of its training run.
   *
   * @param jar the extracted application jar (its libraries beside it)
   * @param archive the class data sharing archive
   */
  record Image(Path jar, Path archive) {

    /** The {@code java} arguments that run it with the archive ({@code -Xshare:on}: a run that cannot map it fails). */
    List<String> javaArgs() {
      return List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-jar", jar.toString());
    }
  }

  /**
   * Extracts {@code jar} into {@code dir} ({@code java -Djarmode=tools -jar … extract}) and makes the
   * CDS archive the way {@code deploy/Dockerfile} does (throwaway data directory, no Temporal call,
   * no sandbox, {@code -Dspring.context.exit=onRefresh}).
   */
  static Image prepare(Path jar, Path dir) throws Exception {
    Files.createDirectories(dir);
    Path app = dir.resolve("app");
    run(dir.resolve("extract.log"), Map.of(), List.of("-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", app.toString()));
    Path extracted = app.resolve(jar.getFileName());
    Path archive = app.resolve("application.jsa");
    Path training = dir.resolve("training-data");
    run(dir.resolve("training.log"), Map.of("DURABLE_LOOPS_DATA_DIR", training.toString(), "DURABLE_LOOPS_SANDBOX_MODE", "none",
        "TEMPORAL_ADDRESS", "127.0.0.1:1"), List.of("-XX:ArchiveClassesAtExit=" + archive, "-Dspring.context.exit=onRefresh",
        "-jar", extracted.toString()));
    if (!Files.exists(archive)) {
      throw new IllegalStateException("the CDS training run wrote no archive: " + dir.resolve("training.log"));
    }
    return new Image(extracted, archive);
  }

  static Result measure(Image image, String target, Path dir, int trials) throws Exception {
    Files.createDirectories(dir);
    HttpClient http = HttpClient.newHttpClient();
    String token = "bench-token-0123456789";
    List<Double> plain = new ArrayList<>();
    List<Double> cds = new ArrayList<>();
    for (int t = 0; t < trials; t++) {
      for (boolean shared : new boolean[] {false, true}) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        List<String> args = shared ? image.javaArgs() : List.of("-jar", image.jar().toString());
        Map<String, String> env = Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
            "DURABLE_LOOPS_DATA_DIR", dir.resolve("data-" + t + (shared ? "-cds" : "")).toString(), "DURABLE_LOOPS_API_TOKEN", token);
        long start = System.nanoTime();
        Process p = start(dir.resolve("start-" + t + (shared ? "-cds" : "") + ".log"), env, args);
        try {
          Recovery.awaitUp(http, port, token);
          (shared ? cds : plain).add((System.nanoTime() - start) / 1e9);
        } finally {
          p.destroy();
          p.waitFor(60, TimeUnit.SECONDS);
        }
      }
    }
    return new Result(plain, cds);
  }

  private static void run(Path log, Map<String, String> env, List<String> args) throws Exception {
    Process p = start(log, env, args);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("java " + String.join(" ", args) + " failed; see " + log);
    }
  }

  private static Process start(Path log, Map<String, String> env, List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }
}
