package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.StepContext;
import dev.durableloops.workflows.steps.StepOutput;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attacks at the activity boundary (issue 19): a step scheduled without the workflow's Prepare (a
 * foreign workflow on the task queue) asks for the platform's variables; a maker writes a configured
 * secret where the worker records text; a repository is swapped for a symlink after the start. Each
 * test passes only when the attack was stopped. Real repositories and processes.
 */
class StepBoundaryAttackTest {

  static final String SECRET = "s3cr3t-attack-value-42";

  @TempDir Path tmp;
  TestActivityEnvironment env;
  WorkspaceActivities activities;
  OutboundActivities outbound;
  Path origin;
  PrepareResult prepared;

  @BeforeEach
  void setUp() throws Exception {
    Path allowed = Files.createDirectories(tmp.resolve("allowed"));
    Path work = TestRepos.create(tmp.resolve("work"), Map.of("a.txt", "a\n"));
    origin = allowed.resolve("origin.git");
    git(tmp, "clone", "-q", "--bare", work.toString(), origin.toString());
    SpecRules rules = new SpecRules(new SpecRules.Settings(List.of(tmp.resolve("data"), allowed), List.of(), List.of("https"),
        CommandPolicy.DEFAULT_INHERITED, List.of("ANTHROPIC_API_KEY"), Set.of("token"), Map.of()));
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(tmp.resolve("data"),
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of("token", SECRET), Sandbox.standard(), List.of("ANTHROPIC_API_KEY")),
        GitStore.under(tmp.resolve("data")), new LoopGuard(rules, new StartGrants(new byte[32]))).all());
    activities = env.newActivityStub(WorkspaceActivities.class);
    outbound = env.newActivityStub(OutboundActivities.class);
    prepared = activities.prepare(new PrepareInput("loop-a", new WorkspaceSpec(origin.toString(), "main"), null));
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private StepContext context(int iteration, String commit, List<String> passEnv) {
    return new StepContext("loop-a", iteration, "goal", commit, Map.of("KEY", "${secret:token}"), passEnv);
  }

  @ParameterizedTest(name = "a Make scheduled without the loop''s Prepare passes {0} to its maker")
  @ValueSource(strings = {"DURABLE_LOOPS_API_TOKEN", "DURABLELOOPS_SECRETS_TOKEN", "TEMPORAL_TLS_KEY", "SPRING_DATASOURCE_PASSWORD",
      "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH", "GIT_SSH_COMMAND", "SSH_AUTH_SOCK", "AWS_SECRET_ACCESS_KEY"})
  void aStepAsksForAPlatformVariable(String variable) {
    assertThatThrownBy(() -> activities.make(new MakeInput(context(1, prepared.commit(), List.of(variable)),
            new StepSpec("env > ran.txt", "PT1M"))))
        .rootCause().hasMessageContaining("passEnv names '" + variable + "', which this worker does not pass to steps");
    assertThat(Path.of(prepared.workspacePath()).resolve("ran.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a maker writes a secret into its result summary, and so into the attempt's commit message")
  void secretInTheSummaryAndCommitMessage() throws Exception {
    MakeResult made = activities.make(new MakeInput(context(1, prepared.commit(), List.of()),
        new StepSpec("printf '{\"summary\": \"key is %s\"}' \"$KEY\" > \"$LOOP_RESULT_FILE\"; echo \"$KEY\" >> a.txt", "PT1M")));
    assertThat(made.summary()).isEqualTo("key is [secret:token]");
    String message = git(Path.of(prepared.workspacePath()), "log", "-1", "--format=%B", made.attemptCommit());
    assertThat(message).contains("key is [secret:token]").doesNotContain(SECRET);
  }

  @Test
  @DisplayName("a maker writes a secret into a broken result file, whose parse error would quote its first characters into the summary")
  void secretInABrokenResultFile() {
    MakeResult made = activities.make(new MakeInput(context(1, prepared.commit(), List.of()),
        new StepSpec("printf '{\"summary\": %s}' \"$KEY\" > \"$LOOP_RESULT_FILE\"", "PT1M")));
    assertThat(made.summary()).isEqualTo("unreadable LOOP_RESULT_FILE: not JSON at line 1, column 13");
  }

  @Test
  @DisplayName("a maker prints a secret where the output tail's cut falls inside it, so the (live) tail would begin with its end")
  void secretCutByTheOutputTail() {
    // One line: the secret, then enough to push all but its last 10 characters out of the tail.
    int pad = CommandRunner.TAIL_CHARS - 10;
    MakeResult made = activities.make(new MakeInput(context(1, prepared.commit(), List.of()),
        new StepSpec("printf '%s' \"$KEY\"; head -c " + pad + " /dev/zero | tr '\\0' x; echo", "PT1M")));
    assertThat(made.outputTail()).endsWith("xxx").doesNotContain(SECRET.substring(SECRET.length() - 10));
    // The live output is tailed from the log as it grows, before the log is redacted: its cut is handled too.
    assertThat(new Redaction(Map.of("token", SECRET)).tail(SECRET.substring(SECRET.length() - 10) + "xxx"))
        .isEqualTo("[secret:token]xxx");
  }

  @Test
  @DisplayName("a discover command prints a secret as a task, which would enter history and the state")
  void secretInATask() {
    DiscoverResult found = activities.discover(new DiscoverInput(context(1, prepared.commit(), List.of()),
        new StepSpec("echo \"task with $KEY\"", "PT1M")));
    assertThat(found.task()).isEqualTo("task with [secret:token]");
    assertThat(String.join("\n", found.tasks())).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("a check writes a secret into a failing test's name and message in its JUnit report")
  void secretInATestReport() {
    String report = "mkdir -p .loop/reports; printf '<testsuite tests=\"1\"><testcase classname=\"k\" name=\"t-%s\">"
        + "<failure message=\"leak %s\"/></testcase></testsuite>' \"$KEY\" \"$KEY\" > .loop/reports/r.xml; echo \"$KEY\"; exit 1";
    CheckResult checked = activities.check(new CheckInput(context(1, prepared.commit(), List.of()),
        List.of(new CheckSpec("tests", report, ".loop/reports/*.xml", "PT1M", true, null))));
    String evidence = checked.evidence().toString();
    assertThat(evidence).contains("[secret:token]").doesNotContain(SECRET);
  }

  @Test
  @DisplayName("a check writes JUnit reports named after a secret and with a secret as an element name, which the output tail would list as unreadable")
  void secretInAnUnreadableReport() {
    String reports = "mkdir -p .loop/reports; echo '<testsuite>' > \".loop/reports/TEST-$KEY.xml\"; "
        + "printf '<testsuite><%s>' \"$KEY\" > .loop/reports/second.xml; exit 1";
    CheckResult checked = activities.check(new CheckInput(context(1, prepared.commit(), List.of()),
        List.of(new CheckSpec("tests", reports, ".loop/reports/*.xml", "PT1M", true, null))));
    String tail = checked.evidence().get(0).outputTail();
    assertThat(tail).contains("unreadable reports: TEST-[secret:token].xml").contains("second.xml");
    assertThat(checked.toString()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("a check writes a secret where a failing test's message is cut, so the message would end with the secret's first characters")
  void secretCutByATestMessage() {
    // The message is cut to 500 characters: the secret starts 10 characters before the cut.
    String report = "mkdir -p .loop/reports; printf '<testsuite><testcase name=\"t\"><failure message=\"%s%s\"/></testcase></testsuite>' "
        + "\"$(head -c " + (JUnitReports.MAX_MESSAGE - 11) + " /dev/zero | tr '\\0' x)\" \"$KEY\" > .loop/reports/r.xml; exit 1";
    CheckResult checked = activities.check(new CheckInput(context(1, prepared.commit(), List.of()),
        List.of(new CheckSpec("tests", report, ".loop/reports/*.xml", "PT1M", true, null))));
    String message = checked.evidence().get(0).failedTests().get(0).message();
    assertThat(message).startsWith("xxx").doesNotContain(SECRET.substring(0, 6));
    assertThat(checked.toString()).doesNotContain(SECRET.substring(0, 6));
  }

  @Test
  @DisplayName("a discover command prints a task as JSON with the secret's characters escaped, which the parser would decode into the secret")
  void secretEscapedInAJsonTask() {
    DiscoverResult found = activities.discover(new DiscoverInput(context(1, prepared.commit(), List.of()),
        new StepSpec("echo \"[{\\\"id\\\": \\\"$KEY\\\", \\\"title\\\": \\\"task $KEY\\\", \\\"detail\\\": \\\"$KEY\\\"}]\" "
            + "| sed 's/s/\\\\u0073/g'", "PT1M")));
    assertThat(found.task()).isEqualTo("task [secret:token]\n\n[secret:token]");
    assertThat(found.toString()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("a discover command prints a secret where the live tails of its stdout and its stderr are cut, each after the other's header")
  void secretCutByEachLiveTail() {
    List<StepOutput> beats = new java.util.concurrent.CopyOnWriteArrayList<>();
    env.setActivityHeartbeatListener(StepOutput.class, beats::add);
    // Each half of the live output keeps its last 1,980 characters: the secret's last 10 begin each.
    int pad = StepOutput.TAIL_CHARS / 2 - 20 - 10;
    String line = "printf '%s' \"$KEY\"; head -c " + pad + " /dev/zero | tr '\\0' x; echo";
    DiscoverResult found = activities.discover(new DiscoverInput(context(1, prepared.commit(), List.of()),
        new StepSpec(line + "; (" + line + ") >&2; sleep 3", "PT1M")));
    assertThat(found.task()).startsWith("[secret:token]xxx");
    List<StepOutput> running = beats.stream().filter(b -> "running".equals(b.status())).toList();
    assertThat(running).isNotEmpty();
    for (StepOutput beat : running) {
      assertThat(beat.tail()).startsWith("[stdout]\n[secret:token]xxx").contains("[stderr]\n[secret:token]xxx")
          .doesNotContain(SECRET.substring(SECRET.length() - 10));
    }
  }

  @Test
  @DisplayName("the remote quotes a file the maker wrote, with a secret where the push output is cut, so it would end with the secret's first characters")
  void secretCutByThePushOutput() throws Exception {
    // A remote that rejects every push, quoting the pushed leak.txt (a server-side check that prints offending content).
    Path hook = origin.resolve("hooks/pre-receive");
    Files.writeString(hook, "#!/bin/sh\nwhile read old new ref; do git cat-file -p \"$new:leak.txt\" >&2; done\nexit 1\n");
    hook.toFile().setExecutable(true);
    // git prints the hook's line as 'remote: <line>': the cut of 2,000 characters falls 10 characters into the first secret.
    int pad = Delivery.MAX_OUTPUT_CHARS - 1 - "remote: ".length() - 10;
    MakeResult made = activities.make(new MakeInput(context(1, prepared.commit(), List.of()),
        new StepSpec("{ head -c " + pad + " /dev/zero | tr '\\0' x; printf '%s%s%s\\n' \"$KEY\" \"$KEY\" \"$KEY\"; } > leak.txt", "PT1M")));

    DeliverResult delivered = outbound.deliver(new DeliverInput(context(2, made.attemptCommit(), List.of()),
        new WorkspaceSpec(origin.toString(), "main"), new DeliverSpec(null, null, null, null, null).normalized(), 1, true));
    assertThat(delivered.pushed()).isFalse();
    assertThat(delivered.pushOutput()).startsWith("remote: xxx").endsWith("…").doesNotContain(SECRET.substring(0, 6));
    assertThat(delivered.toString()).doesNotContain(SECRET.substring(0, 6));
  }

  @Test
  @DisplayName("a maker names the files it changes after a secret, and the attempt's diff stat and result would carry the names")
  void secretAsAChangedFileName() {
    MakeResult made = activities.make(new MakeInput(context(1, prepared.commit(), List.of()),
        new StepSpec("echo x > \"$KEY.txt\"; mkdir -p \"d-$KEY\"; echo y > \"d-$KEY/f\"; mv a.txt \"$KEY-moved.txt\"", "PT1M")));
    assertThat(made.changed()).isTrue();
    assertThat(made.diffStat()).matches("\\d+ files changed, \\+\\d+ -\\d+");
    assertThat(made.toString()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("the repository is swapped for a symlink to a repository outside the allowed roots before Deliver pushes")
  void repositorySwappedForASymlinkBeforeDeliver() throws Exception {
    Path outside = tmp.resolve("outside.git");
    git(tmp, "init", "-q", "--bare", outside.toString());
    Files.move(origin, tmp.resolve("allowed/moved.git"));
    Files.createSymbolicLink(origin, outside);

    DeliverResult delivered = outbound.deliver(new DeliverInput(context(1, prepared.commit(), List.of()),
        new WorkspaceSpec(origin.toString(), "main"), new DeliverSpec(null, null, null, null, null).normalized(), 1, true));
    assertThat(delivered.pushed()).isFalse();
    assertThat(delivered.error()).isEqualTo("refusing to push: workspace.repository is outside the allowed roots "
        + "(the data directory and durable-loops.allowed-roots)");
    assertThat(git(outside, "for-each-ref")).isEmpty();
  }

  private static String git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
