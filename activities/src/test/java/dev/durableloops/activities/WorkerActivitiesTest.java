package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.StepOutput;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The activities through Temporal's activity test environment, on real repositories and processes. */
class WorkerActivitiesTest {

  @TempDir Path tmp;
  TestActivityEnvironment env;
  WorkspaceActivities activities;
  OutboundActivities outbound;
  PrepareResult prepared;
  Path ws;

  @BeforeEach
  void setUp() throws Exception {
    Path origin = TestRepos.create(tmp.resolve("origin"), Map.of("a.txt", "a\n", "score.sh", "echo score: 0.75\n"));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data")).all());
    activities = env.newActivityStub(WorkspaceActivities.class);
    outbound = env.newActivityStub(OutboundActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-t", new WorkspaceSpec(origin.toString(), "main"), null));
    ws = Path.of(prepared.workspacePath());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private StepContext at(int iteration, String commit) {
    return new StepContext("loop-t", iteration, "the goal", commit);
  }

  @Test
  void aRetriedMakeStartsAgainFromTheSameCheckpoint() throws Exception {
    StepSpec maker = new StepSpec("echo \"$(cat a.txt)-changed\" > a.txt; echo \"$LOOP_GOAL\" > goal.txt", "PT1M");
    MakeResult first = activities.make(new MakeInput(at(1, prepared.commit()), maker));
    // A retry after a crash finds the workspace wherever the first try left it.
    Files.writeString(ws.resolve("a.txt"), "half-written by a dead maker");
    MakeResult retry = activities.make(new MakeInput(at(1, prepared.commit()), maker));
    assertThat(retry.diffHash()).isEqualTo(first.diffHash());
    assertThat(retry.diffStat()).isEqualTo("2 files changed, +2 -1");
    assertThat(Files.readString(ws.resolve("a.txt"))).isEqualTo("a-changed\n");
    assertThat(Files.readString(ws.resolve("goal.txt"))).isEqualTo("the goal\n");
    assertThat(retry.attemptRef()).isEqualTo("refs/loops/loop-t/attempts/1");
  }

  @Test
  void theMakerReportsCostAndTimeoutsAreEvidenceNotFailures() {
    MakeResult reported = activities.make(new MakeInput(at(1, prepared.commit()),
        new StepSpec("printf '{\"summary\": \"did it\", \"costUsd\": 0.42, \"tokens\": 1234}' > \"$LOOP_RESULT_FILE\"", "PT1M")));
    assertThat(reported.summary()).isEqualTo("did it");
    assertThat(reported.costUsd()).isEqualTo(0.42);
    assertThat(reported.tokens()).isEqualTo(1234);
    assertThat(reported.changed()).isFalse();

    // The timeout includes the sandbox's start (srt: about 0.5 s, more on a loaded machine), so 5 s, not 1 s.
    MakeResult slow = activities.make(new MakeInput(at(2, prepared.commit()), new StepSpec("echo start; sleep 30", "PT5S")));
    assertThat(slow.timedOut()).isTrue();
    assertThat(slow.exitCode()).isEqualTo(-1);
    assertThat(slow.outputTail()).startsWith("start");
  }

  @Test
  void checksParseReportsMetricsAndSignFailures() throws Exception {
    MakeResult made = activities.make(new MakeInput(at(1, prepared.commit()), new StepSpec("echo b > b.txt", "PT1M")));
    String report = "mkdir -p .loop/reports; printf '<testsuite><testcase classname=\"t\" name=\"one\"><failure message=\"boom\"/></testcase>"
        + "<testcase classname=\"t\" name=\"two\"/></testsuite>' > .loop/reports/r.xml; exit 1";
    List<CheckSpec> checks = List.of(
        new CheckSpec("unit", report, ".loop/reports/*.xml", "PT1M", true, null),
        new CheckSpec("bench", "sh score.sh", null, "PT1M", false, new MetricSpec("score: ([0-9.]+)", MetricGoal.MAXIMIZE, null)));
    CheckResult r = activities.check(new CheckInput(at(1, made.attemptCommit()), checks));
    assertThat(r.requiredPassed()).isFalse();
    assertThat(r.metric()).isEqualTo(0.75);
    assertThat(r.evidence().get(0).testsRun()).isEqualTo(2);
    assertThat(r.evidence().get(0).failedTests().get(0).id()).isEqualTo("t.one");
    assertThat(r.failureSignature()).hasSize(12);
    // The same failures give the same signature: that is what the stall breaker counts.
    assertThat(activities.check(new CheckInput(at(2, made.attemptCommit()), checks)).failureSignature()).isEqualTo(r.failureSignature());
    assertThat(Path.of(r.evidence().get(0).logPath())).hasFileName("iter-0001-check-unit.log");
  }

  @Test
  void discoverReadsLinesOrJsonAndNoOutputMeansNoWork() {
    DiscoverResult lines = activities.discover(new DiscoverInput(at(1, prepared.commit()), new StepSpec("printf 'fix a\\n\\nfix b\\n'", "PT1M")));
    assertThat(lines.tasks()).containsExactly("fix a", "fix b");
    assertThat(lines.task()).isEqualTo("fix a");
    DiscoverResult json = activities.discover(new DiscoverInput(at(1, prepared.commit()),
        new StepSpec("echo '[{\"title\": \"first\"}, \"second\"]'", "PT1M")));
    assertThat(json.tasks()).containsExactly("first", "second");
    // JSON tasks with ids and details: the id names the task across discoveries, the detail reaches the maker.
    DiscoverResult withIds = activities.discover(new DiscoverInput(at(1, prepared.commit()), new StepSpec(
        "echo '[{\"id\": \"T-1\", \"title\": \"Fix the parser\", \"detail\": \"test_parse fails\"}, {\"title\": \"Lint\"}]'", "PT1M")));
    assertThat(withIds.items()).containsExactly(
        new dev.durableloops.workflows.steps.Task("T-1", "Fix the parser", "test_parse fails"),
        new dev.durableloops.workflows.steps.Task("Lint", "Lint", null));
    assertThat(withIds.task()).isEqualTo("Fix the parser\n\ntest_parse fails");
    assertThat(lines.items()).extracting(dev.durableloops.workflows.steps.Task::id).containsExactly("fix a", "fix b");
    assertThat(activities.discover(new DiscoverInput(at(1, prepared.commit()), new StepSpec("true", "PT1M"))).task()).isNull();
    // A failing discover command with no output is not proof that the work is done.
    assertThat(activities.discover(new DiscoverInput(at(1, prepared.commit()), new StepSpec("exit 2", "PT1M"))).task()).isEqualTo("the goal");
    assertThat(activities.discover(new DiscoverInput(at(1, prepared.commit()), null)).task()).isEqualTo("the goal");
  }

  @Test
  void planWritesTheSameMemoryFilesFromTheSameState() throws Exception {
    MemoryView memory = new MemoryView(LoopStatus.RUNNING, List.of(),
        List.of(new Reflection(1, "tests failed: `t.one` boom", "abc", false)),
        List.of(new Note("never touch tests", "ann", "2026-01-01T00:00:00Z")), List.of(),
        new Budget(Caps.DEFAULT, 2, 0.5, 10, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        List.of("Run the linter before committing"));
    PlanInput input = new PlanInput(at(2, prepared.commit()), "fix it", null, memory);
    activities.plan(input);
    String state = Files.readString(ws.resolve(".loop/STATE.md"));
    String prompt = Files.readString(ws.resolve(".loop/PROMPT.md"));
    activities.plan(input);
    assertThat(Files.readString(ws.resolve(".loop/STATE.md"))).isEqualTo(state);
    assertThat(Files.readString(ws.resolve(".loop/PROMPT.md"))).isEqualTo(prompt);
    assertThat(prompt).contains("# Task for iteration 2\n\nfix it").contains("never touch tests (ann)").contains("tests failed: `t.one` boom");
    assertThat(Files.readString(ws.resolve(".loop/REFLECTIONS.md"))).contains("## Iteration 1");
    // The repository's rules: a file of their own and the prompt.
    assertThat(Files.readString(ws.resolve(".loop/RULES.md"))).contains("- Run the linter before committing");
    assertThat(prompt).contains("# Rules of this repository\n\n- Run the linter before committing");
    assertThat(state).contains("- iteration: 2 of at most 10");
  }

  @Test
  void aReviewerCanVetoAndSeesTheDiff() {
    MakeResult made = activities.make(new MakeInput(at(1, prepared.commit()), new StepSpec("echo b > b.txt", "PT1M")));
    CheckResult passed = activities.check(new CheckInput(at(1, made.attemptCommit()), List.of(new CheckSpec("ok", "true", null, "PT1M", true, null))));
    GateSpec never = new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT);
    GateResult vetoed = activities.gate(new GateInput(at(1, made.attemptCommit()), never,
        new StepSpec("grep -q '+b' \"$LOOP_DIFF_FILE\" && exit 4", "PT1M"), made, passed, null, null));
    assertThat(vetoed.verdict()).isEqualTo(Verdict.REJECT);
    assertThat(vetoed.reason()).isEqualTo("the reviewer did not approve (exit 4)");
    GateResult approved = activities.gate(new GateInput(at(1, made.attemptCommit()), never, new StepSpec("true", "PT1M"), made, passed, null, null));
    assertThat(approved.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(approved.reviewExitCode()).isZero();
  }

  @Test
  void aReflectCommandReplacesTheBuiltInNoteAndFallsBackWhenItFails() {
    MakeResult made = activities.make(new MakeInput(at(1, prepared.commit()), new StepSpec("exit 3", "PT1M")));
    CheckResult failed = activities.check(new CheckInput(at(1, made.attemptCommit()), List.of(new CheckSpec("ok", "echo nope; exit 1", null, "PT1M", true, null))));
    GateResult gate = new GateResult(Verdict.REJECT, false, "the maker exited 3", null);
    ReflectInput base = new ReflectInput(at(1, prepared.commit()), null, "the task", made, failed, gate, "the maker exited 3", null, false, 1);

    ReflectResult builtIn = activities.reflect(base);
    assertThat(builtIn.fromCommand()).isFalse();
    assertThat(builtIn.text()).startsWith("Iteration 1 was rejected: the maker exited 3.").contains("Check ok failed with exit 1").contains("nope");

    ReflectResult custom = activities.reflect(withReflect(base, "python3 -c \"import json,os; e=json.load(open(os.environ['LOOP_EVIDENCE_FILE'])); print('maker said', e['make']['exitCode'])\""));
    assertThat(custom.fromCommand()).isTrue();
    assertThat(custom.text()).isEqualTo("maker said 3");

    ReflectResult fallback = activities.reflect(withReflect(base, "exit 9"));
    assertThat(fallback.fromCommand()).isFalse();
    assertThat(fallback.text()).contains("(The reflect command exited 9 with no output; this is the built-in note.)");
  }

  @Test
  void secretsResolveAtRunTimeAndTheWorkerEnvironmentIsScrubbed() throws Exception {
    TestActivityEnvironment secretEnv = TestActivityEnvironment.newInstance();
    try {
      secretEnv.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
          new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of("token", "s3cr3t")), GitStore.under(tmp.resolve("data"))).all());
      WorkspaceActivities withSecrets = secretEnv.newActivityStub(WorkspaceActivities.class);
      StepContext ctx = new StepContext("loop-t", 1, "goal", prepared.commit(), Map.of("API_TOKEN", "Bearer ${secret:token}"), List.of());
      withSecrets.make(new MakeInput(ctx, new StepSpec("echo \"$API_TOKEN\" > .loop/token.txt; env > .loop/env.txt", "PT1M")));
      assertThat(Files.readString(tmp.resolve("data/loops/loop-t/workspace/.loop/token.txt"))).isEqualTo("Bearer s3cr3t\n");
      String hidden = System.getenv().keySet().stream().filter(k -> !CommandPolicy.DEFAULT_INHERITED.contains(k)).findFirst().orElseThrow();
      assertThat(Files.readString(tmp.resolve("data/loops/loop-t/workspace/.loop/env.txt"))).doesNotContain(hidden + "=").contains("LOOP_ID=loop-t");

      StepContext missing = new StepContext("loop-t", 2, "goal", prepared.commit(), Map.of("X", "${secret:nope}"), List.of());
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> withSecrets.make(new MakeInput(missing, new StepSpec("true", "PT1M"))))
          .rootCause().hasMessageContaining("names secret 'nope', which is not configured");
    } finally {
      secretEnv.close();
    }
  }

  @Test
  void aRunningMakerShowsItsOutputInHeartbeatsWithSecretsReplaced() throws Exception {
    TestActivityEnvironment live = TestActivityEnvironment.newInstance();
    try {
      GitStore store = GitStore.under(tmp.resolve("data"));
      live.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
          new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of("token", "s3cr3t-value")), store).all());
      java.util.List<StepOutput> beats = new java.util.concurrent.CopyOnWriteArrayList<>();
      live.setActivityHeartbeatListener(StepOutput.class, beats::add);
      StepContext ctx = new StepContext("loop-t", 1, "goal", prepared.commit(), Map.of("API_TOKEN", "${secret:token}"), List.of());
      MakeResult made = live.newActivityStub(WorkspaceActivities.class)
          .make(new MakeInput(ctx, new StepSpec("echo \"using $API_TOKEN\"; echo working >&2; sleep 5; echo done", "PT1M")));

      StepOutput running = beats.stream().filter(b -> b.status().equals("running")).findFirst().orElseThrow();
      assertThat(running.step()).isEqualTo("make");
      assertThat(running.tail()).isEqualTo("using [secret:token]\nworking");
      assertThat(running.outputBytes()).isPositive();
      assertThat(beats).extracting(StepOutput::status).contains("recording the log");
      assertThat(beats.get(beats.size() - 1).tail()).endsWith("done");
      assertThat(beats).extracting(StepOutput::tail).noneMatch(t -> t.contains("s3cr3t"));
      assertThat(made.outputTail()).contains("[secret:token]").doesNotContain("s3cr3t");
      String logName = store.logs("loop-t").stream().filter(n -> n.contains("make")).findFirst().orElseThrow();
      assertThat(new String(store.log("loop-t", logName), java.nio.charset.StandardCharsets.UTF_8)).contains("using [secret:token]").doesNotContain("s3cr3t");
    } finally {
      live.close();
    }
  }

  @Test
  void deliverPushesTheLoopsBranchToABareOriginAndRunsTheCommand() throws Exception {
    Path bare = tmp.resolve("origin.git");
    git(tmp, "clone", "-q", "--bare", tmp.resolve("origin").toString(), bare.toString());
    WorkspaceSpec origin = new WorkspaceSpec(bare.toString(), "main");
    PrepareResult p = activities.prepare(new PrepareInput("loop-d", origin, null));
    MakeResult made = activities.make(new MakeInput(new StepContext("loop-d", 1, "g", p.commit()), new StepSpec("echo done > b.txt", "PT1M")));
    activities.checkpoint(new dev.durableloops.workflows.steps.CheckpointInput("loop-d", 1, made.attemptCommit()));
    StepContext head = new StepContext("loop-d", 1, "g", made.attemptCommit());

    DeliverResult d = outbound.deliver(new DeliverInput(head, origin, new DeliverSpec(null,
        "echo \"branch $LOOP_DELIVER_BRANCH at $LOOP_DELIVER_COMMIT\"; echo opened https://example.test/pr/7", null, null, null)
        .normalized(), 1, true));
    assertThat(d.error()).isNull();
    assertThat(d.pushed()).isTrue();
    assertThat(d.branch()).isEqualTo("loops/loop-d");
    assertThat(d.url()).isEqualTo("https://example.test/pr/7");
    assertThat(d.exitCode()).isZero();
    assertThat(d.outputTail()).contains("branch loops/loop-d at " + made.attemptCommit());
    assertThat(git(bare, "rev-parse", "refs/heads/loops/loop-d")).isEqualTo(made.attemptCommit());
    // The base branch is left alone unless a spec names it.
    assertThat(git(bare, "rev-parse", "refs/heads/main")).isEqualTo(p.baseCommit());

    // Named, the base branch moves only forward: the attempt descends from it, so it is pushed...
    DeliverResult onMain = outbound.deliver(new DeliverInput(head, origin, new DeliverSpec("main", null, null, null, null).normalized(), 1, true));
    assertThat(onMain.pushed()).isTrue();
    assertThat(git(bare, "rev-parse", "refs/heads/main")).isEqualTo(made.attemptCommit());
    // ...and a commit beside it is refused, reported in the result, not thrown.
    MakeResult other = activities.make(new MakeInput(new StepContext("loop-d", 2, "g", p.commit()), new StepSpec("echo x > c.txt", "PT1M")));
    DeliverResult refused = outbound.deliver(new DeliverInput(new StepContext("loop-d", 2, "g", other.attemptCommit()), origin,
        new DeliverSpec("main", "echo never runs", null, null, null).normalized(), 0, false));
    assertThat(refused.pushed()).isFalse();
    assertThat(refused.exitCode()).isNull();
    assertThat(refused.error()).startsWith("push of main to " + bare + " failed:");
    assertThat(git(bare, "rev-parse", "refs/heads/main")).isEqualTo(made.attemptCommit());

    // A failing command is reported too.
    DeliverResult failing = outbound.deliver(new DeliverInput(head, origin, new DeliverSpec(null, "echo no token >&2; exit 4", null, null,
        false).normalized(), 1, true));
    assertThat(failing.pushed()).isFalse();
    assertThat(failing.branch()).isNull();
    assertThat(failing.error()).isEqualTo("deliver command exited 4");
  }

  @Test
  void aPushTheRepositoryDoesNotKeepIsNotConfirmedAndTheCommandDoesNotRun() throws Exception {
    Path bare = tmp.resolve("forgetful.git");
    git(tmp, "clone", "-q", "--bare", tmp.resolve("origin").toString(), bare.toString());
    // The repository accepts every push, then drops the branch again.
    Path hook = bare.resolve("hooks/post-receive");
    Files.writeString(hook, "#!/bin/sh\nwhile read old new ref; do git update-ref -d \"$ref\"; done\n");
    assertThat(hook.toFile().setExecutable(true)).isTrue();
    WorkspaceSpec origin = new WorkspaceSpec(bare.toString(), "main");
    PrepareResult p = activities.prepare(new PrepareInput("loop-f", origin, null));
    MakeResult made = activities.make(new MakeInput(new StepContext("loop-f", 1, "g", p.commit()), new StepSpec("echo done > b.txt", "PT1M")));
    activities.checkpoint(new dev.durableloops.workflows.steps.CheckpointInput("loop-f", 1, made.attemptCommit()));

    DeliverResult d = outbound.deliver(new DeliverInput(new StepContext("loop-f", 1, "g", made.attemptCommit()), origin,
        new DeliverSpec(null, "echo never runs", null, null, null).normalized(), 1, true));
    assertThat(d.pushed()).isFalse();
    assertThat(d.error()).isEqualTo("push of loops/loop-f to " + bare + " not confirmed: the repository has no branch loops/loop-f after the push");
    assertThat(d.exitCode()).isNull();
  }

  private static String git(Path dir, String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private static ReflectInput withReflect(ReflectInput in, String command) {
    return new ReflectInput(in.context(), new StepSpec(command, "PT1M"), in.task(), in.make(), in.check(), in.gate(),
        in.verdictReason(), in.humanComment(), in.repeated(), in.repeatCount());
  }
}
