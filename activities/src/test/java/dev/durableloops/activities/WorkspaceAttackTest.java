package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.MemoryView;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.RollbackInput;
import dev.durableloops.workflows.steps.StepContext;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the worker's own work in a workspace (issue 19; DESIGN.md "Trust boundaries", zone 2):
 * a step that runs unconfined ({@link Sandbox#processGroupOnly()}, as if the sandbox were off or
 * broken) writes hooks, git settings, redirects and links where the worker commits, resets, pushes,
 * reads and writes. Each attack passes only when stopped: the marker a hook or command would leave
 * in {@link #outside} never appears, a file elsewhere is neither read into the loop's results nor
 * written, and nothing outside the workspace enters an attempt commit. Real repositories, real
 * processes, the real activities through Temporal's activity test environment.
 */
class WorkspaceAttackTest {

  static final String LOOP = "loop-w";
  static final String SECRET = "TOPSECRET-4711";

  @TempDir Path tmp;
  /** Where files of another owner live: what the worker must neither read nor write. */
  Path outside;
  /** Where an attack's hooks and commands would leave their markers: empty while the attacks are stopped. */
  Path marks;
  /** The worker's data directory, hidden from sandboxed steps; {@link #secret} is in it. */
  Path data;
  Path secret;
  Path bare;
  WorkspaceSpec origin;
  TestActivityEnvironment env;
  WorkspaceActivities activities;
  OutboundActivities outbound;
  PrepareResult prepared;
  Path ws;

  @BeforeEach
  void setUp() throws Exception {
    outside = Files.createDirectories(tmp.resolve("outside"));
    marks = Files.createDirectories(tmp.resolve("marks"));
    data = tmp.resolve("data");
    secret = Files.createDirectories(data).resolve("secret.txt");
    Files.writeString(secret, SECRET + " the worker's own\n");
    Path source = TestRepos.create(tmp.resolve("source"), Map.of("a.txt", "a\n", "dir/b.txt", "b\n"));
    bare = tmp.resolve("origin.git");
    git(tmp, "clone", "-q", "--bare", source.toString(), bare.toString());
    origin = new WorkspaceSpec(bare.toString(), "main");
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new WorkerActivities(data,
        new CommandPolicy(1 << 20, CommandPolicy.DEFAULT_INHERITED, Map.of(), Sandbox.processGroupOnly()), GitStore.under(data)).all());
    activities = env.newActivityStub(WorkspaceActivities.class);
    outbound = env.newActivityStub(OutboundActivities.class);
    prepared = activities.prepare(new PrepareInput(LOOP, origin, null));
    ws = Path.of(prepared.workspacePath());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  // ---- hooks ----

  @Test
  @DisplayName("a maker writes .git/hooks/pre-commit for the worker's attempt commit")
  void preCommitHook() throws Exception {
    hooksNeverRun("pre-commit");
    // The hook was armed: the git command line in the workspace runs it.
    git(ws, "commit", "-q", "--allow-empty", "-m", "control");
    assertThat(markers()).containsExactly("hook-pre-commit");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/prepare-commit-msg for the worker's attempt commit")
  void prepareCommitMsgHook() throws Exception {
    hooksNeverRun("prepare-commit-msg");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/commit-msg for the worker's attempt commit")
  void commitMsgHook() throws Exception {
    hooksNeverRun("commit-msg");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/post-commit (which CommitCommand.setNoVerify would still run)")
  void postCommitHook() throws Exception {
    hooksNeverRun("post-commit");
    git(ws, "commit", "-q", "--allow-empty", "--no-verify", "-m", "control");
    assertThat(markers()).containsExactly("hook-post-commit");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/post-checkout for the worker's reset to a checkpoint")
  void postCheckoutHook() throws Exception {
    hooksNeverRun("post-checkout");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/post-merge for the worker's fetches and resets")
  void postMergeHook() throws Exception {
    hooksNeverRun("post-merge");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/pre-push for Deliver's push")
  void prePushHook() throws Exception {
    hooksNeverRun("pre-push");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/reference-transaction for every ref the worker moves")
  void referenceTransactionHook() throws Exception {
    hooksNeverRun("reference-transaction");
  }

  @Test
  @DisplayName("a maker writes .git/hooks/post-rewrite for the worker's rollback")
  void postRewriteHook() throws Exception {
    hooksNeverRun("post-rewrite");
  }

  @Test
  @DisplayName("a maker writes every other hook git knows (update, post-update, pre-auto-gc, post-index-change, ...)")
  void everyOtherHook() throws Exception {
    hooksNeverRun("applypatch-msg", "pre-applypatch", "post-applypatch", "pre-merge-commit", "pre-rebase", "pre-receive", "update",
        "proc-receive", "post-receive", "post-update", "push-to-checkout", "pre-auto-gc", "post-index-change", "fsmonitor-watchman",
        "sendemail-validate", "p4-pre-submit");
  }

  @Test
  @DisplayName("a maker links .git/hooks/pre-commit and post-commit to scripts outside the workspace")
  void hooksLinked() throws Exception {
    Path scripts = Files.createDirectories(tmp.resolve("elsewhere-scripts"));
    everyStep(hookScript(scripts.resolve("pre-commit"), "pre-commit") + "; " + hookScript(scripts.resolve("post-commit"), "post-commit")
        + "; ln -sf " + scripts.resolve("pre-commit") + " .git/hooks/pre-commit; ln -sf " + scripts.resolve("post-commit")
        + " .git/hooks/post-commit; echo changed > a.txt");
    assertThat(markers()).isEmpty();
  }

  @Test
  @DisplayName("a maker points core.hooksPath at hooks of its own outside the workspace")
  void hooksPath() throws Exception {
    Path hooks = Files.createDirectories(tmp.resolve("elsewhere-hooks"));
    StringBuilder plant = new StringBuilder();
    for (String hook : List.of("pre-commit", "commit-msg", "post-commit", "post-checkout", "pre-push", "reference-transaction")) {
      plant.append(hookScript(hooks.resolve(hook), hook)).append("; ");
    }
    plant.append("git config core.hooksPath ").append(hooks);
    everyStep(plant.toString());
    assertThat(markers()).isEmpty();
  }

  // ---- settings that run commands ----

  @Test
  @DisplayName("a maker sets clean, smudge and process filters in .git/config and names them in .gitattributes")
  void filters() throws Exception {
    String marker = marks.toString();
    MakeResult made = everyStep("echo '* filter=evil' > .gitattributes; echo changed > a.txt;"
        + " git config filter.evil.clean 'touch " + marker + "/filter-clean; cat';"
        + " git config filter.evil.smudge 'touch " + marker + "/filter-smudge; cat';"
        + " git config filter.evil.process 'touch " + marker + "/filter-process';"
        + " git config filter.evil.required true");
    assertThat(markers()).isEmpty();
    // The content was committed as it was, not through a filter.
    assertThat(blob(made.attemptCommit(), "a.txt")).isEqualTo("changed\n");
  }

  @Test
  @DisplayName("a maker sets core.fsmonitor to a command")
  void fsmonitor() throws Exception {
    everyStep("git config core.fsmonitor 'touch " + marks + "/fsmonitor; echo'; echo changed > a.txt");
    assertThat(markers()).isEmpty();
  }

  @Test
  @DisplayName("a maker sets every other key that names a command (sshCommand, gpg signing, credential helper, textconv, pager, editor, upload-pack)")
  void settingsThatNameCommands() throws Exception {
    String touch = "touch " + marks + "/";
    everyStep("git config core.sshCommand '" + touch + "ssh'; git config commit.gpgSign true; git config tag.gpgSign true;"
        + " git config gpg.program '" + touch + "gpg'; git config gpg.ssh.program '" + touch + "gpg-ssh';"
        + " git config credential.helper '!" + touch + "credential';"
        + " git config diff.external '" + touch + "diff-external'; git config diff.evil.textconv '" + touch + "textconv';"
        + " echo '* diff=evil' > .gitattributes; git config core.pager '" + touch + "pager'; git config core.editor '" + touch + "editor';"
        + " git config remote.origin.uploadpack '" + touch + "uploadpack'; git config remote.origin.receivepack '" + touch + "receivepack';"
        + " git config 'remote." + data.resolve("store.git") + ".uploadpack' '" + touch + "store-uploadpack';"
        + " git config 'remote." + data.resolve("store.git") + ".receivepack' '" + touch + "store-receivepack';"
        + " echo changed > a.txt");
    assertThat(markers()).isEmpty();
  }

  @Test
  @DisplayName("a maker includes a config file from outside the workspace (include.path, includeIf)")
  void includePath() throws Exception {
    Path included = outside.resolve("included.config");
    Files.writeString(included, "[core]\n\thooksPath = " + outside + "/included-hooks\n[user]\n\tname = " + SECRET + "\n");
    Path hooks = Files.createDirectories(outside.resolve("included-hooks"));
    String plant = hookScript(hooks.resolve("pre-commit"), "pre-commit") + "; " + hookScript(hooks.resolve("post-commit"), "post-commit")
        + "; git config include.path " + included + "; git config 'includeIf.gitdir:/.path' " + included + "; echo changed > a.txt";
    everyStep(plant);
    assertThat(markers()).isEmpty();
  }

  @Test
  @DisplayName("a maker redirects Deliver's push with url.insteadOf, a receive-pack command and a pre-push hook")
  void deliveryRedirected() throws Exception {
    Path evil = tmp.resolve("evil.git");
    git(tmp, "init", "-q", "--bare", evil.toString());
    String touch = "touch " + marks + "/";
    MakeResult made = make(1, prepared.commit(), "echo delivered > a.txt; " + hookScript(ws.resolve(".git/hooks/pre-push"), "pre-push")
        + "; git config 'url." + evil + ".insteadOf' " + bare + "; git config 'remote." + bare + ".receivepack' '" + touch + "receivepack'"
        + "; git config remote.origin.pushurl " + evil + "; git config remote.pushDefault origin");
    activities.checkpoint(new CheckpointInput(LOOP, 1, made.attemptCommit()));
    DeliverResult delivered = deliver(made.attemptCommit());
    assertThat(delivered.error()).isNull();
    assertThat(delivered.pushed()).isTrue();
    assertThat(git(bare, "rev-parse", "refs/heads/" + LoopRefs.workBranch(LOOP))).isEqualTo(made.attemptCommit());
    assertThat(git(evil, "for-each-ref")).isEmpty();
    assertThat(markers()).isEmpty();
  }

  // ---- redirects of .git ----

  @Test
  @DisplayName("a maker sets core.worktree to a directory outside the workspace")
  void worktreeOutside() throws Exception {
    Path victim = Files.createDirectories(outside.resolve("victim-tree"));
    Files.writeString(victim.resolve("secret.txt"), SECRET + "\n");
    Files.writeString(victim.resolve("a.txt"), "precious\n");
    MakeResult made = everyStep("git config core.worktree " + victim + "; echo changed > a.txt");
    assertThat(paths(made.attemptCommit())).containsExactly("a.txt", "dir/b.txt");
    assertThat(blob(made.attemptCommit(), "a.txt")).isEqualTo("changed\n");
    assertThat(Files.readString(victim.resolve("a.txt"))).isEqualTo("precious\n");
    assertThat(Files.readString(victim.resolve("secret.txt"))).isEqualTo(SECRET + "\n");
  }

  @Test
  @DisplayName("a maker replaces .git with a 'gitdir:' file naming a repository outside the workspace")
  void gitdirFile() throws Exception {
    Path elsewhere = tmp.resolve("elsewhere.git");
    git(tmp, "clone", "-q", "--bare", bare.toString(), elsewhere.toString());
    String refsBefore = git(elsewhere, "for-each-ref");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(),
        "echo changed > a.txt; mv .git ../moved-git; echo 'gitdir: " + elsewhere + "' > .git"));
    assertUnsafe(refused, ".git is not a directory");
    assertThat(git(elsewhere, "for-each-ref")).isEqualTo(refsBefore);
  }

  @Test
  @DisplayName("a maker replaces .git with a symbolic link to a repository outside the workspace")
  void gitSymlink() throws Exception {
    Path elsewhere = tmp.resolve("elsewhere.git");
    git(tmp, "clone", "-q", "--bare", bare.toString(), elsewhere.toString());
    String refsBefore = git(elsewhere, "for-each-ref");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "echo changed > a.txt; rm -rf .git; ln -s " + elsewhere + " .git"));
    assertUnsafe(refused, ".git is a symbolic link (to " + elsewhere + ")");
    assertThat(git(elsewhere, "for-each-ref")).isEqualTo(refsBefore);
  }

  @Test
  @DisplayName("a maker points .git at another loop's workspace, for the next Prepare to remove that loop's live locks")
  void gitSymlinkToAnotherLoop() throws Exception {
    PrepareResult other = activities.prepare(new PrepareInput("loop-other", origin, null));
    Path theirGit = Path.of(other.workspacePath()).resolve(".git");
    Files.writeString(theirGit.resolve("index.lock"), "");
    Files.writeString(theirGit.resolve("HEAD.lock"), "");
    failure(() -> make(1, prepared.commit(), "rm -rf .git; ln -s " + theirGit + " .git"));
    ApplicationFailure refused = failure(() -> activities.prepare(new PrepareInput(LOOP, origin, prepared.commit())));
    assertUnsafe(refused, ".git is a symbolic link (to " + theirGit + ")");
    assertThat(theirGit.resolve("index.lock")).exists();
    assertThat(theirGit.resolve("HEAD.lock")).exists();
  }

  @Test
  @DisplayName("a maker swaps its whole workspace directory for a link to another loop's workspace")
  void workspaceSwappedForLink() throws Exception {
    PrepareResult other = activities.prepare(new PrepareInput("loop-other", origin, null));
    Path theirs = Path.of(other.workspacePath());
    Files.writeString(theirs.resolve("a.txt"), "their uncommitted work\n");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(),
        "echo changed > a.txt; cd ..; mv workspace workspace-moved; ln -s " + theirs + " workspace"));
    assertUnsafe(refused, "the workspace " + ws + " is a symbolic link (to " + theirs + ")");
    assertThat(git(theirs, "for-each-ref", "refs/loops")).isEmpty();
    assertThat(Files.readString(theirs.resolve("a.txt"))).isEqualTo("their uncommitted work\n");
  }

  @Test
  @DisplayName("a maker borrows another repository's objects through objects/info/alternates")
  void alternates() throws Exception {
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(),
        "echo " + data.resolve("store.git/objects") + " > .git/objects/info/alternates; echo changed > a.txt"));
    assertUnsafe(refused, ".git/objects/info/alternates exists");
  }

  @Test
  @DisplayName("an attempt's maker rewrites the alternates the worker wrote in its workspace, to borrow another repository's objects")
  void attemptAlternatesRewritten() throws Exception {
    String attempt = dev.durableloops.workflows.steps.AttemptIds.of(LOOP, 2);
    StepContext ctx = new StepContext(attempt, 1, "the goal", prepared.commit());
    MakeResult fair = activities.make(new MakeInput(ctx, new StepSpec("echo changed > a.txt", "PT1M")));
    assertThat(fair.attemptRef()).isEqualTo("refs/loops/" + LOOP + "/attempts/1/2");
    assertThat(git(data.resolve("store.git"), "rev-parse", fair.attemptRef()).strip()).isEqualTo(fair.attemptCommit());
    Path attemptWs = data.resolve("loops").resolve(LOOP).resolve("attempts/2/workspace");
    assertThat(Files.readString(attemptWs.resolve(".git/objects/info/alternates")))
        .isEqualTo(ws.resolve(".git/objects").toAbsolutePath() + "\n");
    assertThat(attemptWs.resolve(".git/objects/pack")).isEmptyDirectory();

    // A maker that removes the file only loses it for itself: the worker writes it again for the next step.
    MakeResult removed = activities.make(new MakeInput(new StepContext(attempt, 2, "the goal", prepared.commit()),
        new StepSpec("rm .git/objects/info/alternates; echo other > a.txt", "PT1M")));
    assertThat(activities.check(new CheckInput(new StepContext(attempt, 2, "the goal", removed.attemptCommit()),
        List.of(new CheckSpec("unit", "grep -q other a.txt", null, "PT1M", true, null)))).requiredPassed()).isTrue();

    ApplicationFailure refused = failure(() -> activities.make(new MakeInput(new StepContext(attempt, 3, "the goal", prepared.commit()),
        new StepSpec("echo " + data.resolve("store.git/objects") + " > .git/objects/info/alternates; echo again > a.txt", "PT1M"))));
    assertUnsafe(refused, "alternates is not the one the worker wrote");
    assertThat(failure(() -> activities.check(new CheckInput(new StepContext(attempt, 3, "the goal", prepared.commit()),
        List.of(new CheckSpec("unit", "true", null, "PT1M", true, null)))))).satisfies(f -> assertUnsafe(f, "alternates"));
  }

  @Test
  @DisplayName("a fan-out child's maker rewrites the alternates the worker recorded for its shared workspace, to borrow another repository's objects")
  void childAlternatesRewritten() throws Exception {
    String child = LOOP + "-t1";
    PrepareResult childPrepared = activities.prepare(new PrepareInput(child, origin, prepared.commit(), LOOP, null, null, null, LOOP));
    Path childWs = Path.of(childPrepared.workspacePath());
    Path mirrorObjects = new SharedClones(new LoopPaths(data)).mirror(origin.repository()).resolve("objects");
    assertThat(Files.readString(childWs.resolve(".git/objects/info/alternates"))).isEqualTo(mirrorObjects + "\n");
    MakeResult fair = activities.make(new MakeInput(new StepContext(child, 1, "the goal", prepared.commit()),
        new StepSpec("echo changed > a.txt", "PT1M")));
    assertThat(git(data.resolve("store.git"), "rev-parse", fair.attemptRef()).strip()).isEqualTo(fair.attemptCommit());

    // A maker that removes the file only loses it for itself: the worker writes it again for the next step.
    MakeResult removed = activities.make(new MakeInput(new StepContext(child, 2, "the goal", prepared.commit()),
        new StepSpec("rm .git/objects/info/alternates; echo other > a.txt", "PT1M")));
    assertThat(activities.check(new CheckInput(new StepContext(child, 2, "the goal", removed.attemptCommit()),
        List.of(new CheckSpec("unit", "grep -q other a.txt", null, "PT1M", true, null)))).requiredPassed()).isTrue();

    ApplicationFailure refused = failure(() -> activities.make(new MakeInput(new StepContext(child, 3, "the goal", prepared.commit()),
        new StepSpec("echo " + data.resolve("store.git/objects") + " > .git/objects/info/alternates; echo again > a.txt", "PT1M"))));
    assertUnsafe(refused, "alternates is not the one the worker wrote");

    // The mirror's alternates line is the worker's to write: in a loop's workspace it did not make shared, it is refused.
    ApplicationFailure borrowed = failure(() -> make(1, prepared.commit(),
        "echo " + mirrorObjects + " > .git/objects/info/alternates; echo changed > a.txt"));
    assertUnsafe(borrowed, ".git/objects/info/alternates exists");
  }

  @Test
  @DisplayName("a maker points .git/commondir at another repository")
  void commondir() throws Exception {
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "echo " + data.resolve("store.git") + " > .git/commondir"));
    assertUnsafe(refused, ".git/commondir exists");
  }

  @Test
  @DisplayName("a maker points HEAD at a ref name that climbs out of .git, for the worker's commit and reset to write there")
  void headSymrefOutside() throws Exception {
    String climb = climbingRef();
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "echo changed > a.txt; printf 'ref: " + climb + "\\n' > .git/HEAD"));
    assertUnsafe(refused, ".git/HEAD is a symbolic ref to '" + climb + "'");
    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  @DisplayName("a maker makes the work branch a symbolic ref that climbs out of .git, for the worker's checkpoint to write there")
  void branchSymrefOutside() throws Exception {
    String climb = climbingRef();
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "echo changed > a.txt; rm -f .git/packed-refs; printf 'ref: "
        + climb + "\\n' > .git/refs/heads/loops/" + LOOP));
    assertUnsafe(refused, ".git/refs/heads/loops/" + LOOP + " is a symbolic ref to '" + climb + "'");
    assertThat(outside.resolve("pwned")).doesNotExist();
  }

  @Test
  @DisplayName("a maker points HEAD at the loop's work branch, for the worker's attempt commit to move it past the gate")
  void headOnTheWorkBranch() throws Exception {
    MakeResult made = make(1, prepared.commit(), "git symbolic-ref HEAD refs/heads/" + LoopRefs.workBranch(LOOP) + "; echo changed > a.txt");
    assertThat(made.changed()).isTrue();
    assertThat(git(ws, "rev-parse", "refs/heads/" + LoopRefs.workBranch(LOOP))).isEqualTo(prepared.commit());
    try (Git store = Git.open(data.resolve("store.git").toFile())) {
      assertThat(store.getRepository().resolve("refs/heads/" + LoopRefs.workBranch(LOOP)).name()).isEqualTo(prepared.commit());
    }
  }

  @Test
  @DisplayName("a maker points HEAD at the work branch and leaves .git/HEAD.lock, for the worker's detach of HEAD to fail unseen")
  void headOnTheWorkBranchLocked() throws Exception {
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(),
        "git symbolic-ref HEAD refs/heads/" + LoopRefs.workBranch(LOOP) + "; echo changed > a.txt; touch .git/HEAD.lock"));
    assertThat(refused.getOriginalMessage()).contains("pointing HEAD at").contains("LOCK_FAILURE");
    assertThat(git(ws, "rev-parse", "refs/heads/" + LoopRefs.workBranch(LOOP))).isEqualTo(prepared.commit());
    // The step's retry reconciles the workspace, the lock with it, and goes on.
    assertThat(make(1, prepared.commit(), "echo again > a.txt").changed()).isTrue();
  }

  /** {@code refs/../../…/outside/pwned}: a ref name whose file is {@link #outside}{@code /pwned}. */
  private String climbingRef() {
    return "refs/" + "../".repeat(ws.resolve(".git/refs").getNameCount()) + outside.toString().substring(1) + "/pwned";
  }

  @Test
  @DisplayName("a maker links the reflog .git/logs/HEAD to a file elsewhere for the worker to append to")
  void reflogLinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "rm -f .git/logs/HEAD; ln -s " + victim + " .git/logs/HEAD"));
    assertUnsafe(refused, ".git/logs/HEAD is a symbolic link (to " + victim + ")");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  @DisplayName("a maker links a loose object in .git/objects to another repository's object, for its content to enter the attempt commit")
  void looseObjectLinked() throws Exception {
    Path theirs = Files.writeString(outside.resolve("object"), "not really an object\n");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(),
        "mkdir -p .git/objects/00 && ln -s " + theirs + " .git/objects/00/" + "1".repeat(38) + "; echo changed > a.txt"));
    assertUnsafe(refused, ".git/objects/00/" + "1".repeat(38) + " is a symbolic link (to " + theirs + ")");
  }

  @Test
  @DisplayName("a maker hard-links .git/info/exclude to a secret, which the worker reads and rewrites on the next Prepare")
  void excludeHardLinked() throws Exception {
    make(1, prepared.commit(), "ln -f " + secret + " .git/info/exclude");
    activities.prepare(new PrepareInput(LOOP, origin, prepared.commit()));
    assertThat(Files.readString(ws.resolve(".git/info/exclude"))).isEqualTo(".loop/\n");
    assertThat(Files.readString(secret)).isEqualTo(SECRET + " the worker's own\n");
  }

  @Test
  @DisplayName("a maker hard-links the reflog .git/logs/HEAD to a file elsewhere for the worker to append to")
  void reflogHardLinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "ln -f " + victim + " .git/logs/HEAD"));
    assertUnsafe(refused, ".git/logs/HEAD has more than one name (a hard link)");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  @DisplayName("a maker hard-links .git/durable-loops-workspace-id to a secret, which names the logs ref in the store")
  void workspaceIdHardLinked() throws Exception {
    make(1, prepared.commit(), "rm -f .git/durable-loops-workspace-id; ln " + secret + " .git/durable-loops-workspace-id");
    make(2, prepared.commit(), "true");
    try (Git store = Git.open(data.resolve("store.git").toFile())) {
      assertThat(store.getRepository().getRefDatabase().getRefs()).extracting(r -> r.getName()).noneMatch(n -> n.contains(SECRET));
    }
    assertThat(Files.readString(secret)).isEqualTo(SECRET + " the worker's own\n");
  }

  // ---- links where the worker reads and writes ----

  @Test
  @DisplayName("a maker links .loop/result.json to a file in the hidden data directory")
  void resultSymlinked() throws Exception {
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "ln -s " + secret + " .loop/result.json"));
    assertUnsafe(refused, ".loop/result.json is a symbolic link");
  }

  @Test
  @DisplayName("a maker hard-links .loop/result.json to a file in the hidden data directory")
  void resultHardLinked() throws Exception {
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "ln " + secret + " .loop/result.json"));
    assertUnsafe(refused, ".loop/result.json has 2 names (a hard link)");
  }

  @Test
  @DisplayName("a maker replaces .loop with a symbolic link to a directory holding a result.json of another's")
  void loopDirSymlinkedDuringMake() throws Exception {
    Path theirs = Files.createDirectories(outside.resolve("theirs"));
    Files.writeString(theirs.resolve("result.json"), "{\"summary\": \"" + SECRET + "\"}");
    ApplicationFailure refused = failure(() -> make(1, prepared.commit(), "rm -rf .loop; ln -s " + theirs + " .loop"));
    assertUnsafe(refused, ".loop is a symbolic link (to " + theirs + ")");
    assertThat(theirs.resolve("result.json")).exists();
  }

  @Test
  @DisplayName("a maker links .loop/STATE.md to files elsewhere for the next iteration's worker to create or truncate")
  void stateSymlinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    make(1, prepared.commit(), "ln -s " + victim + " .loop/STATE.md; ln -s " + outside.resolve("created") + " .loop/REFLECTIONS.md;"
        + " ln -s " + outside.resolve("rules") + " .loop/RULES.md; ln -s " + outside.resolve("prompt") + " .loop/PROMPT.md");
    plan(2);
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(outside.resolve("created")).doesNotExist();
    assertThat(outside.resolve("rules")).doesNotExist();
    assertThat(outside.resolve("prompt")).doesNotExist();
    for (String file : List.of(MemoryFiles.STATE, MemoryFiles.REFLECTIONS, MemoryFiles.RULES, MemoryFiles.PROMPT)) {
      assertThat(Files.isRegularFile(ws.resolve(file), LinkOption.NOFOLLOW_LINKS)).as(file).isTrue();
    }
    assertThat(Files.readString(ws.resolve(MemoryFiles.STATE))).contains("- iteration: 2");
  }

  @Test
  @DisplayName("a maker hard-links .loop/STATE.md and .loop/REFLECTIONS.md to files elsewhere")
  void stateHardLinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    make(1, prepared.commit(), "ln " + victim + " .loop/STATE.md; ln " + secret + " .loop/REFLECTIONS.md");
    plan(2);
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.readString(secret)).isEqualTo(SECRET + " the worker's own\n");
    assertThat(Files.readString(ws.resolve(MemoryFiles.STATE))).contains("- iteration: 2");
    assertThat(Files.getAttribute(ws.resolve(MemoryFiles.STATE), "unix:nlink")).isEqualTo(1);
  }

  @Test
  @DisplayName("a maker replaces .loop with a symbolic link for the next iteration's worker to write the memory files into")
  void loopDirSymlinkedBeforePlan() throws Exception {
    Path theirs = Files.createDirectories(outside.resolve("theirs"));
    // Left by a maker that died before the worker read its result: the next step finds the link.
    make(1, prepared.commit(), "true");
    WorkspaceFiles.deleteTree(ws.resolve(".loop"));
    Files.createSymbolicLink(ws.resolve(".loop"), theirs);
    plan(2);
    try (Stream<Path> files = Files.list(theirs)) {
      assertThat(files.toList()).isEmpty();
    }
    assertThat(Files.isDirectory(ws.resolve(".loop"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(ws.resolve(MemoryFiles.STATE))).contains("- iteration: 2");
  }

  @Test
  @DisplayName("a plan command replaces the prompt file with a link to a file in the hidden data directory")
  void promptSymlinkedByPlan() throws Exception {
    ApplicationFailure refused = failure(() -> activities.plan(new PlanInput(at(1, prepared.commit()), "task",
        new StepSpec("rm .loop/PROMPT.md; ln -s " + secret + " .loop/PROMPT.md", "PT1M"), memory())));
    assertUnsafe(refused, ".loop/PROMPT.md is a symbolic link");
  }

  @Test
  @DisplayName("a plan command replaces the prompt file with a hard link to a file in the hidden data directory")
  void promptHardLinkedByPlan() throws Exception {
    ApplicationFailure refused = failure(() -> activities.plan(new PlanInput(at(1, prepared.commit()), "task",
        new StepSpec("rm .loop/PROMPT.md; ln " + secret + " .loop/PROMPT.md", "PT1M"), memory())));
    assertUnsafe(refused, ".loop/PROMPT.md has 2 names (a hard link)");
  }

  @Test
  @DisplayName("a check links its JUnit report to a report elsewhere whose failure messages would enter the evidence")
  void reportSymlinked() throws Exception {
    Path theirs = Files.writeString(outside.resolve("report.xml"),
        "<testsuite><testcase classname=\"t\" name=\"x\"><failure message=\"" + SECRET + "\"/></testcase></testsuite>");
    ApplicationFailure refused = failure(() -> check("ln -s " + theirs + " .loop/reports/r.xml"));
    assertUnsafe(refused, ".loop/reports/r.xml is a symbolic link");
  }

  @Test
  @DisplayName("a check hard-links its JUnit report to a report elsewhere")
  void reportHardLinked() throws Exception {
    Path theirs = Files.writeString(outside.resolve("report.xml"),
        "<testsuite><testcase classname=\"t\" name=\"x\"><failure message=\"" + SECRET + "\"/></testcase></testsuite>");
    ApplicationFailure refused = failure(() -> check("ln " + theirs + " .loop/reports/r.xml"));
    assertUnsafe(refused, ".loop/reports/r.xml has 2 names (a hard link)");
  }

  @Test
  @DisplayName("a check replaces .loop/reports with a link to a directory of reports elsewhere")
  void reportsDirectorySymlinked() throws Exception {
    Path theirs = Files.createDirectories(outside.resolve("reports"));
    Files.writeString(theirs.resolve("r.xml"), "<testsuite><testcase classname=\"t\" name=\"x\"><failure message=\"" + SECRET + "\"/></testcase></testsuite>");
    ApplicationFailure refused = failure(() -> check("rm -rf .loop/reports; ln -s " + theirs + " .loop/reports"));
    assertUnsafe(refused, ".loop/reports is a symbolic link");
    assertThat(theirs.resolve("r.xml")).exists();
  }

  @Test
  @DisplayName("a maker links .loop/reports to a directory elsewhere for the next check's clean-up to empty")
  void reportsDirectoryEmptiedThroughLink() throws Exception {
    Path theirs = Files.createDirectories(outside.resolve("precious"));
    Files.writeString(theirs.resolve("keep.txt"), "precious\n");
    MakeResult made = make(1, prepared.commit(), "mkdir -p .loop; rm -rf .loop/reports; ln -s " + theirs + " .loop/reports");
    CheckResult checked = activities.check(new CheckInput(at(1, made.attemptCommit()),
        List.of(new CheckSpec("unit", "true", ".loop/reports/*.xml", "PT1M", true, null))));
    assertThat(checked.requiredPassed()).isTrue();
    assertThat(Files.readString(theirs.resolve("keep.txt"))).isEqualTo("precious\n");
  }

  @Test
  @DisplayName("a maker links .loop/ATTEMPT.diff to a file elsewhere for the reviewing worker to write")
  void diffFileSymlinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    MakeResult made = make(1, prepared.commit(), "echo changed > a.txt; ln -s " + victim + " .loop/ATTEMPT.diff");
    CheckResult passed = activities.check(new CheckInput(at(1, made.attemptCommit()), List.of(new CheckSpec("ok", "true", null, "PT1M", true, null))));
    GateResult gate = activities.gate(new GateInput(at(1, made.attemptCommit()), new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT),
        new StepSpec("grep -q '+changed' \"$LOOP_DIFF_FILE\"", "PT1M"), made, passed, null, null));
    assertThat(gate.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  @DisplayName("a maker links .loop/EVIDENCE.json to a file elsewhere for the reflecting worker to write")
  void evidenceFileSymlinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    MakeResult made = make(1, prepared.commit(), "ln -s " + victim + " .loop/EVIDENCE.json; exit 3");
    CheckResult failed = activities.check(new CheckInput(at(1, made.attemptCommit()), List.of(new CheckSpec("ok", "exit 1", null, "PT1M", true, null))));
    var reflected = activities.reflect(new ReflectInput(at(1, prepared.commit()), new StepSpec("grep -q exitCode \"$LOOP_EVIDENCE_FILE\" && echo read it", "PT1M"),
        "task", made, failed, new GateResult(Verdict.REJECT, false, "the maker exited 3", null), "the maker exited 3", null, false, 1));
    assertThat(reflected.text()).isEqualTo("read it");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  // ---- what enters an attempt commit ----

  @Test
  @DisplayName("a maker adds symbolic links to a secret file and to a directory outside, hoping their content is committed")
  void symlinksCommittedAsLinks() throws Exception {
    MakeResult made = make(1, prepared.commit(), "ln -s " + secret + " leak.txt; ln -s " + data + " leakdir");
    try (Git git = Git.open(ws.toFile()); TreeWalk walk = new TreeWalk(git.getRepository())) {
      Repository repo = git.getRepository();
      walk.addTree(repo.parseCommit(repo.resolve(made.attemptCommit())).getTree());
      walk.setRecursive(true);
      List<String> entries = new ArrayList<>();
      while (walk.next()) {
        String content = new String(repo.open(walk.getObjectId(0)).getBytes());
        assertThat(content).doesNotContain(SECRET);
        entries.add(walk.getPathString() + (walk.getFileMode(0) == FileMode.SYMLINK ? " -> " + content : ""));
      }
      assertThat(entries).containsExactly("a.txt", "dir/b.txt", "leak.txt -> " + secret, "leakdir -> " + data);
    }
  }

  @Test
  @DisplayName("a maker replaces a tracked directory with a link outside, for the worker's reset to write the checkpoint's files through")
  void trackedDirectoryReplacedByLink() throws Exception {
    Path theirs = Files.createDirectories(outside.resolve("theirs"));
    make(1, prepared.commit(), "rm -rf dir; ln -s " + theirs + " dir; echo changed > a.txt");
    activities.discard(new DiscardInput(LOOP, prepared.commit()));
    try (Stream<Path> files = Files.list(theirs)) {
      assertThat(files.toList()).isEmpty();
    }
    assertThat(Files.isDirectory(ws.resolve("dir"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(ws.resolve("dir/b.txt"))).isEqualTo("b\n");
  }

  @Test
  @DisplayName("a maker replaces a tracked file with a link to a file elsewhere, for the worker's reset to overwrite")
  void trackedFileReplacedByLink() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    // Left uncommitted by a maker that died: the next step's reset finds the link in place.
    make(1, prepared.commit(), "true");
    Files.delete(ws.resolve("a.txt"));
    Files.createSymbolicLink(ws.resolve("a.txt"), victim);
    activities.discard(new DiscardInput(LOOP, prepared.commit()));
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.isRegularFile(ws.resolve("a.txt"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(ws.resolve("a.txt"))).isEqualTo("a\n");
  }

  // ---- what the git command line would read (GitCommandLine) ----

  @Test
  @DisplayName("a maker commits a nested repository, then arms a filter in that repository's own config, for the worker's git add to run git status in it")
  void nestedRepositoryFilter() throws Exception {
    MakeResult first = make(1, prepared.commit(), "git init -q sub && cd sub && echo x > x.txt && git add x.txt"
        + " && git -c user.name=t -c user.email=t@t.invalid commit -qm x && cd .. && echo changed > a.txt");
    assertThat(first.exitCode()).as(first.outputTail()).isZero();
    assertThat(paths(first.attemptCommit())).containsExactly("a.txt", "dir/b.txt", "sub");
    activities.checkpoint(new CheckpointInput(LOOP, 1, first.attemptCommit()));
    // The submodule is checked out at the commit the attempt recorded, so git add asks it for changes.
    MakeResult second = make(2, first.attemptCommit(), "cd sub && git config filter.evil.clean 'touch " + marks + "/nested-filter; cat'"
        + " && echo '* filter=evil' > .gitattributes && touch -d 2000-01-01 x.txt && cd .. && echo more >> a.txt");
    assertThat(second.exitCode()).as(second.outputTail()).isZero();
    assertThat(second.changed()).isTrue();
    assertThat(blob(second.attemptCommit(), "a.txt")).isEqualTo("changed\nmore\n");
    activities.discard(new DiscardInput(LOOP, first.attemptCommit()));
    assertThat(markers()).isEmpty();
    // Armed: git status in the workspace with an ordinary environment runs the nested repository's filter.
    git(ws, "status", "--porcelain");
    assertThat(markers()).containsExactly("nested-filter");
  }

  @Test
  @DisplayName("a maker writes .git/index with an entry that climbs out of the workspace, for the worker's reset to remove the file there")
  void indexEntryOutside() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    MakeResult made = make(1, prepared.commit(), "echo changed > a.txt");
    writeIndex(ws.resolve(".git/index"), ws.relativize(victim).toString(), ".git/config", "a.txt");
    activities.discard(new DiscardInput(LOOP, prepared.commit()));
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.readString(ws.resolve("a.txt"))).isEqualTo("a\n");
    // The workspace's index is the worker's again: the agent's git sees the checkpoint's files.
    assertThat(git(ws, "ls-files")).isEqualTo("a.txt\ndir/b.txt");
    assertThat(made.changed()).isTrue();
    MakeResult next = make(2, prepared.commit(), "echo again > a.txt");
    assertThat(paths(next.attemptCommit())).containsExactly("a.txt", "dir/b.txt");
  }

  @Test
  @DisplayName("a maker links .git/index to a file elsewhere, for the worker to write the index through")
  void indexLinked() throws Exception {
    Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
    // The worker neither reads nor writes .git/index but to replace it; a link in .git is refused all the same.
    assertUnsafe(failure(() -> make(1, prepared.commit(), "rm -f .git/index && ln -s " + victim + " .git/index && echo changed > a.txt")),
        ".git/index is a symbolic link");
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  @DisplayName("a maker replaces the checkpoint's commit with one of its own through refs/replace, for the worker's reset to check out its tree")
  void replaceRef() throws Exception {
    MakeResult made = make(1, prepared.commit(), "echo changed > a.txt");
    activities.checkpoint(new CheckpointInput(LOOP, 1, made.attemptCommit()));
    MakeResult second = make(2, made.attemptCommit(), "echo planted > planted.txt && git add -A"
        + " && git -c user.name=t -c user.email=t@t.invalid commit -qm evil && git replace " + made.attemptCommit() + " HEAD");
    assertThat(second.exitCode()).as(second.outputTail()).isZero();
    activities.discard(new DiscardInput(LOOP, made.attemptCommit()));
    assertThat(ws.resolve("planted.txt")).doesNotExist();
    assertThat(Files.readString(ws.resolve("a.txt"))).isEqualTo("changed\n");
    // Armed: an ordinary git reads the maker's commit in place of the checkpoint.
    assertThat(git(ws, "log", "-1", "--format=%s", made.attemptCommit())).isEqualTo("evil");
  }

  // ---- helpers ----

  private StepContext at(int iteration, String commit) {
    return new StepContext(LOOP, iteration, "the goal", commit);
  }

  private MakeResult make(int iteration, String commit, String command) {
    return activities.make(new MakeInput(at(iteration, commit), new StepSpec(command, "PT1M")));
  }

  private void plan(int iteration) {
    activities.plan(new PlanInput(at(iteration, prepared.commit()), "task", null, memory()));
  }

  private static MemoryView memory() {
    return new MemoryView(LoopStatus.RUNNING, List.of(), List.of(), List.of(), List.of(), null, List.of());
  }

  private CheckResult check(String command) {
    return activities.check(new CheckInput(at(1, prepared.commit()), List.of(new CheckSpec("unit", command, ".loop/reports/*.xml", "PT1M", true, null))));
  }

  private DeliverResult deliver(String commit) {
    return outbound.deliver(new DeliverInput(at(1, commit), origin, new DeliverSpec(null, null, null, null, null).normalized(), 1, true));
  }

  /** Plants the hooks with the maker, then runs every step that touches git, and checks none ran. */
  private void hooksNeverRun(String... hooks) throws Exception {
    StringBuilder plant = new StringBuilder("echo changed > a.txt");
    for (String hook : hooks) {
      plant.append("; ").append(hookScript(ws.resolve(".git/hooks").resolve(hook), hook));
    }
    everyStep(plant.toString());
    assertThat(markers()).isEmpty();
  }

  /** A shell command writing an executable hook at {@code file} that leaves {@code hook-<name>} in {@link #outside}. */
  private String hookScript(Path file, String name) {
    return "mkdir -p " + file.getParent() + " && printf '#!/bin/sh\\ntouch " + marks.resolve("hook-" + name) + "\\ncat >/dev/null 2>&1 || true\\n' > "
        + file + " && chmod +x " + file;
  }

  /**
   * Runs {@code maker} as iteration 1 (its attempt committed), then every later step where the
   * worker moves refs and files: the checkpoint, iteration 2 from it (a reset, a commit), a discard,
   * Deliver's push, a rollback to the base, and a Prepare again. Every step must go on.
   */
  private MakeResult everyStep(String maker) throws Exception {
    MakeResult made = make(1, prepared.commit(), maker);
    assertThat(made.exitCode()).as(made.outputTail()).isZero();
    activities.checkpoint(new CheckpointInput(LOOP, 1, made.attemptCommit()));
    MakeResult second = make(2, made.attemptCommit(), "echo more >> a.txt");
    assertThat(second.changed()).isTrue();
    activities.discard(new DiscardInput(LOOP, made.attemptCommit()));
    DeliverResult delivered = deliver(made.attemptCommit());
    assertThat(delivered.error()).isNull();
    assertThat(git(bare, "rev-parse", "refs/heads/" + LoopRefs.workBranch(LOOP))).isEqualTo(made.attemptCommit());
    activities.rollback(new RollbackInput(LOOP, prepared.commit()));
    activities.prepare(new PrepareInput(LOOP, origin, made.attemptCommit()));
    return made;
  }

  /** The markers hooks and commands left in {@link #marks}. */
  private List<String> markers() throws Exception {
    try (Stream<Path> files = Files.list(marks)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private String blob(String commit, String path) throws Exception {
    try (Git git = Git.open(ws.toFile())) {
      Repository repo = git.getRepository();
      try (TreeWalk walk = TreeWalk.forPath(repo, path, repo.parseCommit(repo.resolve(commit)).getTree())) {
        return new String(repo.open(walk.getObjectId(0)).getBytes());
      }
    }
  }

  private List<String> paths(String commit) throws Exception {
    try (Git git = Git.open(ws.toFile()); TreeWalk walk = new TreeWalk(git.getRepository())) {
      Repository repo = git.getRepository();
      walk.addTree(repo.parseCommit(repo.resolve(commit)).getTree());
      walk.setRecursive(true);
      List<String> paths = new ArrayList<>();
      while (walk.next()) {
        paths.add(walk.getPathString());
      }
      return paths;
    }
  }

  /**
   * Writes a git index (version 2) naming the empty blob at each of {@code paths} (in git's order),
   * with no check of the names: what a step can write where git would refuse to.
   */
  private static void writeIndex(Path file, String... paths) throws Exception {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(body);
    out.writeBytes("DIRC");
    out.writeInt(2);
    out.writeInt(paths.length);
    byte[] emptyBlob = new byte[20];
    org.eclipse.jgit.lib.ObjectId.fromString("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391").copyRawTo(emptyBlob, 0);
    java.util.List<String> sorted = new ArrayList<>(List.of(paths));
    java.util.Collections.sort(sorted);
    for (String path : sorted) {
      int start = out.size();
      for (int i = 0; i < 6; i++) {
        out.writeInt(0);
      }
      out.writeInt(0100644);
      out.writeInt(0);
      out.writeInt(0);
      out.writeInt(0);
      out.write(emptyBlob);
      byte[] name = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeShort(name.length);
      out.write(name);
      int length = out.size() - start;
      out.write(new byte[8 - length % 8]);
    }
    out.flush();
    byte[] bytes = body.toByteArray();
    byte[] sum = java.security.MessageDigest.getInstance("SHA-1").digest(bytes);
    Files.deleteIfExists(file);
    Files.write(file, bytes);
    Files.write(file, sum, java.nio.file.StandardOpenOption.APPEND);
  }

  /** The typed failure a refused step raised. */
  private static ApplicationFailure failure(Runnable step) {
    Throwable thrown = catchThrowable(step::run);
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure a) {
        return a;
      }
    }
    throw new AssertionError("the step was not refused: " + thrown, thrown);
  }

  private static void assertUnsafe(ApplicationFailure failure, String what) {
    assertThat(failure.getType()).as(failure.getOriginalMessage()).isEqualTo("WORKSPACE_UNSAFE");
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains(what).doesNotContain(SECRET);
  }

  private static String git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("GIT_AUTHOR_NAME", "t");
    pb.environment().put("GIT_AUTHOR_EMAIL", "t@t.invalid");
    pb.environment().put("GIT_COMMITTER_NAME", "t");
    pb.environment().put("GIT_COMMITTER_EMAIL", "t@t.invalid");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
