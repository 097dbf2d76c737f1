package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet survives the SIGKILL of the app running it (issue 21, item 7): the fan-out of
 * {@code examples/fleet} (four tasks, two of which conflict) on the real dev server with two apps on
 * the same data directory (so the same worker id and host queue, as {@link CrashRecoveryIT} does);
 * the app holding the parent, its children and their makers is killed while the makers run, and the
 * fleet must end SUCCEEDED on the other app with every task landed exactly once on the parent's
 * branch. Also best-of-N with two stand-in agents. Figures are printed, not asserted.
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class FleetCrashIT {

  @TempDir static Path tmp;
  static Platform platform;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    platform = new Platform(tmp);
    platform.startServer();
  }

  @AfterAll
  static void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
  }

  /**
   * The first app runs alone until both children of the first pair are in their Make, so it holds the
   * parent, both children (their workflow tasks) and both makers; the second app starts then, the
   * first is killed, and the makers (held back on a file until after the kill) are released.
   */
  @Test
  void fleetSurvivesTheKillOfTheAppRunningItAndLandsEveryTaskOnce() throws Exception {
    Platform.App one = platform.startApp(true, CrashRecoveryIT.UNSANDBOXED);
    Path example = Path.of("..", "examples", "fleet").toAbsolutePath().normalize();
    Map<String, String> files = new TreeMap<>();
    try (var list = Files.list(example.resolve("repo"))) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), Files.readString(p));
      }
    }
    Path strkit = platform.repository("strkit", files);
    // The example's maker, after it writes its pid (a line per run) and waits for the file go.
    Path pids = tmp.resolve("makers.pid");
    Path go = tmp.resolve("go");
    String make = "echo $$ >> " + pids + "; while [ ! -e " + go + " ]; do sleep 0.2; done; python3 " + example.resolve("maker.py");
    String spec = Files.readString(example.resolve("loop.json"))
        .replace("python3 ${EXAMPLE_DIR}/maker.py", make)
        .replace("${REPOSITORY}", strkit.toString()).replace("${EXAMPLE_DIR}", example.toString());
    assertThat(spec).contains(pids.toString());
    long started = System.nanoTime();
    one.call("POST", "/api/loops", spec);

    List<Long> makers = await("both children of the first pair in their Make").atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> Files.exists(pids) ? Files.readString(pids).lines().map(String::trim).map(Long::parseLong).toList() : List.<Long>of(),
            list -> list.size() >= 2);
    assertThat(makers).as("the makers run under the only app").allMatch(pid -> descends(pid, one.process.pid()));
    Platform.App two = platform.startApp(true, CrashRecoveryIT.UNSANDBOXED);
    String before = two.call("GET", "/api/loops/loop-strkit-fleet", null);
    assertThat(JsonPath.<List<String>>read(before, "$.fleet.children[*].status")).containsExactly("RUNNING", "RUNNING");
    Platform.kill(one.process);
    long killed = System.nanoTime();
    await("the makers die with their app").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> makers.stream().noneMatch(FleetCrashIT::alive));
    Files.writeString(go, "");

    String done = two.awaitState("loop-strkit-fleet", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED"),
        Duration.ofMinutes(8));
    System.out.printf("fleet crash: the fleet ended %s on the other app %.1f s after the kill (%.1f s after it started)%n",
        JsonPath.<String>read(done, "$.status"), (System.nanoTime() - killed) / 1e9, (System.nanoTime() - started) / 1e9);
    assertThat(JsonPath.<String>read(done, "$.status")).as(done).isEqualTo("SUCCEEDED");

    // Every landed commit on the parent's branch names its child: each task appears once, none is missing.
    Map<String, String> taskOf = new HashMap<>();
    List<Map<String, Object>> children = JsonPath.read(done, "$.fleet.children");
    for (Map<String, Object> child : children) {
      taskOf.put((String) child.get("loopId"), (String) child.get("taskId"));
    }
    List<String> landed = new ArrayList<>();
    for (String loopId : landedChildren(tmp.resolve("data/store.git"), JsonPath.read(done, "$.headCommit"))) {
      landed.add(taskOf.getOrDefault(loopId, "unknown child " + loopId));
    }
    System.out.printf("fleet crash: children %s, landed in order %s, %d maker runs%n", taskOf, landed,
        Files.readString(pids).lines().count());
    assertThat(landed).as("each task landed exactly once").containsExactlyInAnyOrder("title", "reverse", "upper", "lower");
    Platform.kill(two.process);
  }

  /**
   * Best-of-N on the dev server: three attempts by two different stand-in agents (a Python one, run
   * twice with different settings, and a shell one) on the {@code examples/fleet} repository; the
   * gate keeps the attempt that passes with the smallest diff and {@code GET /api/loops/{id}} says so.
   */
  @Test
  void bestOfThreeAttemptsByTwoAgentsReportsTheWinnerAndTheDecidingRule() throws Exception {
    Platform.App app = platform.startApp(true, CrashRecoveryIT.UNSANDBOXED);
    Path example = Path.of("..", "examples", "fleet").toAbsolutePath().normalize();
    Map<String, String> files = new TreeMap<>();
    try (var list = Files.list(example.resolve("repo"))) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), Files.readString(p));
      }
    }
    Path repo = platform.repository("strkit-best", files);
    // Agent one (Python): writes the helper, right or (with --wrong) wrong. Agent two (shell): writes
    // it right with a comment and a test file besides, a larger diff.
    Path terse = Files.writeString(tmp.resolve("terse_agent.py"), """
        import sys
        body = "return text.lower()" if "--wrong" in sys.argv else "return text.upper()"
        open("upper.py", "w").write("def upper(text):\\n    %s\\n" % body)
        """);
    Path verbose = Files.writeString(tmp.resolve("verbose_agent.sh"), """
        printf '# The text in capitals.\\ndef upper(text):\\n    return text.upper()\\n' > upper.py
        printf 'from upper import upper\\n\\nassert upper("ab") == "AB"\\nassert upper("") == ""\\n' > test_upper.py
        """);
    String id = "loop-strkit-best";
    app.call("POST", "/api/loops", """
        {"name": "strkit-best", "goal": "Add the upper helper", "workspace": {"repository": "%s"},
         "make": {"command": "true", "timeout": "PT5M", "variants": [
           {"name": "terse", "command": "python3 %s"},
           {"name": "verbose", "command": "sh %s"},
           {"name": "terse-wrong", "command": "python3 %s --wrong"}]},
         "checks": [{"name": "upper", "command": "python3 -c 'from upper import upper; assert upper(\\"ab\\") == \\"AB\\"'",
                     "timeout": "PT1M", "required": true}],
         "gate": {"approval": "NEVER"}, "caps": {"maxIterations": 2}}
        """.formatted(repo, terse, verbose, terse));
    String done = app.awaitState(id, Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED"), Duration.ofMinutes(6));
    assertThat(JsonPath.<String>read(done, "$.status")).as(done).isEqualTo("SUCCEEDED");
    List<Map<String, Object>> selections = JsonPath.read(done, "$.iterations[?(@.selection)].selection");
    assertThat(selections).as(done).hasSize(1);
    Map<String, Object> selection = selections.get(0);
    System.out.printf("best of three: %s%n", selection);
    assertThat(selection.get("winner")).isEqualTo(1);
    assertThat(selection.get("rule")).isEqualTo("smaller diff");
    List<String> variants = JsonPath.read(selection, "$.attempts[*].variant");
    assertThat(variants).containsExactly("terse", "verbose", "terse-wrong");
    List<Boolean> passed = JsonPath.read(selection, "$.attempts[*].passed");
    assertThat(passed).containsExactly(true, true, false);
    Platform.kill(app.process);
  }

  /** The child loop ids of the {@code Landed-From:} trailers along the first parents of {@code head}, oldest first. */
  private static List<String> landedChildren(Path store, String head) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Repository repo = new FileRepositoryBuilder().setGitDir(store.toFile()).setMustExist(true).build();
        RevWalk walk = new RevWalk(repo)) {
      for (RevCommit c = walk.parseCommit(repo.resolve(head)); c != null; c = c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0))) {
        for (String line : c.getFullMessage().split("\n")) {
          if (line.startsWith("Landed-From: ")) {
            ids.add(0, line.split(" ")[1]);
          }
        }
      }
    }
    return ids;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
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
