package dev.durableloops.activities;

import dev.durableloops.workflows.steps.AttemptIds;
import java.io.IOException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;

/**
 * The refs of a loop in its workspace and in the git store (its work branch, attempt refs and
 * checkpoint tags), and how the worker writes a ref: always by id, never through a symbolic ref a
 * step may have left in the workspace's {@code .git}.
 */
final class LoopRefs {

  private LoopRefs() {}

  /** The work branch of a loop: {@code loops/<loopId>}. */
  static String workBranch(String loopId) {
    return "loops/" + loopId;
  }

  /**
   * The ref of an attempt: {@code refs/loops/<loopId>/attempts/<n>}; of attempt {@code k} of an
   * iteration that makes several ({@link AttemptIds}), {@code refs/loops/<loopId>/attempts/<n>/<k>}.
   */
  static String attemptRef(String loopId, int iteration) {
    AttemptIds.Attempt attempt = AttemptIds.parse(loopId);
    if (attempt != null) {
      return "refs/loops/" + attempt.loopId() + "/attempts/" + iteration + "/" + attempt.number();
    }
    return "refs/loops/" + loopId + "/attempts/" + iteration;
  }

  /** The tag of a checkpoint: {@code loops/<loopId>/cp-<n>}. */
  static String checkpointTag(String loopId, int number) {
    return "loops/" + loopId + "/cp-" + number;
  }

  /** Makes HEAD a plain commit id, {@code id}, whatever it was (a symbolic ref is replaced, never followed). */
  static void pointHead(Repository repo, ObjectId id, String reason) throws IOException {
    RefUpdate update = repo.updateRef(Constants.HEAD, true);
    update.setNewObjectId(id);
    update.setRefLogMessage(reason, false);
    RefUpdate.Result result = update.forceUpdate();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE
        && result != RefUpdate.Result.FAST_FORWARD) {
      throw new IOException("pointing HEAD at " + id.name() + " gave " + result);
    }
  }

  /** Points {@code name} at {@code id}, replacing it if a step made it a symbolic ref (never writing the ref it names). */
  static void setRef(Repository repo, String name, ObjectId id) throws IOException {
    RefUpdate update = repo.updateRef(name, true);
    update.setNewObjectId(id);
    update.setForceUpdate(true);
    RefUpdate.Result result = update.update();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
        && result != RefUpdate.Result.FAST_FORWARD && result != RefUpdate.Result.NO_CHANGE) {
      throw new IOException("updating " + name + " to " + id.name() + " gave " + result);
    }
  }
}
