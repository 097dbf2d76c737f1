package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One machine as many: a dev server (without eager activity dispatch, as on a cluster), two worker
 * processes with data directories of their own, an API-only process, and one git store they share.
 * Loops run on a real repository (iterations before the last kill rejected, the next accepted); while makers run, the
 * worker holding the most workspaces is killed with SIGKILL. Every loop must end as on one machine,
 * with exactly its one checkpoint in the store, the killed worker's loops must move to the other
 * worker, and diffs and forks must work through the API-only process.
 *
 * <p>{@code -Ddurable-loops.many-machines.loops=N} (default 20) and
 * {@code -Ddurable-loops.many-machines.kills=K} (default 1; each kill starts a fresh worker in the
 * dead one's place first) make the long version ({@code deploy/many-machines.sh}), and
 * {@code -Ddurable-loops.temporal-target=host:port} runs it against a real cluster
 * ({@code CLUSTER=1 deploy/many-machines.sh}, which starts {@code deploy/cluster.sh --server-only}).
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ManyMachinesIT {

  static final int LOOPS = Integer.getInteger("durable-loops.many-machines.loops", 20);
  static final int KILLS = Integer.getInteger("durable-loops.many-machines.kills", 1);

  /** The iteration from which makers fix the file: every loop lives through every kill. */
  static final int FIXED_AT = KILLS + 1;

  /**
   * Heartbeat timeout (10 s, not retried on the dead worker's queue) + every lost loop's move through
   * the other worker at once (a workspace prepared each, on a loaded machine), with room.
   */
  static final Duration MOVE_LIMIT = Duration.ofSeconds(40);

  @TempDir static Path tmp;
  static Platform platform;

  @AfterAll
  static void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  void loopsMoveOffAKilledWorkerAndEndAsOnOneMachine() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    platform = new Platform(tmp);
    platform.startServerUnlessExternal();
    Map<String, Process> workers = new LinkedHashMap<>();
    int started = 0;
    for (; started < 2; started++) {
      String name = "worker-" + (char) ('a' + started);
      workers.put(name, platform.startMachine(name, "worker", Map.of("DURABLE_LOOPS_WORKER_ID", name)));
    }
    platform.startMachine("api", "api", Map.of());
    Platform.App api = platform.machine("api");
    // A worker answers its management endpoints, and no API.
    Platform.App workerA = platform.machine("worker-a");
    assertThat(workerA.status("GET", "/actuator/health/liveness", null)).isEqualTo(200);
    assertThat(workerA.status("GET", "/api/loops", null)).isIn(401, 404);
    Path repo = platform.repository("many", Map.of("a.txt", "a\n"));

    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= LOOPS; i++) {
      String body = api.call("POST", "/api/loops", """
          {"name": "mm-%d", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
           "make": {"command": "if [ \\"$LOOP_ITERATION\\" -ge %d ]; then echo fixed > a.txt; sleep 1; else sleep 8; fi", "timeout": "PT2M"},
           "checks": [{"name": "fixed", "command": "grep -q fixed a.txt", "timeout": "PT1M"}],
           "caps": {"maxIterations": %d}}
          """.formatted(i, repo, FIXED_AT, FIXED_AT + 6));
      ids.add(JsonPath.read(body, "$.id"));
    }

    Map<String, Long> movedAfterMillis = new HashMap<>();
    Set<String> lostLoops = new java.util.HashSet<>();
    for (int kill = 1; kill <= KILLS; kill++) {
      if (kill < KILLS) {
        String fresh = "worker-" + (char) ('a' + started++);
        workers.put(fresh, platform.startMachine(fresh, "worker", Map.of("DURABLE_LOOPS_WORKER_ID", fresh)));
      }
      // Kill while makers run: wait until most loops are in a long (8 s) Make, and kill the worker
      // that runs the most of them; its loops as they stand then are those that must move.
      String victim = null;
      List<String> victims = new ArrayList<>();
      long choose = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (victims.isEmpty() && System.nanoTime() < choose) {
        victim = awaitMakers(api, ids).values().stream()
            .collect(java.util.stream.Collectors.groupingBy(q -> q, java.util.stream.Collectors.counting()))
            .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        for (String id : ids) {
          String state = api.call("GET", "/api/loops/" + id, null);
          // Before FIXED_AT every Make takes 8 s, so these cannot finish before the kill.
          if (victim.equals(JsonPath.read(state, "$.worker")) && "RUNNING".equals(JsonPath.read(state, "$.status"))
              && JsonPath.<Integer>read(state, "$.iteration") < FIXED_AT) {
            victims.add(id);
          }
        }
      }
      assertThat(victims).as("loops in a long Make on the worker to kill").isNotEmpty();
      String victimName = victim.substring(victim.indexOf('@') + 1);
      long killedAt = System.nanoTime();
      Platform.kill(workers.remove(victimName));
      lostLoops.addAll(victims);
      // Each of its loops must be served by another worker within the limit.
      Set<String> waiting = new java.util.HashSet<>(victims);
      String killed = victim;
      await("loops still on the killed worker " + victim).atMost(MOVE_LIMIT.plusSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> {
            for (String id : List.copyOf(waiting)) {
              String state = api.call("GET", "/api/loops/" + id, null);
              String worker = JsonPath.read(state, "$.worker");
              String status = JsonPath.read(state, "$.status");
              if ((worker != null && !worker.equals(killed)) || "SUCCEEDED".equals(status)) {
                movedAfterMillis.put(id, (System.nanoTime() - killedAt) / 1_000_000);
                waiting.remove(id);
              }
            }
            return waiting.isEmpty();
          });
    }

    int checkpoints = 0;
    try (Repository store = new FileRepositoryBuilder().setGitDir(tmp.resolve("store.git").toFile()).setMustExist(true).build()) {
      for (String id : ids) {
        String state = api.awaitState(id, Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(5));
        assertThat(JsonPath.<String>read(state, "$.status")).as(id + ": " + JsonPath.read(state, "$.stopReason")).isEqualTo("SUCCEEDED");
        List<String> commits = JsonPath.read(state, "$.checkpoints[*].commit");
        assertThat(commits).as(id + " checkpoints").hasSize(1);
        // Exactly one checkpoint in the store, at the commit the workflow names.
        assertThat(store.getRefDatabase().getRefsByPrefix("refs/tags/loops/" + id + "/")).as(id + " tags in the store")
            .extracting(r -> r.getName() + "=" + r.getObjectId().name())
            .containsExactly("refs/tags/loops/" + id + "/cp-1=" + commits.get(0));
        checkpoints++;
        if (lostLoops.contains(id)) {
          List<String> reasons = JsonPath.read(state, "$.iterations[*].reason");
          assertThat(reasons).as(id + " timeline").anyMatch(r -> r != null && r.contains("was lost during"));
        }
        // Diffs and step logs come from the store through the API-only process.
        assertThat(api.call("GET", "/api/loops/" + id + "/checkpoints/1/diff", null)).contains("+fixed");
        List<String> logs = JsonPath.read(api.call("GET", "/api/loops/" + id + "/logs", null), "$");
        assertThat(logs).as(id + " logs").anyMatch(name -> name.endsWith("-check-fixed.log"));
        api.call("GET", "/api/loops/" + id + "/logs/" + logs.get(0), null);
      }
    }

    // A fork through the API-only process, from a moved loop's checkpoint.
    String source = lostLoops.iterator().next();
    String fork = JsonPath.read(api.call("POST", "/api/loops/" + source + "/fork", "{\"checkpoint\": 1}"), "$.id");
    String forked = api.awaitState(fork, Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(3));
    assertThat(JsonPath.<String>read(forked, "$.status")).as(fork + ": " + JsonPath.read(forked, "$.stopReason")).isEqualTo("SUCCEEDED");

    long slowest = movedAfterMillis.values().stream().mapToLong(Long::longValue).max().orElse(0);
    System.out.printf("many machines (%s): %d loops, %d kill(s), %d loops moved off killed workers (slowest in %.1f s, "
        + "median %.1f s), %d checkpoints in the store, 0 lost, 0 duplicated; fork through the API-only process %s%n",
        Platform.EXTERNAL_TARGET == null ? "dev server" : "cluster at " + Platform.EXTERNAL_TARGET, LOOPS, KILLS, movedAfterMillis.size(), slowest / 1000.0, median(movedAfterMillis.values()) / 1000.0, checkpoints, fork);
    assertThat(Duration.ofMillis(slowest)).isLessThan(MOVE_LIMIT);
  }

  /**
   * Waits until most running loops are in a long Make (an iteration before {@link #FIXED_AT}), at
   * least one of them, and at most 3 minutes; answers the worker of each loop in such a Make.
   */
  private static Map<String, String> awaitMakers(Platform.App api, List<String> ids) {
    return await("loops in a long Make").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).until(() -> {
      Map<String, String> holder = new HashMap<>();
      int running = 0;
      for (String id : ids) {
        String state = api.call("GET", "/api/loops/" + id, null);
        String worker = JsonPath.read(state, "$.worker");
        if (worker != null && "MAKE".equals(JsonPath.read(state, "$.phase")) && JsonPath.<Integer>read(state, "$.iteration") < FIXED_AT) {
          holder.put(id, worker);
        }
        if ("RUNNING".equals(JsonPath.read(state, "$.status"))) {
          running++;
        }
      }
      return running > 0 && holder.size() * 2 >= running ? holder : null;
    }, holder -> holder != null);
  }

  private static double median(java.util.Collection<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
  }
}
