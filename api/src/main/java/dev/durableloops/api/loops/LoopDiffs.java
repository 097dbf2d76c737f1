package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import dev.durableloops.workflows.LoopIds;


import dev.durableloops.activities.GitStore;
import dev.durableloops.activities.StepException;
import dev.durableloops.api.LoopNotFoundException;
import org.springframework.stereotype.Service;

/**
 * Diffs of a loop's attempts and checkpoints, read from the git store (never a worker's disk), so
 * the API-only process answers them too and no worker is needed. A checkpoint's or attempt's diff
 * is against its first parent: the checkpoint the attempt started from, which is exactly the diff
 * a pending decision's {@code diffHash} names.
 */
@Service
class LoopDiffs {

  private final Executions executions;
  private final GitStore store;

  LoopDiffs(Executions executions, GitStore store) {
    this.executions = executions;
    this.store = store;
  }

  /**
   * The diff of checkpoint {@code n} against its parent.
   *
   * @throws LoopNotFoundException when the store has no such checkpoint
   * @throws StepException {@code STORE_UNAVAILABLE} (503) when the store cannot be read
   */
  String checkpoint(String id, int n) {
    executions.describe(id);
    String name = LoopIds.storeName(id);
    return read(name, "refs/tags/loops/" + name + "/cp-" + n, "checkpoint " + n);
  }

  /**
   * The diff of iteration {@code n}'s attempt against the checkpoint it started from.
   *
   * @throws LoopNotFoundException when the store has no such attempt
   * @throws StepException {@code STORE_UNAVAILABLE} (503) when the store cannot be read
   */
  String attempt(String id, int n) {
    executions.describe(id);
    String name = LoopIds.storeName(id);
    return read(name, "refs/loops/" + name + "/attempts/" + n, "attempt of iteration " + n);
  }

  /**
   * The diff of attempt {@code k} of iteration {@code n}, an iteration that made several attempts,
   * against the checkpoint it started from ({@code refs/loops/<id>/attempts/<n>/<k>}).
   *
   * @throws LoopNotFoundException when the store has no such attempt
   * @throws StepException {@code STORE_UNAVAILABLE} (503) when the store cannot be read
   */
  String attempt(String id, int n, int k) {
    executions.describe(id);
    String name = LoopIds.storeName(id);
    return read(name, "refs/loops/" + name + "/attempts/" + n + "/" + k, "attempt " + k + " of iteration " + n);
  }

  private String read(String id, String ref, String what) {
    try {
      return store.diffWithParent(id, ref).text();
    } catch (StepException e) {
      if (e.kind() == StepException.Kind.COMMIT_MISSING) {
        throw new LoopNotFoundException("loop " + id + " has no " + what + " in the git store");
      }
      throw e;
    }
  }
}
