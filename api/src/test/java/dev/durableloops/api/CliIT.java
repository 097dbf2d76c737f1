package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.durableloops.cli.DurableLoopsCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code durable-loops} command against the packaged app on the real dev server: every command
 * prints what it says. As people run it — {@code deploy/durable-loops}, a process of its own whose
 * output and exit code are read from its pipes — for the first start and show, approve's question
 * on a terminal ({@code script(1)}: colour), watch across a restart of the app, watch's exit code
 * for a cancelled loop and a missing token; the other commands run through the same command line
 * ({@link DurableLoopsCli#commandLine}) in the test's JVM, which spares each ~1.5–3 s of a JVM's
 * start on this 2-core machine while the app compiles (the test took 115–154 s with a process for each).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CliIT {

  /** The wrapper people run; it runs the cli module's executable jar. */
  static final Path WRAPPER = Path.of("..", "deploy", "durable-loops").toAbsolutePath().normalize();
  static final Path CLI_JAR = Path.of("..", "cli", "target", "durable-loops-cli-exec.jar");

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  private Map<String, String> env;

  private ProcessBuilder command(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("NO_COLOR");
    pb.environment().remove("CLICOLOR_FORCE");
    // No config file of the machine's: HOME is the test's.
    pb.environment().put("HOME", tmp.toString());
    pb.environment().putAll(env);
    return pb;
  }

  private Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(WRAPPER.toString()));
    command.addAll(List.of(args));
    return finish(command(command).start(), null);
  }

  /**
   * Runs the command in this JVM through the command line the wrapper's {@code main} runs, with the
   * test's environment and no config file.
   */
  private Result call(String... args) {
    Map<String, String> environment = DurableLoopsCli.environment;
    Path configFile = DurableLoopsCli.configFile;
    DurableLoopsCli.environment = env;
    DurableLoopsCli.configFile = tmp.resolve("no-config.properties");
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var line = DurableLoopsCli.commandLine();
      // Its output is not a terminal, as the wrapper's in a pipe is not.
      line.setColorScheme(picocli.CommandLine.Help.defaultColorScheme(picocli.CommandLine.Help.Ansi.OFF));
      line.setOut(new PrintWriter(out, true));
      line.setErr(new PrintWriter(err, true));
      int code = line.execute(args);
      line.getOut().flush();
      line.getErr().flush();
      return new Result(code, out.toString(), err.toString());
    } finally {
      DurableLoopsCli.environment = environment;
      DurableLoopsCli.configFile = configFile;
    }
  }

  /** Runs the command on a terminal ({@code script(1)}'s pseudo-terminal), typing {@code input}. */
  private Result runOnTerminal(String input, String... args) throws Exception {
    StringBuilder line = new StringBuilder(WRAPPER.toString());
    for (String arg : args) {
      line.append(" '").append(arg.replace("'", "'\\''")).append('\'');
    }
    return finish(command(List.of("script", "-qec", line.toString(), "/dev/null")).start(), input);
  }

  private static Result finish(Process process, String input) throws Exception {
    try (OutputStream stdin = process.getOutputStream()) {
      if (input != null) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        // script(1) ends the terminal when its input ends: keep it open until the command is done.
        process.waitFor(60, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      // The command exited before reading what was typed.
    }
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the command ends").isTrue();
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void everyCommandPrintsWhatItSaysAgainstARunningApp() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    assumeTrue(Files.isRegularFile(CLI_JAR), "needs the cli module's executable jar (mvn package)");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) (util-linux) for a terminal");
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      Platform.App app = platform.startApp(true);
      env = Map.of("DURABLE_LOOPS_URL", "http://127.0.0.1:" + app.port, "DURABLE_LOOPS_TOKEN", TestAuth.TOKEN);
      Path repo = platform.repository("cli", Map.of("a.txt", "a\n"));
      Path spec = Files.writeString(tmp.resolve("spec.json"), """
          {"name": "cli", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
           "make": {"command": "echo fixed > a.txt"}, "checks": [{"name": "fixed", "command": "grep fixed a.txt"}],
           "gate": {"approval": "ON_PASS"}}
          """.formatted(repo));

      Result started = run("start", spec.toString());
      assertThat(started.code()).as(started.err()).isZero();
      assertThat(started.out()).startsWith("started loop-cli\n").contains("web: /loop.html?id=loop-cli");

      await("loop-cli awaiting approval").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> call("show", "loop-cli").out(), s -> s.contains("awaiting approval"));
      // The same through the wrapper, as a person runs it.
      String shown = run("show", "loop-cli").out();
      assertThat(shown).startsWith("loop-cli  AWAITING_APPROVAL").contains("awaiting approval of iteration 1: 1 file changed, +1 -1")
          .doesNotContain("\u001b[");
      assertThat(JsonPath.<String>read(call("show", "loop-cli", "-o", "json").out(), "$.status")).isEqualTo("AWAITING_APPROVAL");

      Result listed = call("list");
      assertThat(listed.out()).startsWith("ID        STATUS             ITER  COST   STARTED              GOAL\n")
          .contains("\nloop-cli  AWAITING_APPROVAL  1     $0.00  ");
      assertThat(JsonPath.<List<String>>read(call("-o", "json", "list", "--status", "awaiting_approval").out(), "$[*].id"))
          .containsExactly("loop-cli");

      assertThat(call("note", "loop-cli", "keep", "a.txt", "short").out())
          .isEqualTo("loop-cli: note added; it reaches the maker from the next iteration on\n");

      // Without a terminal approve does not ask: it refuses unless --yes.
      Result unasked = call("approve", "loop-cli");
      assertThat(unasked.code()).isEqualTo(2);
      assertThat(unasked.err()).startsWith("approve asks before it decides, and this is not a terminal: give --yes");

      // On a terminal it shows the diff in colour and asks; "n" sends nothing.
      Result declined = runOnTerminal("n\n", "approve", "loop-cli");
      assertThat(declined.code()).as(declined.out()).isEqualTo(1);
      assertThat(declined.out()).contains("\u001b[32m+fixed").contains("Approve iteration 1 of loop-cli (1 file changed, +1 -1, diff ")
          .contains("not approved; nothing was sent");

      // watch follows the loop across a restart of the app: its event stream is reopened with Last-Event-ID.
      Path watchOut = tmp.resolve("watch.out");
      Process watch = command(List.of(WRAPPER.toString(), "watch", "loop-cli")).redirectOutput(watchOut.toFile()).start();
      watch.getOutputStream().close();
      // The app is killed only once the watch has read the loop (its JVM may take seconds to start).
      await("the watch shows the loop").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> Files.exists(watchOut) && Files.readString(watchOut).startsWith("loop-cli  AWAITING_APPROVAL"));
      Thread.sleep(1_000);
      Platform.kill(app.process);
      app = platform.startApp(true, Map.of(), app.port);
      await("the restarted app's worker answers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> call("show", "loop-cli").out(), s -> s.contains("awaiting approval"));

      Result approved = runOnTerminal("y\n", "approve", "loop-cli", "-m", "looks right");
      assertThat(approved.code()).as(approved.out()).isZero();
      assertThat(approved.out()).contains("+fixed").contains("approved iteration 1 of loop-cli: ");

      assertThat(watch.waitFor(3, TimeUnit.MINUTES)).as("watch ends when the loop does").isTrue();
      String watchErr = new String(watch.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(watch.exitValue()).as(watchErr).isZero();
      assertThat(Files.readString(watchOut)).startsWith("loop-cli  AWAITING_APPROVAL").contains("loop-cli  SUCCEEDED");
      assertThat(watchErr).contains("reconnecting after event ");

      Result again = run("watch", "loop-cli");
      assertThat(again.code()).isZero();
      assertThat(again.out()).startsWith("loop-cli  SUCCEEDED");

      Result logs = call("logs", "loop-cli");
      assertThat(logs.out()).startsWith("LOG\n").contains("iter-0001-make.log\n").contains("iter-0001-check-fixed.log\n");
      // A log ends without a newline of the CLI's own: it is printed whole all the same.
      assertThat(call("logs", "loop-cli", "iter-0001-check-fixed.log").out()).contains("fixed");
      assertThat(call("fork", "loop-cli", "1", "--name", "cli-fork").out()).isEqualTo("forked loop-cli at checkpoint 1 as loop-cli-fork\n");
      assertThat(JsonPath.<String>read(call("fork", "loop-cli", "1", "--name", "cli-fork-json", "-o", "json").out(), "$.id"))
          .isEqualTo("loop-cli-fork-json");

      Result refused = call("rollback", "loop-cli", "1");
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err()).startsWith("durable-loops: loop loop-cli has ended (COMPLETED) (HTTP 409)");

      // A loop at its cap asks for more: extend, pause, resume, cancel; watch exits 6 for CANCELLED.
      Path budgetSpec = Files.writeString(tmp.resolve("budget.json"), """
          {"name": "cli-budget", "goal": "Never fixed", "workspace": {"repository": "%s"},
           "make": {"command": "echo still broken > a.txt"}, "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}],
           "caps": {"maxIterations": 1, "onCap": "ASK"}}
          """.formatted(repo));
      assertThat(call("start", budgetSpec.toString()).out()).startsWith("started loop-cli-budget\n");
      app.awaitState("loop-cli-budget", java.util.Set.of("AWAITING_BUDGET"), Duration.ofSeconds(90));
      Result extended = call("extend", "loop-cli-budget", "--iterations", "2", "-m", "one more try");
      assertThat(extended.code()).as(extended.err()).isZero();
      assertThat(extended.out()).startsWith("extended loop-cli-budget: at most 2 iterations, ");
      assertThat(call("pause", "loop-cli-budget").out())
          .isEqualTo("loop-cli-budget: pause requested; the loop pauses before its next iteration\n");
      assertThat(call("resume", "loop-cli-budget").out()).isEqualTo("loop-cli-budget: resume requested\n");
      assertThat(call("cancel", "loop-cli-budget").out()).isEqualTo("loop-cli-budget: cancellation requested\n");
      Result cancelled = run("watch", "loop-cli-budget");
      assertThat(cancelled.code()).as(cancelled.out() + cancelled.err()).isEqualTo(6);
      assertThat(cancelled.out()).contains("loop-cli-budget  CANCELLED");

      // Schedules.
      Result created = call("schedules", "create", "nightly", spec.toString(), "--every", "PT24H", "--paused", "--note", "not yet");
      assertThat(created.code()).as(created.err()).isZero();
      assertThat(created.out()).startsWith("schedule-nightly  PAUSED · every PT24H · overlap SKIP\n").contains("  note: not yet\n");
      assertThat(call("schedules", "list").out()).startsWith("ID                STATE   CADENCE      NEXT RUN")
          .containsPattern("\nschedule-nightly  PAUSED  every PT24H  .*  0     Fix a.txt\n");
      assertThat(call("schedules", "unpause", "schedule-nightly").out()).startsWith("schedule-nightly  ACTIVE").contains("  next ");
      Result paused = call("schedules", "pause", "schedule-nightly", "-m", "holiday");
      assertThat(paused.out()).as(paused.code() + " " + paused.err()).contains("  note: holiday\n");
      assertThat(call("schedules", "show", "schedule-nightly").out()).startsWith("schedule-nightly  PAUSED");
      assertThat(call("schedules", "delete", "schedule-nightly").out()).isEqualTo("deleted schedule-nightly; the loops it started stay\n");
      assertThat(call("schedules", "list", "-o", "json").out().strip()).isEqualTo("[ ]");

      // Rules.
      Result rule = call("rules", "add", "--loop", "loop-cli", "Keep", "a.txt", "one", "line");
      assertThat(rule.code()).as(rule.err()).isZero();
      assertThat(rule.out()).startsWith("added ").endsWith(" of " + repo + ": Keep a.txt one line\n");
      String ruleId = rule.out().split(" ")[1];
      assertThat(call("rules", "list", "--repository", repo.toString()).out()).startsWith("ID")
          .contains(ruleId + "  IN FORCE").contains("Keep a.txt one line");
      assertThat(call("rules", "set", ruleId, "--retire").out()).startsWith("set " + ruleId + " (retired) of ");

      // Completion: picocli's script for bash and zsh.
      assertThat(call("completion").out()).contains("complete -F _complete_durable-loops").contains("schedules");

      env = Map.of("DURABLE_LOOPS_URL", "http://127.0.0.1:" + app.port);
      Result noToken = run("show", "loop-cli");
      assertThat(noToken.code()).isEqualTo(2);
      assertThat(noToken.err()).contains("no API token");
    }
  }
}
