package dev.durableloops.activities;

import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.LandInput;
import dev.durableloops.workflows.steps.LandResult;
import dev.durableloops.workflows.steps.LandingActivities;
import dev.durableloops.workflows.steps.StepContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * {@code Land}, the merge queue's step ({@link LandingActivities}), in the parent's workspace on the
 * worker that holds it: fetch the child's refs from the git store, merge the child's head onto the
 * parent's branch as the store has it ({@link StoreLanding#merge}), run the required checks on the
 * merged result, then move the store's branch by compare-and-swap and read it back
 * ({@link StoreLanding#compareAndSwap}); the landing is tagged {@code loops/<parent>/cp-<n>}.
 *
 * <p>Idempotent: when the store's branch already carries this child's landed commit (a retry after
 * a worker died mid-landing), it is reported landed again and nothing moves. A lost race (the
 * branch moved between merge and swap) merges again from the new head, at most
 * {@value #ROUNDS} times. Needs a git store on a path (a URL store gets {@code NOT_ALLOWED}).
 */
final class LandingActivitiesImpl implements LandingActivities {

  /** Merges tried against a branch that keeps moving before giving up (retryable). */
  static final int ROUNDS = 5;

  private final GitWorkspace git;
  private final GitStore store;
  private final WorkspaceClones clones;
  private final StepCommands commands;
  private final Checks checks;
  private final ActivityBoundary boundary;
  private final Redaction redaction;

  LandingActivitiesImpl(LoopPaths paths, GitWorkspace git, GitStore store, StepCommands commands, Redaction redaction,
      ActivityBoundary boundary) {
    this.git = git;
    this.store = store;
    this.clones = new WorkspaceClones(paths, store);
    this.commands = commands;
    this.checks = new Checks(paths, commands, redaction);
    this.boundary = boundary;
    this.redaction = redaction;
  }

  /** A heartbeat naming the stage of the landing (the git work between them is short). */
  private void beat(String status) {
    LiveOutput.of("land", redaction).beat(status, "", 0);
  }

  /** A merge prepared in the workspace: already landed ({@code landed}), or {@code merge} onto {@code base}. */
  private record Step(ObjectId landed, ObjectId base, StoreLanding.Merge merge) {}

  @Override
  public LandResult land(LandInput input) {
    return boundary.run("Land", () -> {
      StepContext ctx = ActivityBoundary.context(input.context());
      String parent = ctx.loopId();
      Path storeDir = store.localDir();
      if (storeDir == null) {
        throw new StepException(StepException.Kind.NOT_ALLOWED, "the merge queue needs a git store on a path; " + store.uri() + " is a URL");
      }
      String branch = Constants.R_HEADS + LoopRefs.workBranch(parent);
      ObjectId expected = ObjectId.fromString(ctx.commit());
      Fence.Lease lease = commands.claim(parent);
      for (int round = 0; round < ROUNDS; round++) {
        beat("merging " + input.childLoopId() + " onto the parent's head");
        Step step = lease.write("merge " + input.childLoopId() + " onto the parent's head", () -> prepare(parent, input, storeDir, branch, expected));
        if (step.landed() != null) {
          return landed(lease, parent, input, step.landed(), null, "already landed as " + step.landed().name());
        }
        StoreLanding.Merge merge = step.merge();
        if (merge.commit() == null) {
          return new LandResult(false, ctx.commit(), null, merge.conflicts(), merge.cause(), null,
              "it conflicts with the parent's head " + Texts.shortId(step.base().name()) + " in " + merge.conflicts().size() + " file(s)");
        }
        String merged = merge.commit().name();
        StepContext at = new StepContext(parent, ctx.iteration(), ctx.goal(), merged, ctx.env(), ctx.passEnv(), ctx.sandbox());
        beat("checking the merged result " + merged);
        lease.write("check out the merged result " + merged, () -> git.reconcile(parent, merged));
        CheckResult checked = checks.run(at, lease, input.checks());
        if (!checked.requiredPassed()) {
          lease.write("back to the parent's head", () -> git.reconcile(parent, step.base().name()));
          return new LandResult(false, ctx.commit(), null, List.of(), null, checked,
              "the required checks fail on the merged result" + (checked.failureSignature() == null ? "" : ": " + Texts.truncate(checked.failureSignature(), 300)));
        }
        beat("moving the parent's branch in the git store to " + merged);
        boolean swapped = io(() -> StoreLanding.compareAndSwap(storeDir, branch, step.base(), merge.commit()));
        if (swapped) {
          return landed(lease, parent, input, merge.commit(), checked,
              "merged onto " + Texts.shortId(step.base().name()) + ", the required checks pass on the result, and the git store's branch is at it");
        }
        // Another head won the race: merge again from the store's new head.
      }
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "the parent's branch kept moving during " + ROUNDS + " landings of "
          + input.childLoopId());
    });
  }

  private Step prepare(String parent, LandInput input, Path storeDir, String branch, ObjectId expected) {
    try (Git g = clones.open(parent)) {
      Repository repo = g.getRepository();
      store.fetch(repo, input.childLoopId());
      ObjectId child = Diffs.resolveCommit(repo, input.childHead());
      if (child == null) {
        throw new StepException(StepException.Kind.COMMIT_MISSING, "the child's head " + input.childHead() + " of " + input.childLoopId()
            + " is not in the git store " + store.uri());
      }
      ObjectId base = StoreLanding.read(storeDir, branch);
      if (base == null) {
        base = expected;
      } else if (!base.equals(expected)) {
        if (Diffs.resolveCommit(repo, base.name()) == null) {
          store.fetch(repo, parent);
        }
        ObjectId landed = StoreLanding.landedSince(repo, base, expected, input.childLoopId(), input.childHead());
        if (landed != null) {
          return new Step(landed, base, null);
        }
      }
      String subject = "land " + input.childLoopId() + ": " + Texts.truncate(input.task().lines().findFirst().orElse(""), 100);
      StoreLanding.Merge merge = StoreLanding.merge(repo, base, child, StoreLanding.message(subject, input.childLoopId(), input.childHead()));
      if (merge.commit() != null) {
        String ref = "refs/loops/" + parent + "/landings/" + input.checkpoint();
        LoopRefs.setRef(repo, ref, merge.commit());
        store.push(repo, ref);
      }
      return new Step(null, base, merge);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot merge " + input.childLoopId() + ": " + e.getMessage(), e);
    }
  }

  /** Tags the landing as the parent's checkpoint and points the workspace's branch at it. */
  private LandResult landed(Fence.Lease lease, String parent, LandInput input, ObjectId head, CheckResult checked, String reason) {
    String tag = LoopRefs.checkpointTag(parent, input.checkpoint());
    lease.write("tag the landing", () -> {
      try (Git g = clones.open(parent)) {
        Repository repo = g.getRepository();
        LoopRefs.setRef(repo, Constants.R_TAGS + tag, head);
        LoopRefs.setRef(repo, Constants.R_HEADS + LoopRefs.workBranch(parent), head);
        store.push(repo, Constants.R_TAGS + tag);
      } catch (IOException e) {
        throw new StepException(StepException.Kind.IO, "cannot tag the landing " + head.name() + ": " + e.getMessage(), e);
      }
    });
    return new LandResult(true, head.name(), tag, List.of(), null, checked, reason);
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  private static <T> T io(IoCall<T> call) {
    try {
      return call.call();
    } catch (IOException e) {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot move the branch in the git store: " + e.getMessage(), e);
    }
  }
}
