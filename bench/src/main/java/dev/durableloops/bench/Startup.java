package dev.durableloops.bench;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The app's start-up as the image runs it, and without what the image adds: the packaged jar is
 * extracted and a CDS training run writes an archive ({@link #prepare}), then the extracted app is
 * started {@code trials} times each plain, with {@code -XX:SharedArchiveFile}, and as the image
 * starts it (the archive and {@link #JIT}), in turn, so all three see the same machine load.
 * Each figure is seconds from the process's start to its HTTP API answering, which is when the
 * Temporal starter has started the workers (both happen on {@code ApplicationReadyEvent}).
 */
final class Startup {

  private Startup() {}

  /**
   * The image's compiler choice ({@code deploy/Dockerfile}'s entrypoint, {@code APP_JAVA_OPTIONS} in
   * {@code deploy/lib.sh}): C1 only. On 2 cores C2's compiler thread takes the second core from the
   * start-up's threads; BENCHMARKS.md, "A restarted worker's start", has the figures, and those of
   * the loops' steady state with it.
   */
  static final String JIT = "-XX:TieredStopAtLevel=1";

  /** Start-up seconds plain, with the archive, and as the image starts (archive and {@link #JIT}). */
  record Result(List<Double> plain, List<Double> cds, List<Double> image) {}

  /**
   * The app as the image runs it: the extracted jar and the CDS archive of its training run.
   *
   * @param jar the extracted application jar (its libraries beside it)
   * @param archive the class data sharing archive
   */
  record Image(Path jar, Path archive) {

    /**
     * The {@code java} arguments that run it as the image does: the archive ({@code -Xshare:on}: a
     * run that cannot map it fails) and {@link #JIT}.
     */
    List<String> javaArgs() {
      return List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, JIT, "-jar", jar.toString());
    }

    /** {@link #javaArgs} without {@link #JIT}: the archive alone. */
    List<String> archiveOnly() {
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
    Map<String, List<String>> variants = new java.util.LinkedHashMap<>();
    variants.put("", List.of("-jar", image.jar().toString()));
    variants.put("-cds", image.archiveOnly());
    variants.put("-image", image.javaArgs());
    Map<String, List<Double>> figures = new java.util.HashMap<>();
    for (int t = 0; t < trials; t++) {
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        int port = Recovery.freePort();
        String name = t + variant.getKey();
        Map<String, String> env = Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
            "DURABLE_LOOPS_DATA_DIR", dir.resolve("data-" + name).toString(), "DURABLE_LOOPS_API_TOKEN", token);
        long start = System.nanoTime();
        Process p = Recovery.start(variant.getValue(), env, dir.resolve("start-" + name + ".log"));
        try {
          Recovery.awaitUp(http, port, token);
          figures.computeIfAbsent(variant.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - start) / 1e9);
        } finally {
          p.destroy();
          p.waitFor(60, TimeUnit.SECONDS);
        }
      }
    }
    return new Result(figures.get(""), figures.get("-cds"), figures.get("-image"));
  }

  private static void run(Path log, Map<String, String> env, List<String> args) throws Exception {
    Process p = Recovery.start(args, env, log);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("java " + String.join(" ", args) + " failed; see " + log);
    }
  }
}
