package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker that gets SIGTERM mid-Make drains (issue 22, item 3): the packaged app stops taking
 * steps, lets the running Make finish and report over a live connection, answers the API while it
 * drains, and exits without a stack trace in its log; the loop goes on on the other worker without
 * running the Make again.
 */
@Tag("long") // two app starts and a loop: 26 to 42 s here; deploy/long-tests.sh and CI run it
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WorkerDrainIT {

  @TempDir Path tmp;

  /** A Java stack trace line ({@code \tat a.b.C.m(C.java:1)}) or a "Caused by". */
  static final Pattern STACK_TRACE = Pattern.compile("^\\s+at [\\w$.]+\\(.*\\)$|^Caused by: ", Pattern.MULTILINE);

  @Test
  void sigtermMidMakeLetsTheStepFinishAndTheLoopGoesOnWithoutRepeatingIt() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      // The maker writes outside its workspace (its pid, a log of its runs): unsandboxed, as in CrashRecoveryIT.
      Platform.App one = platform.startApp(true, CrashRecoveryIT.UNSANDBOXED);
      Platform.App two = platform.startApp(true, CrashRecoveryIT.UNSANDBOXED);
      Path repo = platform.repository("drain", Map.of("a.txt", "a\n"));
      Path runs = tmp.resolve("maker-runs");
      Path pid = tmp.resolve("maker.pid");
      String make = "echo $$ > " + pid + "; echo started >> " + runs + "; sleep 6; echo fixed > a.txt; echo finished >> " + runs;
      one.call("POST", "/api/loops", Platform.fixSpec("drain", repo, make, "NEVER"));
      long maker = Long.parseLong(await("the maker's pid").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> Files.exists(pid) ? Files.readString(pid).trim() : "", text -> !text.isEmpty()));
      Platform.App draining = descends(maker, one.process.pid()) ? one : two;
      Platform.App other = draining == one ? two : one;
      assertThat(descends(maker, draining.process.pid())).as("the maker runs under one of the apps").isTrue();

      draining.process.destroy(); // SIGTERM
      long terminated = System.nanoTime();
      // The API answers while its workers drain.
      assertThat(draining.status("GET", "/api/loops/loop-drain", null)).isEqualTo(200);
      assertThat(draining.process.waitFor(60, TimeUnit.SECONDS)).as("the app exits once drained").isTrue();
      double drained = (System.nanoTime() - terminated) / 1e9;
      System.out.printf("SIGTERM mid-Make: the app exited %.1f s later, after the step finished%n", drained);

      assertThat(Files.readAllLines(runs)).as("the Make finished once and was not run again").isEqualTo(List.of("started", "finished"));
      String done = other.awaitState("loop-drain", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
      assertThat(JsonPath.<String>read(done, "$.status")).as(done).isEqualTo("SUCCEEDED");
      assertThat(JsonPath.<Integer>read(done, "$.iterations.length()")).isEqualTo(1);
      assertThat(Files.readAllLines(runs)).as("no Make after the drain either").isEqualTo(List.of("started", "finished"));

      String log = Files.readString(tmp.resolve("app-" + draining.port + ".log"));
      assertThat(log).contains("workers drained");
      assertThat(STACK_TRACE.matcher(log).find()).as("no stack trace in the drained app's log:%n%s", log).isFalse();
    }
  }

  /** Whether process {@code pid} is {@code ancestor} or runs under it. */
  private static boolean descends(long pid, long ancestor) {
    for (var p = ProcessHandle.of(pid); p.isPresent(); p = p.get().parent()) {
      if (p.get().pid() == ancestor) {
        return true;
      }
    }
    return false;
  }
}
