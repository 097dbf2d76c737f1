package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.api.LoopConflictException;
import dev.durableloops.api.temporal.WorkerProbe;
import dev.durableloops.workflows.ForkSeed;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.LoopWorkflow;
import io.temporal.client.WorkflowQueryException;
import io.temporal.failure.ApplicationFailure;
import org.springframework.stereotype.Service;

/**
 * Forks: a new loop from checkpoint N of an existing one. The source loop builds the typed
 * {@link ForkSeed} itself (the {@code forkSeed} Query), so the API reads nothing from any disk; the
 * new loop keeps the source's spec and repository, and its workers fetch the checkpoint's commit
 * from the git store.
 */
@Service
class LoopForks {

  private final Executions executions;
  private final WorkerProbe workers;
  private final LoopStarter starter;

  LoopForks(Executions executions, WorkerProbe workers, LoopStarter starter) {
    this.executions = executions;
    this.workers = workers;
    this.starter = starter;
  }

  /**
   * Starts the fork.
   *
   * @throws LoopConflictException when the source has no such checkpoint
   * @throws dev.durableloops.api.WorkerUnavailableException when no worker can answer the Query
   */
  StartResponse fork(String id, ForkRequest request) {
    LoopWorkflow source = executions.loop(id);
    workers.require("a fork");
    ForkSeed seed;
    try {
      seed = source.forkSeed(request.checkpoint());
    } catch (WorkflowQueryException e) {
      throw new LoopConflictException(reason(e, "loop " + id + " has no checkpoint " + request.checkpoint()));
    }
    return start(source, seed, request.name());
  }

  /**
   * Starts a fork from attempt {@code k} of best-of-N iteration {@code n}: the gate's pick or a loser.
   *
   * @throws LoopConflictException when the source has no such finished attempt
   * @throws dev.durableloops.api.WorkerUnavailableException when no worker can answer the Query
   */
  StartResponse forkAttempt(String id, int n, int k, String name) {
    LoopWorkflow source = executions.loop(id);
    workers.require("a fork");
    ForkSeed seed;
    try {
      seed = source.attemptForkSeed(n, k);
    } catch (WorkflowQueryException e) {
      throw new LoopConflictException(reason(e, "loop " + id + " has no finished attempt " + k + " of iteration " + n));
    }
    return start(source, seed, name);
  }

  private StartResponse start(LoopWorkflow source, ForkSeed seed, String requestedName) {
    LoopSpec spec = source.spec();
    String name = requestedName != null ? requestedName : truncate(spec.name() + "-fork", 40).replace("…", "");
    LoopSpec forked = new LoopSpec(name, spec.goal(), spec.workspace(), spec.discover(), spec.plan(), spec.make(), spec.checks(),
        spec.review(), spec.reflect(), spec.gate(), spec.caps(), spec.env(), spec.passEnv(), spec.deliver(), spec.notifications(), spec.sandbox(), spec.fanOut());
    return starter.start(forked, normalized -> LoopInput.forked(normalized, seed));
  }

  private static String reason(WorkflowQueryException e, String otherwise) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure app) {
        return app.getOriginalMessage();
      }
    }
    return otherwise;
  }
}
