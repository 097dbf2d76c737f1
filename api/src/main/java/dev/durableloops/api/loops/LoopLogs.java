package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import dev.durableloops.workflows.LoopIds;

import dev.durableloops.activities.GitStore;
import dev.durableloops.activities.StepException;
import dev.durableloops.api.LoopNotFoundException;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;

/**
 * A loop's step logs, read from the git store (each command step's output, its last 1 MiB), so the
 * API-only process serves them after the worker that ran the step is gone.
 */
@Service
class LoopLogs {

  /** A log's name: what the worker names them, e.g. {@code iter-0003-make.log}; never a path. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private final Executions executions;
  private final GitStore store;

  LoopLogs(Executions executions, GitStore store) {
    this.executions = executions;
    this.store = store;
  }

  /** The names of the loop's step logs, oldest iteration first. */
  List<String> list(String id) {
    executions.describe(id);
    return store.logs(LoopIds.storeName(id));
  }

  /**
   * One step log.
   *
   * @throws LoopNotFoundException when the loop or the log does not exist
   */
  byte[] read(String id, String name) {
    executions.describe(id);
    if (name == null || !NAME.matcher(name).matches()) {
      throw new LoopNotFoundException("no log with that name");
    }
    try {
      return store.log(LoopIds.storeName(id), name);
    } catch (StepException e) {
      if (e.kind() == StepException.Kind.COMMIT_MISSING) {
        throw new LoopNotFoundException("loop " + id + " has no log " + name + " in the git store");
      }
      throw e;
    }
  }
}
