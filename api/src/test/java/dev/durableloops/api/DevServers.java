package dev.durableloops.api;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Shared setup of the tests that run the whole app against the real Temporal CLI dev server. */
public final class DevServers {

  private DevServers() {}

  /** The Temporal CLI: $DURABLE_LOOPS_TEMPORAL_CLI, else where deploy/lib.sh installs it. */
  public static Path temporalCli() {
    String env = System.getenv("DURABLE_LOOPS_TEMPORAL_CLI");
    return env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".local/share/durable-loops/bin/temporal");
  }

  /**
   * Starts a dev server (SQLite file under {@code tmp}, no UI) through the SDK's
   * {@link TemporalDevServer}, and points the app at it, with its data directory, allowed roots
   * and API token under {@code tmp}. Skips the test, saying why, when the CLI is not installed.
   */
  public static TemporalDevServer start(Path tmp, DynamicPropertyRegistry registry) {
    Path cli = temporalCli();
    assumeTrue(Files.isExecutable(cli), "the Temporal CLI is not installed at " + cli + "; deploy/test.sh installs it");
    TemporalDevServer server = TemporalDevServer.start(
        TemporalDevServerOptions.newBuilder()
            .setExistingPath(cli.toString())
            .setDatabaseFilename(tmp.resolve("temporal.db").toString())
            .setUiEnabled(false)
            .setLogLevel("error")
            .build());
    registry.add("spring.temporal.connection.target", server::getTarget);
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", () -> tmp.toString());
    registry.add("durable-loops.api-token", () -> TestAuth.TOKEN);
    return server;
  }

  /** A git repository at {@code dir} on branch main with one commit of {@code files}. */
  public static Path repository(Path dir, Map<String, String> files) throws Exception {
    Files.createDirectories(dir);
    for (var f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
    try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
      git.add().addFilepattern(".").call();
      git.commit().setMessage("initial").setAuthor("t", "t@example.invalid").setCommitter("t", "t@example.invalid").call();
    }
    return dir;
  }
}
