package dev.durableloops.bench;

import dev.durableloops.activities.WorkerActivities;
import dev.durableloops.activities.ProcessLimit;
import dev.durableloops.activities.Sandbox;
import dev.durableloops.activities.SandboxCost;
import dev.durableloops.workflows.LoopWorkflowImpl;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs every benchmark against a running dev server and prints a Markdown table. Each figure is a
 * median over repeated runs with min and max; every ratio compares figures measured in this run.
 *
 * <p>Usage: {@code Bench --target 127.0.0.1:7233 --data DIR [--smoke] [--langgraph-python PATH]
 * [--only overhead|git|sandbox|scale|fleet|recovery|startup|latency|events]... [--scale-sizes 100,1000] [--tls DIR]}; {@code --tls} names the
 * certificate directory of a deploy/cluster.sh cluster (mutual TLS as its worker).
 */
public final class Bench {

  static final String QUEUE = "bench";

  private final WorkflowClient client;
  private final Path data;
  private final boolean smoke;
  private final String langgraphPython;
  private final Path benchDir;
  private final List<String> rows = new ArrayList<>();

  private Bench(WorkflowClient client, Path data, boolean smoke, String langgraphPython, Path benchDir) {
    this.client = client;
    this.data = data;
    this.smoke = smoke;
    this.langgraphPython = langgraphPython;
    this.benchDir = benchDir;
  }

  /** Loop counts of the scale benchmark; {@code --scale-sizes 1000}; default 100, 500, 1000 (10 with --smoke). */
  static int[] scaleSizes;

  public static void main(String[] args) throws Exception {
    String target = "127.0.0.1:7233";
    Path data = Files.createTempDirectory("bench");
    boolean smoke = false;
    String python = null;
    Path benchDir = Path.of("bench");
    List<String> only = new ArrayList<>();
    Path appJar = null;
    Path tls = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = args[++i];
        case "--data" -> data = Path.of(args[++i]);
        case "--smoke" -> smoke = true;
        case "--langgraph-python" -> python = args[++i];
        case "--bench-dir" -> benchDir = Path.of(args[++i]);
        case "--only" -> only.add(args[++i]);
        case "--app-jar" -> appJar = Path.of(args[++i]);
        case "--scale-sizes" -> scaleSizes = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--tls" -> tls = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    WorkflowServiceStubsOptions.Builder stubsOptions = WorkflowServiceStubsOptions.newBuilder().setTarget(target);
    if (tls != null) {
      // A cluster of deploy/cluster.sh: mutual TLS as its worker, trusting only its CA.
      stubsOptions.setSslContext(GrpcSslContexts.forClient().trustManager(tls.resolve("ca.pem").toFile())
          .keyManager(tls.resolve("worker.pem").toFile(), tls.resolve("worker.key").toFile()).build());
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(stubsOptions.build());
    WorkflowClient client = WorkflowClient.newInstance(stubs);
    WorkerFactory factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(2_000).build());
    WorkerOptions options = System.getenv("BENCH_DEFAULT_WORKER") != null ? WorkerOptions.getDefaultInstance()
        : WorkerOptions.newBuilder()
            .setMaxConcurrentActivityExecutionSize(1_200)
            .setMaxConcurrentWorkflowTaskExecutionSize(200)
            .setMaxConcurrentActivityTaskPollers(8)
            .setMaxConcurrentWorkflowTaskPollers(8)
            // As the app (WorkerConfiguration): heartbeats reach the server once a second, not once per 80% of
            // the timeout, and a workflow task waits 1 s for its sticky queue.
            .setMaxHeartbeatThrottleInterval(java.time.Duration.ofSeconds(1))
            .setDefaultHeartbeatThrottleInterval(java.time.Duration.ofSeconds(1))
            .setStickyQueueScheduleToStartTimeout(java.time.Duration.ofSeconds(1))
            .build();
    Worker worker = factory.newWorker(QUEUE, options);
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class, Bare.BareWorkflowImpl.class, Bare.SandboxedWorkflowImpl.class);
    // As the app: the steps of a loop go to the worker's own queue, where a lapsed heartbeat or a step
    // not picked up within the host wait moves the loop (counted by the scale rows).
    Path loopsData = data.resolve("loops-data");
    // BENCH_HEARTBEAT_TIMEOUT_SECONDS (3): the worker's own heartbeat timeout (durable-loops.worker.heartbeat-timeout), to
    // count how many live loops a short one takes for lost under the scale rows' load (their timeouts column).
    String heartbeatTimeout = System.getenv("BENCH_HEARTBEAT_TIMEOUT_SECONDS");
    WorkerActivities activities = new WorkerActivities(loopsData, dev.durableloops.activities.CommandPolicy.standard(),
        dev.durableloops.activities.GitStore.under(loopsData), QUEUE + "@bench", dev.durableloops.activities.StepObserver.NONE,
        List.of(), null, null, dev.durableloops.activities.LoopGuard.NONE, dev.durableloops.activities.MakerLimits.NONE,
        heartbeatTimeout == null ? null : java.time.Duration.ofSeconds(Long.parseLong(heartbeatTimeout)));
    worker.registerActivitiesImplementations(activities.all());
    factory.newWorker(QUEUE + "@bench", options).registerActivitiesImplementations(activities.all());
    worker.registerActivitiesImplementations(new Bare.NoopActivitiesImpl(),
        new Bare.SandboxedActivitiesImpl(SandboxCost.in(dev.durableloops.activities.CommandPolicy.standard().sandbox(), data.resolve("sandboxed-floor"))));
    factory.start();
    Bench bench = new Bench(client, data, smoke, python, benchDir);
    try {
      if (only.isEmpty() || only.contains("overhead")) {
        new OverheadBench(bench, client, data, smoke, python, benchDir).run();
      }
      if (only.isEmpty() || only.contains("git")) {
        bench.git();
      }
      if (only.isEmpty() || only.contains("sandbox")) {
        bench.sandbox();
      }
      if (only.isEmpty() || only.contains("scale")) {
        ScaleBench.run(bench, client, data, smoke, scaleSizes);
      }
      if (only.isEmpty() || only.contains("fleet")) {
        bench.fleet(data.resolve("loops-data"));
      }
      if (appJar != null) {
        AppBenches.run(bench, only, smoke, appJar, target, data, client);
      }
    } finally {
      factory.shutdownNow();
      factory.awaitTermination(10, TimeUnit.SECONDS);
      stubs.shutdownNow();
    }
    System.out.println();
    System.out.println("| benchmark | figure | median | min | max | note |");
    System.out.println("|---|---|---|---|---|---|");
    bench.rows.forEach(System.out::println);
  }

  // ---- git cost ----

  // ---- what the sandbox costs a step ----

  /** A no-op step command under each sandbox this machine has: no sandbox, bubblewrap alone, the sandbox runtime. */
  private void sandbox() throws Exception {
    int runs = smoke ? 5 : 30;
    List<Double> none = null;
    for (Sandbox.Mode mode : List.of(Sandbox.Mode.NONE, Sandbox.Mode.BUBBLEWRAP, Sandbox.Mode.SANDBOX_RUNTIME)) {
      Sandbox sandbox;
      try {
        sandbox = Sandbox.detect(new Sandbox.Settings(mode, List.of(), ProcessLimit.DEFAULT_MAX_PROCESSES));
      } catch (IllegalStateException e) {
        rows.add("| sandbox: a no-op step (`true`) under " + mode + " | ms/step | – | – | – | not run: " + e.getMessage().replace("|", "/") + " |");
        continue;
      }
      List<Double> millis = SandboxCost.millisPerStep(sandbox, "true", data.resolve("sandbox-" + mode), runs);
      none = none == null ? millis : none;
      row("sandbox: a no-op step (`true`) under " + mode, "ms/step", millis, runs + " runs; "
          + (mode == Sandbox.Mode.NONE ? "supervisor, cgroup, log file" : String.format(Locale.ROOT, "+%.1f ms over none", median(millis) - median(none))));
    }
  }

  private void git() throws Exception {
    int files = smoke ? 1_000 : 10_000;
    int repeats = smoke ? 3 : 7;
    Path repo = TestRepo.create(data.resolve("repos/git-" + files), files);
    List<Double> jgit = GitBench.jgit(data.resolve("git-jgit"), repo, repeats);
    List<Double> cli = GitBench.cli(data.resolve("git-cli"), repo, repeats);
    row("git: attempt commit + checkpoint + discard, ours (GitWorkspace)", "ms", jgit, files + " files, 10 changed");
    row("git: the same with the git command line", "ms", cli,
        String.format(Locale.ROOT, "ours/git = %.2f", median(jgit) / median(cli)));
    int cloneFiles = smoke ? 2_000 : 20_000;
    int clones = smoke ? 1 : 3;
    Path big = TestRepo.create(data.resolve("repos/clone-" + cloneFiles), cloneFiles);
    List<Double> workspace = GitBench.newWorkspace(data.resolve("git-workspace"), big, clones);
    List<Double> plain = GitBench.plainClone(data.resolve("git-clone"), big, clones, false);
    List<Double> linked = GitBench.plainClone(data.resolve("git-clone-linked"), big, clones, true);
    row("git: the workspace a new worker builds for a loop (clone, work branch, reconcile)", "ms", workspace,
        cloneFiles + " files; " + clones + " runs; the shared git store holds the loop already");
    row("git: a plain `git clone --no-hardlinks` of the same repository", "ms", plain,
        String.format(Locale.ROOT, "ours/clone = %.2f (objects copied, as the worker must)", median(workspace) / median(plain)));
    row("git: a plain `git clone` (objects hard-linked)", "ms", linked,
        String.format(Locale.ROOT, "ours/linked clone = %.2f", median(workspace) / median(linked)));
  }

  // ---- fleets (issue 21) ----

  /**
   * Best-of-N attempts against one attempt and N in a row (maker {@code sleep 2}); a fan-out of 15
   * children on this worker; the disk of an extra child or attempt workspace against a full clone.
   * {@code --smoke}: N = 2 with {@code sleep 1}, 3 children, 1,000 files.
   */
  private void fleet(Path loopsData) throws Exception {
    FleetBench fleet = new FleetBench(client, QUEUE, data);
    int sleep = smoke ? 1 : 2;
    int repeats = smoke ? 1 : 3;
    int[] sizes = smoke ? new int[] {2} : new int[] {4, 8};
    List<Double> one = new ArrayList<>();
    fleet.attemptsWall(2, 1, sleep); // warm-up, not counted: the first loops of a JVM run slower
    for (int r = 0; r < repeats; r++) {
      one.add(fleet.attemptsWall(1, 1, sleep) / 1000);
    }
    row("fleet: one attempt (maker `sleep " + sleep + "`), whole loop of 1 iteration", "s", one, repeats + " runs");
    for (int n : sizes) {
      List<Double> parallel = new ArrayList<>();
      List<Double> inARow = new ArrayList<>();
      for (int r = 0; r < repeats; r++) {
        parallel.add(fleet.attemptsWall(n, 1, sleep) / 1000);
        inARow.add(fleet.attemptsWall(1, n, sleep) / 1000);
      }
      row("fleet: " + n + " attempts at once (`make.attempts: " + n + "`), 1 iteration", "s", parallel,
          String.format(Locale.ROOT, "parallel/one = %.2f (target ≤ 1.3)", median(parallel) / median(one)));
      row("fleet: " + n + " attempts in a row (1 attempt × " + n + " iterations)", "s", inARow,
          String.format(Locale.ROOT, "in a row/parallel = %.2f", median(inARow) / median(parallel)));
    }
    int tasks = smoke ? 3 : 15;
    FleetBench.FleetRun run = fleet.fanOut(tasks, smoke ? 5 : 1_000, sleep, loopsData);
    rows.add(String.format(Locale.ROOT, "| fleet: fan-out of %d children on one worker (maker `sleep %d`, maxParallel %d) | s | %.1f | | | %s; %d children; %d files |",
        tasks, sleep, tasks, run.wallSeconds(), run.status(), run.children(), smoke ? 5 : 1_000));
    rows.add(String.format(Locale.ROOT, "| fleet: %d children, worker memory at most | MiB | %d | | | heap used; resident set (VmHWM, whole bench JVM) %d MiB |",
        tasks, run.heapMiB(), run.rssMiB()));
    rows.add(String.format(Locale.ROOT, "| fleet: %d children, step completed → next step started | ms | %.0f | %.0f | %.0f | p50; max is p99; over the children's histories |",
        tasks, run.delays().p50, run.delays().min, run.delays().p99));
    rows.add(String.format(Locale.ROOT, "| fleet: %d children, disk per child workspace | MiB | %.2f | | | median; its .git %.2f MiB; %d of them borrow the worker's mirror |",
        tasks, run.childDiskMiB(), run.childGitMiB(), run.shared()));
    FleetBench.Disk disk = fleet.disk(smoke ? 1_000 : 20_000, smoke ? 2 : 20);
    rows.add(String.format(Locale.ROOT, "| fleet: disk of a full clone, %d files, %d commits | MiB | %.1f | | | its .git %.1f MiB (du, 4 KiB blocks) |",
        disk.files(), disk.commits() + 1, disk.fullClone(), disk.fullGit()));
    rows.add(String.format(Locale.ROOT, "| fleet: disk of an extra child workspace (shared objects), %d files | MiB | %.1f | | | its .git %.1f MiB against the clone's %.1f; the worker's mirror %.1f MiB once per repository; child/clone = %.2f |",
        disk.files(), disk.child(), disk.childGit(), disk.fullGit(), disk.mirror(), disk.child() / disk.fullClone()));
    rows.add(String.format(Locale.ROOT, "| fleet: disk of an extra attempt workspace, %d files | MiB | %.1f | | | its .git %.1f MiB against the clone's %.1f; attempt/clone = %.2f |",
        disk.files(), disk.attempt(), disk.attemptGit(), disk.fullGit(), disk.attempt() / disk.fullClone()));
  }

  // ---- scale ----

  // ---- helpers ----

  record Stats(double p50, double p99, double min) {}

  /** Delay from each activity's completion to the next activity's start in the same history. */
  static Stats delays(List<WorkflowExecutionHistory> histories) {
    List<Double> delays = new ArrayList<>();
    for (WorkflowExecutionHistory h : histories) {
      Long completed = null;
      for (HistoryEvent e : h.getEvents()) {
        long t = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          completed = t;
        } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && completed != null) {
          delays.add((double) (t - completed));
          completed = null;
        }
      }
    }
    Collections.sort(delays);
    if (delays.isEmpty()) {
      return new Stats(0, 0, 0);
    }
    return new Stats(delays.get(delays.size() / 2), delays.get((int) Math.min(delays.size() - 1, Math.ceil(delays.size() * 0.99) - 1)),
        delays.get(0));
  }

  /** Adds a row already formatted as a Markdown table row. */
  void line(String row) {
    rows.add(row);
  }

  void row(String name, String unit, List<Double> values, String note) {
    rows.add(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %s |", name, unit, median(values),
        Collections.min(values), Collections.max(values), note));
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static double ms(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " exited " + p.exitValue());
    }
    return out.lines().reduce((a, b) -> b).orElse("");
  }
}
