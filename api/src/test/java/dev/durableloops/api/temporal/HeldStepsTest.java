package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.durableloops.api.DevServers;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.RetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TemporalDevServer;
import io.temporal.testing.TemporalDevServerOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeldSteps} against the real dev server: a step a dead process held is handed back and runs
 * again at once (not after its heartbeat timeout or the retry policy's backoff), a step a live
 * process holds is left alone, and a token of an attempt that has moved on fails nothing. A process
 * death is played by renaming the held step's file to a pid that does not run.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HeldStepsTest {

  /** Far above the time a test waits: a retry seen sooner came from the hand-back. */
  static final Duration SLOW = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  static TemporalDevServer server;
  static WorkflowClient client;
  static WorkerFactory factory;
  static HeldSteps held;

  /** Attempts started, by workflow id; attempt 1 blocks until released, attempt 2 returns. */
  static final ConcurrentHashMap<String, List<Integer>> attempts = new ConcurrentHashMap<>();
  static final CountDownLatch release = new CountDownLatch(1);

  @ActivityInterface
  public interface Slow {
    String step(String mode);
  }

  public static final class SlowImpl implements Slow {
    @Override
    public String step(String mode) {
      var info = io.temporal.activity.Activity.getExecutionContext().getInfo();
      attempts.computeIfAbsent(info.getWorkflowId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(info.getAttempt());
      if (info.getAttempt() == 1 || mode.equals("block-all")) {
        try {
          release.await(); // a worker that died: the attempt never ends by itself
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "released";
      }
      return "attempt " + info.getAttempt();
    }
  }

  @WorkflowInterface
  public interface OneStep {
    @WorkflowMethod
    String run(String mode);
  }

  public static final class OneStepImpl implements OneStep {
    @Override
    public String run(String mode) {
      return Workflow.newActivityStub(Slow.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(5))
          .setHeartbeatTimeout(SLOW)
          .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(SLOW).setMaximumAttempts(3).build())
          .build()).step(mode);
    }
  }

  @BeforeAll
  static void start() {
    Path cli = DevServers.temporalCli();
    assumeTrue(Files.isExecutable(cli), "the Temporal CLI is not installed at " + cli + "; deploy/test.sh installs it");
    server = TemporalDevServer.start(TemporalDevServerOptions.newBuilder().setExistingPath(cli.toString())
        .setUiEnabled(false).setLogLevel("error").build());
    client = WorkflowClient.newInstance(WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(server.getTarget()).build()));
    held = new HeldSteps(tmp);
    factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder().setWorkerInterceptors(held).build());
    Worker worker = factory.newWorker("held-steps");
    worker.registerWorkflowImplementationTypes(OneStepImpl.class);
    worker.registerActivitiesImplementations(new SlowImpl());
    factory.start();
  }

  @AfterAll
  static void stop() {
    release.countDown();
    if (factory != null) {
      factory.shutdownNow();
      factory.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private static WorkflowStub startLoop(String id, String mode) {
    WorkflowStub stub = client.newUntypedWorkflowStub("OneStep",
        WorkflowOptions.newBuilder().setTaskQueue("held-steps").setWorkflowId(id).build());
    stub.start(mode);
    return stub;
  }

  /** The held-step files of this process, waited for until {@code count} exist. */
  private static List<Path> heldFiles(int count) {
    return await("held steps recorded").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      try (Stream<Path> files = Files.list(tmp.resolve("held-steps"))) {
        return files.toList();
      }
    }, files -> files.size() >= count);
  }

  private static void awaitAttempt(String id, int attempt) {
    await(id + " attempt " + attempt).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(() -> attempts.getOrDefault(id, List.of()).contains(attempt));
  }

  /** Plays the death of the process that wrote {@code file}: the file now names a pid that does not run. */
  private static Path asIfDead(Path file) throws Exception {
    String[] name = file.getFileName().toString().split("-");
    return Files.move(file, file.resolveSibling("999999999-0-" + name[2]));
  }

  private static PendingActivityInfo pending(String id) {
    return client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
        .build()).getPendingActivities(0);
  }

  @Test
  void aStepOfADeadProcessIsHandedBackAndRunsAgainAtOnce() throws Exception {
    WorkflowStub loop = startLoop("dead", "block-first");
    awaitAttempt("dead", 1);
    asIfDead(only(heldFiles(1), "dead"));

    long handedBack = System.nanoTime();
    assertThat(held.handBack(client.newActivityCompletionClient())).isEqualTo(1);
    assertThat(loop.getResult(10, TimeUnit.SECONDS, String.class)).isEqualTo("attempt 2");
    double seconds = (System.nanoTime() - handedBack) / 1e9;
    System.out.printf("held steps: attempt 2 done %.2f s after the hand-back (heartbeat timeout and retry interval 60 s)%n", seconds);
    assertThat(seconds).as("neither the heartbeat timeout nor the retry interval was waited for").isLessThan(SLOW.toSeconds());
    assertThat(held.leftByEarlierLives()).as("the file is gone once handed back").isEmpty();
  }

  @Test
  void aStepOfALiveProcessIsLeftAlone() throws Exception {
    startLoop("live", "block-first");
    awaitAttempt("live", 1);
    only(heldFiles(1), "live");

    assertThat(held.handBack(client.newActivityCompletionClient())).isZero();
    Thread.sleep(500);
    assertThat(attempts.get("live")).containsExactly(1);
    assertThat(pending("live").getAttempt()).isEqualTo(1);
  }

  @Test
  void aTokenOfAnAttemptThatMovedOnFailsNothing() throws Exception {
    startLoop("moved-on", "block-all");
    awaitAttempt("moved-on", 1);
    Path file = only(heldFiles(1), "moved-on");
    String attemptOne = Files.readString(file);
    asIfDead(file);
    assertThat(held.handBack(client.newActivityCompletionClient())).isEqualTo(1);
    awaitAttempt("moved-on", 2);

    // Attempt 1's token again, as if a second dead life had left it: attempt 2 runs now.
    Files.writeString(tmp.resolve("held-steps/999999999-0-999"), attemptOne);
    assertThat(held.handBack(client.newActivityCompletionClient())).as("Temporal refuses a token of an ended attempt").isZero();
    Thread.sleep(500);
    assertThat(pending("moved-on").getAttempt()).isEqualTo(2);
    assertThat(attempts.get("moved-on")).containsExactly(1, 2);
  }

  private static Path only(List<Path> files, String workflowId) {
    return files.stream().filter(f -> attemptOf(f).startsWith(workflowId + "/")).findFirst().orElseThrow();
  }

  /** {@code <workflow id>/<attempt>} of a held-step file. */
  private static String attemptOf(Path file) {
    try {
      String[] lines = Files.readString(file).split("\n");
      return lines[2] + "/" + lines[3];
    } catch (Exception e) {
      return "";
    }
  }
}
