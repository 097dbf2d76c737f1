package dev.durableloops.api;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and reset guarantees against real processes: the packaged app and the Temporal CLI dev
 * server are child processes killed with SIGKILL and started again on the same data. Each test fails
 * if its guarantee is broken. Figures (recovery time) are printed, not asserted tightly.
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CrashRecoveryIT {

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

  private static long readPid(Path file) {
    return Long.parseLong(await("a pid in " + file).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> Files.exists(file) ? Files.readString(file).trim() : "", text -> !text.isEmpty()));
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

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * The pid-file tests read the maker's pid from outside its workspace, which the sandbox forbids
   * (and under it a pid is the sandbox's own); they run with the process group and the cgroup alone.
   * {@code SandboxTest} and {@link ResetRecoveryIT} run sandboxed.
   */
  static final Map<String, String> UNSANDBOXED = Map.of("DURABLE_LOOPS_SANDBOX_MODE", "NONE");

  /**
   * Two apps on the same data directory, so with the same worker id and host queue: one runs the
   * maker and is killed. The Make's heartbeat lapses (10 s), which on a worker's own queue is not
   * retried: the loop counts the worker as lost and prepares the workspace again on a live worker —
   * here the other app, which reconciles the same directory — a second timeline row.
   */
  @Test
  void appKilledDuringMakeResumesFromTheSameCheckpointWithoutOrphans() throws Exception {
    Platform.App one = platform.startApp(true, UNSANDBOXED);
    Platform.App two = platform.startApp(true, UNSANDBOXED);
    Path repo = platform.repository("worker-crash", Map.of("a.txt", "a\n"));
    Path pidFile = tmp.resolve("data/loops/loop-worker-crash/maker.pid");
    // The maker appends to a.txt before sleeping: a retry that did not start from the checkpoint
    // would see the first try's line too.
    String make = "echo $$ > ../maker.pid; echo attempt >> a.txt; sleep 6; echo fixed >> a.txt";
    one.call("POST", "/api/loops", Platform.fixSpec("worker-crash", repo, make, "NEVER"));
    long first = readPid(pidFile);
    Files.delete(pidFile);
    Platform.App app = descends(first, one.process.pid()) ? one : two;
    Platform.App again = app == one ? two : one;
    assertThat(descends(first, app.process.pid())).as("the maker runs under one of the apps").isTrue();

    Platform.kill(app.process);
    long killed = System.nanoTime();
    // The step's supervisor holds a pipe from the worker: the worker's death, even by SIGKILL, ends
    // the step's processes at once instead of leaving them to the next claim (issue 19, item 7).
    await("the maker dies with its worker").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> !alive(first));

    long second = readPid(pidFile);
    double recovery = (System.nanoTime() - killed) / 1e9;
    System.out.printf("worker crash: Make running again %.1f s after the app was killed, on the other app (heartbeat timeout 10 s)%n",
        recovery);
    assertThat(second).isNotEqualTo(first);
    assertThat(descends(second, again.process.pid())).as("the retry runs on the app still up").isTrue();
    assertThat(recovery).as("moving again within seconds, far below the 5-minute step timeout").isLessThan(60);
    assertThat(alive(first)).as("the orphaned maker was killed").isFalse();

    String done = again.awaitState("loop-worker-crash", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    assertThat(JsonPath.<List<String>>read(done, "$.iterations[*].reason")).as("the interrupted iteration, then the one that succeeded")
        .hasSize(2).first().asString().contains("was lost during Make");
    assertThat(fileAt(tmp.resolve("data/loops/loop-worker-crash/workspace"), JsonPath.read(done, "$.headCommit"), "a.txt"))
        .isEqualTo("a\nattempt\nfixed\n");
    Platform.kill(again.process);
  }

  /**
   * One app, killed during Make and started again on the same data directory (so with the same
   * worker id), and the loop goes on from the same checkpoint. A new life up within the 10 s heartbeat
   * timeout hands the step its dead life held back to Temporal at once ({@code HeldSteps}); one that
   * takes longer (a loaded machine) finds the loop moved: the heartbeat lapsed, the worker
   * counted as lost, and the restarted app, the only worker, prepares the workspace again.
   */
  @Test
  void appRestartedAfterACrashHandsItsStepBackAtOnce() throws Exception {
    Platform.App app = platform.startApp(true, UNSANDBOXED);
    Path repo = platform.repository("restart", Map.of("a.txt", "a\n"));
    Path pidFile = tmp.resolve("data/loops/loop-restart/maker.pid");
    String make = "echo $$ > ../maker.pid; echo attempt >> a.txt; sleep 6; echo fixed >> a.txt";
    app.call("POST", "/api/loops", Platform.fixSpec("restart", repo, make, "NEVER"));
    long first = readPid(pidFile);
    Files.delete(pidFile);

    Platform.kill(app.process);
    long killed = System.nanoTime();
    Platform.App again = platform.startApp(true, UNSANDBOXED);
    long up = System.nanoTime();
    long second = readPid(pidFile);
    long running = System.nanoTime();
    double startSeconds = (up - killed) / 1e9;
    double resumeSeconds = (running - up) / 1e9;
    System.out.printf("worker restart: app up %.1f s after the kill, Make running again %.1f s after that (heartbeat timeout 10 s)%n",
        startSeconds, resumeSeconds);
    assertThat(second).isNotEqualTo(first);
    assertThat(descends(second, again.process.pid())).as("the step runs again on the restarted app").isTrue();

    String log = Files.readString(tmp.resolve("app-" + again.port + ".log"));
    boolean handedBack = log.contains("handed back 1 step(s) of this worker's previous life");
    System.out.printf("worker restart: %s%n", handedBack ? "the step was handed back" : "the heartbeat lapsed first: the loop moved");

    String done = again.awaitState("loop-restart", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    List<String> reasons = JsonPath.read(done, "$.iterations[*].reason");
    if (handedBack) {
      assertThat(reasons).as("the step was retried in its iteration").hasSize(1);
    } else {
      assertThat(reasons).as("the interrupted iteration, then the one that succeeded").hasSize(2).first().asString()
          .contains("was lost during Make");
    }
    assertThat(fileAt(tmp.resolve("data/loops/loop-restart/workspace"), JsonPath.read(done, "$.headCommit"), "a.txt"))
        .isEqualTo("a\nattempt\nfixed\n");
    Platform.kill(again.process);
  }

  /**
   * Two workers with data directories of their own and one git store; the one running the maker is
   * killed and not started again. Its Make stops heartbeating, the heartbeat timeout is not retried on
   * its queue (nobody polls there any more), and the loop prepares the workspace on the other worker,
   * where Make runs again and the loop succeeds from the same checkpoint. The history shows one
   * attempt of the lost Make, ended by its heartbeat timeout. The time from the kill to the maker
   * running on the other worker is printed ({@code bench/run.sh --only recovery} measures it).
   */
  @Test
  void workerKilledAndNotRestartedLosesItsLoopToTheOtherWorker() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(UNSANDBOXED);
    // Each worker's own heartbeat timeout (durable-loops.worker.heartbeat-timeout) reaches its steps through its Prepare.
    env.put("DURABLE_LOOPS_HEARTBEAT_TIMEOUT", "5s");
    Map<String, Process> workers = new java.util.LinkedHashMap<>();
    for (String name : List.of("lost-a", "lost-b")) {
      env.put("DURABLE_LOOPS_WORKER_ID", name);
      workers.put(name, platform.startMachine(name, null, env));
    }
    Platform.App a = platform.machine("lost-a");
    Path repo = platform.repository("lost", Map.of("a.txt", "a\n"));
    a.call("POST", "/api/loops", Platform.fixSpec("lost", repo, "echo $$ > ../maker.pid; echo attempt >> a.txt; sleep 6; echo fixed >> a.txt",
        "NEVER"));
    String holder = await("a maker on either worker").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> workers.keySet().stream().filter(n -> Files.exists(tmp.resolve(n + "/loops/loop-lost/maker.pid"))).findFirst().orElse(null),
            n -> n != null);
    String other = holder.equals("lost-a") ? "lost-b" : "lost-a";
    readPid(tmp.resolve(holder + "/loops/loop-lost/maker.pid"));

    Platform.kill(workers.get(holder));
    long killed = System.nanoTime();
    readPid(tmp.resolve(other + "/loops/loop-lost/maker.pid"));
    System.out.printf("lost worker: Make running on the other worker %.1f s after the kill (heartbeat timeout 5 s, not retried)%n",
        (System.nanoTime() - killed) / 1e9);

    Platform.App live = platform.machine(other);
    String done = live.awaitState("loop-lost", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    assertThat(JsonPath.<List<String>>read(done, "$.iterations[*].reason")).hasSize(2).first().asString()
        .contains("worker " + "durable-loops@" + holder + " was lost during Make");
    assertThat(JsonPath.<String>read(done, "$.worker")).isEqualTo("durable-loops@" + other);

    // The lost Make ran once: its heartbeat timeout went to the workflow, not to a retry on the dead worker's queue.
    io.temporal.serviceclient.WorkflowServiceStubs stubs = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
        io.temporal.serviceclient.WorkflowServiceStubsOptions.newBuilder().setTarget(platform.target()).build());
    try {
      var history = io.temporal.client.WorkflowClient.newInstance(stubs).fetchHistory("loop-lost").getEvents();
      var timedOut = history.stream().filter(e -> e.hasActivityTaskTimedOutEventAttributes()).toList();
      assertThat(timedOut).singleElement().satisfies(e -> assertThat(e.getActivityTaskTimedOutEventAttributes().getFailure()
          .getTimeoutFailureInfo().getTimeoutType()).isEqualTo(io.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT));
      long startedId = timedOut.get(0).getActivityTaskTimedOutEventAttributes().getStartedEventId();
      assertThat(history.stream().filter(e -> e.getEventId() == startedId).findFirst().orElseThrow()
          .getActivityTaskStartedEventAttributes().getAttempt()).as("attempts of the lost Make").isEqualTo(1);
      long scheduledId = timedOut.get(0).getActivityTaskTimedOutEventAttributes().getScheduledEventId();
      assertThat(history.stream().filter(e -> e.getEventId() == scheduledId).findFirst().orElseThrow()
          .getActivityTaskScheduledEventAttributes().getHeartbeatTimeout().getSeconds()).as("the worker's heartbeat timeout, s").isEqualTo(5);
    } finally {
      stubs.shutdownNow();
    }
    Platform.kill(workers.get(other));
  }

  @Test
  void serverKilledMidLoopContinuesFromItsSqliteFile() throws Exception {
    Platform.App app = platform.startApp(true, UNSANDBOXED);
    Path repo = platform.repository("server-crash", Map.of("a.txt", "a\n"));
    Path pidFile = tmp.resolve("data/loops/loop-server-crash/maker.pid");
    app.call("POST", "/api/loops", Platform.fixSpec("server-crash", repo, "echo $$ > ../maker.pid; sleep 4; echo fixed > a.txt", "NEVER"));
    readPid(pidFile);

    Platform.kill(platform.server);
    Thread.sleep(2000);
    platform.startServer();

    String done = app.awaitState("loop-server-crash", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(3));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    Platform.kill(app.process);
  }

  @Test
  void decisionsSentWhileNoWorkerIsUpAreNotLost() throws Exception {
    Platform.App app = platform.startApp(true);
    Path repo = platform.repository("no-worker", Map.of("a.txt", "a\n"));
    app.call("POST", "/api/loops", Platform.fixSpec("no-worker", repo, "echo fixed > a.txt", "ON_PASS"));
    String waiting = app.awaitState("loop-no-worker", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(1));
    String diffHash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
    Platform.kill(app.process);

    Platform.App apiOnly = platform.startApp(false);
    String offline = apiOnly.call("GET", "/api/loops/loop-no-worker", null);
    assertThat(JsonPath.<Boolean>read(offline, "$.live")).isFalse();
    assertThat(JsonPath.<String>read(offline, "$.status")).isEqualTo("AWAITING_APPROVAL");
    var decided = apiOnly.send("POST", "/api/loops/loop-no-worker/decision",
        "{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\", \"by\": \"offline\"}");
    assertThat(decided.statusCode()).as(decided.body()).isEqualTo(202);
    assertThat(apiOnly.status("POST", "/api/loops/loop-no-worker/notes", "{\"text\": \"sent while no worker was up\"}")).isEqualTo(202);

    Platform.App worker = platform.startApp(true);
    String done = worker.awaitState("loop-no-worker", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<String>read(done, "$.iterations[0].reason")).isEqualTo("approved by api-token");
    assertThat(JsonPath.<String>read(done, "$.notes[0].text")).isEqualTo("sent while no worker was up");

    // A decision for an attempt that is no longer pending is a clear 409.
    var late = worker.send("POST", "/api/loops/loop-no-worker/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\"}");
    assertThat(late.statusCode()).isEqualTo(409);
    Platform.kill(apiOnly.process);
    Platform.kill(worker.process);
  }

  private static String fileAt(Path repo, String commit, String path) throws Exception {
    try (Git git = Git.open(repo.toFile());
        RevWalk walk = new RevWalk(git.getRepository());
        TreeWalk tree = TreeWalk.forPath(git.getRepository(), path, walk.parseCommit(git.getRepository().resolve(commit)).getTree())) {
      return new String(git.getRepository().open(tree.getObjectId(0)).getBytes());
    }
  }
}
