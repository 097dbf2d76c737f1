package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.LoopStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker's maker limits ({@link MakerLimits}) hold while fleets run: two best-of-4 loops on two
 * repositories on one worker allowing 3 makers at once and 2 per repository. Each maker writes when
 * it starts and ends ({@code date +%s%N}, one line each, into one file outside the workspaces); the
 * overlap of those intervals is what ran at once. Time-skipping server, real repositories and
 * processes (unconfined, so the makers can write the shared file).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MakerLimitsWorkflowTest {

  static final Path DATA = TestLoops.dataDir("maker-limits-test");
  static final Path TIMES = DATA.resolve("maker-times.txt");

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA,
      new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), Sandbox.processGroupOnly()), GitStore.under(DATA),
      new MakerLimits(3, 2)).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  private static LoopSpec spec(String name) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins").resolve(name), Map.of("a.txt", "a\n"));
    // Each maker: a start line, a second of work, an end line; "<repository> start|end <ns>".
    String maker = "echo \"" + name + " start $(date +%s%N)\" >> " + TIMES + "; sleep 1; echo changed-$LOOP_ID > a.txt; echo \""
        + name + " end $(date +%s%N)\" >> " + TIMES;
    return new LoopSpec("t", "Make it pass", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new MakeSpec(maker, "PT1M", 4, null), List.of(new CheckSpec("check", "grep -q changed a.txt", null, "PT1M", true, null)),
        null, null, null, new Caps(1, "P1D", null, 3), null, null, null, null, null, null);
  }

  @Test
  void twoBestOfFourFleetsNeverRunMoreMakersAtOnceThanTheWorkerAndTheirRepositoryAllow(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    List<String> ids = List.of("loop-limit-x", "loop-limit-y");
    for (String id : ids) {
      LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId(id).build());
      WorkflowClient.start(loop::run, new LoopInput(spec(id.substring("loop-limit-".length()))));
    }
    for (String id : ids) {
      assertThat(client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class).status()).isEqualTo(LoopStatus.SUCCEEDED);
    }

    List<String[]> events = new ArrayList<>();
    for (String line : Files.readAllLines(TIMES)) {
      events.add(line.split(" "));
    }
    assertThat(events).hasSize(16);
    events.sort((a, b) -> a[2].equals(b[2]) ? a[1].compareTo(b[1]) : Long.compare(Long.parseLong(a[2]), Long.parseLong(b[2])));
    int all = 0;
    int maxAll = 0;
    Map<String, Integer> perRepo = new java.util.HashMap<>();
    Map<String, Integer> maxPerRepo = new java.util.HashMap<>();
    for (String[] e : events) {
      int delta = e[1].equals("start") ? 1 : -1;
      all += delta;
      maxAll = Math.max(maxAll, all);
      int repo = perRepo.merge(e[0], delta, Integer::sum);
      maxPerRepo.merge(e[0], repo, Math::max);
    }
    // The limits hold, and bind: the worker ran three at once, each repository two, so neither fleet starved the other.
    assertThat(maxAll).isEqualTo(3);
    assertThat(maxPerRepo).containsExactlyInAnyOrderEntriesOf(Map.of("x", 2, "y", 2));
  }
}
