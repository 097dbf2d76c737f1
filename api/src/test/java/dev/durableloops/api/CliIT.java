package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.cli.DurableLoopsCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code durable-loops} command against the packaged app on the real dev server: start from a
 * spec file, show, approve (printing the diff), watch to the end, logs, list, fork, and a refused
 * rollback printing the API's reason with exit code 1.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CliIT {

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var line = DurableLoopsCli.commandLine();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void theMainCommandsAgainstARunningApp() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      Platform.App app = platform.startApp(true);
      DurableLoopsCli.environment = Map.of("DURABLE_LOOPS_URL", "http://127.0.0.1:" + app.port, "DURABLE_LOOPS_TOKEN", TestAuth.TOKEN);
      DurableLoopsCli.configFile = tmp.resolve("no-config.properties");
      Path repo = platform.repository("cli", Map.of("a.txt", "a\n"));
      Path spec = Files.writeString(tmp.resolve("spec.json"), """
          {"name": "cli", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
           "make": {"command": "echo fixed > a.txt"}, "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}],
           "gate": {"approval": "ON_PASS"}}
          """.formatted(repo));

      Result started = run("start", spec.toString());
      assertThat(started.code()).as(started.err()).isZero();
      assertThat(started.out()).startsWith("started loop-cli\n").contains("web: /loop.html?id=loop-cli");

      String shown = await("loop-cli awaiting approval").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> run("show", "loop-cli").out(), s -> s.contains("awaiting approval"));
      assertThat(shown).startsWith("loop-cli  AWAITING_APPROVAL").contains("awaiting approval of iteration 1: 1 file changed, +1 -1");

      Result approved = run("approve", "loop-cli", "-m", "looks right");
      assertThat(approved.code()).as(approved.err()).isZero();
      assertThat(approved.out()).contains("+fixed").contains("approved iteration 1 of loop-cli");

      Result watched = run("watch", "loop-cli");
      assertThat(watched.out()).contains("loop-cli  SUCCEEDED");

      assertThat(run("logs", "loop-cli").out()).contains("iter-0001-make.log").contains("iter-0001-check-fixed.log");
      assertThat(run("list").out()).contains("loop-cli").contains("SUCCEEDED");
      assertThat(run("fork", "loop-cli", "1", "--name", "cli-fork").out()).isEqualTo("forked loop-cli at checkpoint 1 as loop-cli-fork\n");

      Result refused = run("rollback", "loop-cli", "1");
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err()).startsWith("durable-loops: loop loop-cli has ended (COMPLETED) (HTTP 409)");

      DurableLoopsCli.environment = Map.of("DURABLE_LOOPS_URL", "http://127.0.0.1:" + app.port);
      Result noToken = run("show", "loop-cli");
      assertThat(noToken.code()).isEqualTo(2);
      assertThat(noToken.err()).contains("no API token");
    } finally {
      DurableLoopsCli.environment = System.getenv();
    }
  }
}
