package dev.durableloops.activities;

import java.io.IOException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Diffs of a loop's commits read from the git store alone (through a local bare copy when the
 * store is remote), so the API never needs a worker's disk. The diff itself is {@link Diffs}'.
 */
final class StoreDiffs {

  private final StoreTransport transport;

  StoreDiffs(StoreTransport transport) {
    this.transport = transport;
  }

  /**
   * The diff between two commits of a loop.
   *
   * @throws StepException {@code COMMIT_MISSING} when the store has not got a commit,
   *     {@code STORE_UNAVAILABLE} when it cannot be read
   */
  Diffs.Diff between(String loopId, String from, String to) {
    try (Repository repo = transport.reader(loopId)) {
      return Diffs.between(repo, from, to);
    } catch (IOException e) {
      throw transport.unreadable(e);
    }
  }

  /**
   * The diff of the commit {@code ref} names against its first parent (for an attempt or a
   * checkpoint: the checkpoint it started from).
   *
   * @param ref a full ref name, e.g. {@code refs/tags/loops/<id>/cp-2}
   * @throws StepException {@code COMMIT_MISSING} when the store has not got the ref or it has no
   *     parent, {@code STORE_UNAVAILABLE} when it cannot be read
   */
  Diffs.Diff withParent(String loopId, String ref) {
    try (Repository repo = transport.reader(loopId)) {
      ObjectId id = Diffs.resolveCommit(repo, ref);
      String parent = id == null ? null : Diffs.firstParent(repo, id.name());
      if (parent == null) {
        throw new StepException(StepException.Kind.COMMIT_MISSING, "the git store has no " + ref);
      }
      return Diffs.between(repo, parent, id.name());
    } catch (IOException e) {
      throw transport.unreadable(e);
    }
  }
}
