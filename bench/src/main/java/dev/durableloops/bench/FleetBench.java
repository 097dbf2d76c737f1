package dev.durableloops.bench;

import dev.durableloops.activities.GitWorkspace;
import dev.durableloops.activities.LoopPaths;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.FanOutSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.AttemptIds;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fleet benchmarks (issue 21): best-of-N attempts against one attempt and against N in a row; a
 * fan-out of child loops on one worker; the disk an extra child or attempt workspace takes against
 * a full clone.
 */
final class FleetBench {

  private final WorkflowClient client;
  private final String queue;
  private final Path data;

  FleetBench(WorkflowClient client, String queue, Path data) {
    this.client = client;
    this.queue = queue;
    this.data = data;
  }

  /**
   * Wall time in ms of one loop of {@code iterations} iterations, each making {@code attempts}
   * attempts with the maker {@code sleep <makerSeconds>} and a failing check (so every iteration
   * runs, and all attempts run to the end).
   */
  double attemptsWall(int attempts, int iterations, int makerSeconds) throws Exception {
    Path repo = TestRepo.create(data.resolve("repos/attempts-" + UUID.randomUUID().toString().substring(0, 8)), 5);
    LoopSpec spec = new LoopSpec("fleet", "sleep", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new MakeSpec("sleep " + makerSeconds, "PT5M", attempts > 1 ? attempts : null, null),
        List.of(new CheckSpec("c", "exit 1", null, null, true, null)), null, null, null,
        new Caps(iterations, "P1D", null, iterations + 1), null, null, null, null, null, null);
    String id = "loop-attempts-" + attempts + "-" + UUID.randomUUID().toString().substring(0, 6);
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(queue).build());
    long start = System.nanoTime();
    loop.run(new LoopInput(spec));
    return Bench.ms(start);
  }

  /** What one fan-out run measured. */
  record FleetRun(double wallSeconds, String status, int children, long heapMiB, long rssMiB, Bench.Stats delays,
      double childDiskMiB, double childGitMiB, int shared) {}

  /**
   * A fan-out of {@code tasks} tasks at once ({@code maxParallel = tasks}), each child's maker
   * {@code sleep <makerSeconds>} writing its own file, all landing: the parent's wall time, the
   * worker's heap and resident memory at most, and the step-to-step delays over every history.
   *
   * @param loopsData the worker's data directory (to measure the children's workspaces)
   */
  FleetRun fanOut(int tasks, int files, int makerSeconds, Path loopsData) throws Exception {
    Path repo = TestRepo.create(data.resolve("repos/fleet-" + tasks), files);
    String discover = "for i in $(seq 1 " + tasks + "); do [ -f done/t$i ] || echo task-t$i; done";
    String maker = "t=$(printf '%s\\n' \"$LOOP_GOAL\" | sed -n 's/.*Task (one of a fan-out): task-\\(t[0-9]*\\).*/\\1/p'); "
        + "mkdir -p done; echo \"$t\" > \"done/$t\"; sleep " + makerSeconds;
    LoopSpec spec = new LoopSpec("fleet", "every task done", new WorkspaceSpec(repo.toString(), "main"), new StepSpec(discover, null),
        null, new MakeSpec(maker, "PT5M", null, null), List.of(new CheckSpec("c", "true", null, null, true, null)), null, null, null,
        new Caps(3 * tasks, "PT1H", null, 3), null, null, null, null, null, new FanOutSpec(tasks));
    String id = "loop-fleet-" + tasks + "-" + UUID.randomUUID().toString().substring(0, 6);
    AtomicLong heap = new AtomicLong();
    AtomicLong rss = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        Runtime rt = Runtime.getRuntime();
        heap.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
        rss.accumulateAndGet(residentKiB(), Math::max);
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setWorkflowId(id).setTaskQueue(queue).build());
    long start = System.nanoTime();
    WorkflowClient.start(loop::run, new LoopInput(spec));
    LoopOutcome outcome = client.newUntypedWorkflowStub(id).getResult(30, TimeUnit.MINUTES, LoopOutcome.class);
    double seconds = Bench.ms(start) / 1000;
    sampler.interrupt();
    // The children's step delays: the parent's own gaps include whole children (discover → land).
    List<WorkflowExecutionHistory> histories = new ArrayList<>();
    int children = 0;
    for (int k = 1; k <= 3 * tasks; k++) {
      try {
        histories.add(client.fetchHistory(id + "-t" + k));
        children++;
      } catch (RuntimeException e) {
        break;
      }
    }
    // The children's workspaces as they were left: work tree plus .git; the mirror is counted apart.
    List<Double> disk = new ArrayList<>();
    List<Double> gitDirs = new ArrayList<>();
    int shared = 0;
    for (int k = 1; k <= children; k++) {
      Path ws = loopsData.resolve("loops").resolve(id + "-t" + k).resolve("workspace");
      if (Files.isDirectory(ws)) {
        disk.add(diskMiB(ws));
        gitDirs.add(diskMiB(ws.resolve(".git")));
        shared += Files.exists(ws.resolve(".git/objects/info/alternates")) ? 1 : 0;
      }
    }
    return new FleetRun(seconds, outcome.status().name(), children, heap.get() / 1048576, rss.get() / 1024, Bench.delays(histories),
        disk.isEmpty() ? 0 : Bench.median(disk), gitDirs.isEmpty() ? 0 : Bench.median(gitDirs), shared);
  }

  /** Disk figures in MiB: a full clone, an extra shared child, an extra attempt workspace, the mirror, and their .git parts. */
  record Disk(int files, int commits, double fullClone, double fullGit, double child, double childGit, double attempt, double attemptGit,
      double mirror) {}

  /** The disk (du, blocks) of a full clone, a fan-out child's shared workspace and an attempt's workspace of a repository of {@code files} files. */
  Disk disk(int files, int commits) throws Exception {
    Path repo = withHistory(TestRepo.create(data.resolve("repos/disk-" + files), files), files, commits);
    LoopPaths paths = new LoopPaths(data.resolve("disk-data"));
    GitWorkspace ws = new GitWorkspace(paths);
    WorkspaceSpec spec = new WorkspaceSpec(repo.toString(), "main");
    GitWorkspace.Prepared full = ws.prepare("loop-disk", spec, null, null);
    ws.prepare("loop-disk-t1", spec, full.commit(), "loop-disk", true);
    GitWorkspace.Prepared child = ws.prepare("loop-disk-t2", spec, full.commit(), "loop-disk", true);
    String attempt = AttemptIds.of("loop-disk", 2);
    ws.reconcile(attempt, full.commit());
    Path attemptWs = paths.workspace(attempt);
    Path mirrors = paths.dataDir().resolve("mirrors");
    return new Disk(files, commits, diskMiB(full.dir()), diskMiB(full.dir().resolve(".git")), diskMiB(child.dir()),
        diskMiB(child.dir().resolve(".git")), diskMiB(attemptWs), diskMiB(attemptWs.resolve(".git")), diskMiB(mirrors));
  }

  /**
   * Gives {@code repo} a history: {@code commits} more commits, each rewriting a tenth of its files
   * with 1 KiB of text of their own (hex of a seeded random), so the objects weigh like a project's.
   */
  private static Path withHistory(Path repo, int files, int commits) throws Exception {
    java.util.Random random = new java.util.Random(21);
    try (org.eclipse.jgit.api.Git git = org.eclipse.jgit.api.Git.open(repo.toFile())) {
      for (int c = 0; c < commits; c++) {
        for (int i = c % 10; i < files; i += 10) {
          StringBuilder text = new StringBuilder();
          for (int line = 0; line < 16; line++) {
            text.append(Long.toHexString(random.nextLong())).append(Long.toHexString(random.nextLong()))
                .append(Long.toHexString(random.nextLong())).append(Long.toHexString(random.nextLong())).append('\n');
          }
          Files.writeString(repo.resolve("src/d" + (i / 100) + "/f" + i + ".txt"), text.toString());
        }
        git.add().addFilepattern(".").call();
        git.commit().setMessage("history " + c).setAuthor("b", "b@x.invalid").setCommitter("b", "b@x.invalid").call();
      }
      git.gc().call();
    }
    return repo;
  }

  /** {@code du -sk} of {@code dir} in MiB: the blocks it takes. */
  static double diskMiB(Path dir) throws Exception {
    String out = Bench.run(List.of("du", "-sk", dir.toString()));
    return Long.parseLong(out.split("\\s+")[0]) / 1024.0;
  }

  /** This process's resident set at most so far (VmHWM), KiB; 0 where /proc has none. */
  private static long residentKiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      return 0;
    }
    return 0;
  }
}
