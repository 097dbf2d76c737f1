package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.api.LoopConflictException;
import dev.durableloops.api.LoopsProperties;
import dev.durableloops.activities.StartGrants;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.StartGrant;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import dev.durableloops.api.temporal.RequestClient;
import dev.durableloops.api.rules.RepositoryRules;
import dev.durableloops.api.rules.SpecPolicy;
import dev.durableloops.api.security.Caller;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.util.Map;
import java.util.function.Function;
import org.springframework.stereotype.Service;

/**
 * Starts loop workflows: the id is {@code loop-<name>}, suffixed {@code -2} … {@code -100} when
 * taken (Temporal refuses a duplicate id, so two starts never share one); the workflow carries the
 * goal as its summary, the spec as its details and the loop search attributes.
 */
@Service
public class LoopStarter {

  /** Loop ids tried for one name: {@code loop-<name>}, then {@code -2} … {@code -100}. */
  static final int MAX_SUFFIX = 100;

  private final WorkflowClient client;
  private final LoopsProperties properties;
  private final SpecPolicy policy;
  private final Executions executions;
  private final RepositoryRules rules;
  private final StartGrants grants;

  LoopStarter(RequestClient requests, LoopsProperties properties, SpecPolicy policy, Executions executions, RepositoryRules rules,
      StartGrants grants) {
    this.rules = rules;
    this.grants = grants;
    this.client = requests.client();
    this.properties = properties;
    this.policy = policy;
    this.executions = executions;
  }

  /**
   * Starts a loop from a spec the user sent.
   *
   * @throws dev.durableloops.api.SpecRejectedException naming the field at fault
   * @throws LoopConflictException when every id for the name is taken
   */
  StartResponse start(LoopSpec spec) {
    return start(spec, LoopInput::new);
  }

  /**
   * Starts a loop with the input {@code input} makes of the normalized spec (a fork's seed, say):
   * the spec must pass {@link SpecPolicy} for the caller, and the input carries a start grant
   * naming the caller and their roles ({@link #grant}), whatever {@code input} made.
   *
   * @throws dev.durableloops.api.SpecRejectedException naming the field at fault
   * @throws LoopConflictException when every id for the name is taken
   */
  StartResponse start(LoopSpec spec, Function<LoopSpec, LoopInput> input) {
    Caller caller = Caller.current();
    policy.check(spec, caller.roles());
    LoopSpec normalized = spec.normalized();
    LoopInput unsigned = input.apply(normalized).withRules(rules.inForce(normalized.workspace().repository()));
    // The grant signs the fork seed (and any carried state) too: the worker admits a first run's only when signed.
    LoopInput loopInput = unsigned.withGrant(grants.sign(normalized, caller.name(), caller.roles(), unsigned.carried(), unsigned.fork()));
    for (int i = 1; i <= MAX_SUFFIX; i++) {
      String id = "loop-" + spec.name() + (i == 1 ? "" : "-" + i);
      WorkflowOptions options = options(id, normalized, loopInput).toBuilder()
          .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
          // Eager start (EagerStart): the first workflow task comes back with the start when this app runs a worker.
          .setDisableEagerExecution(false)
          .build();
      LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, options);
      try {
        WorkflowExecution execution = WorkflowClient.start(loop::run, loopInput);
        return new StartResponse(id, execution.getRunId(), executions.links(id));
      } catch (WorkflowExecutionAlreadyStarted taken) {
        // Try the next suffix.
      }
    }
    throw new LoopConflictException("loop ids loop-" + spec.name() + " to loop-" + spec.name() + "-" + MAX_SUFFIX + " are all taken");
  }

  /**
   * How a loop's workflow is started, here and by a schedule: its id and task queue, the goal as
   * its summary, the spec as its details, the goal (and a fork's source) as memo and the loop search
   * attributes.
   */
  public WorkflowOptions options(String id, LoopSpec normalized, LoopInput loopInput) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setTaskQueue(properties.taskQueue())
        .setStaticSummary(truncate(normalized.goal(), 400))
        .setStaticDetails(staticDetails(normalized))
        .setMemo(memo(normalized, loopInput))
        .setTypedSearchAttributes(
            SearchAttributes.newBuilder()
                .set(LoopSearchAttributes.STATUS, LoopStatus.RUNNING.name())
                .set(LoopSearchAttributes.REPOSITORY, truncate(normalized.workspace().repository(), 1000))
                .build())
        .build();
  }

  /** The goal, and for a fork the loop it was forked from (the list groups forks under it). */
  private static Map<String, Object> memo(LoopSpec spec, LoopInput in) {
    Map<String, Object> memo = new java.util.LinkedHashMap<>();
    memo.put("goal", truncate(spec.goal(), 400));
    if (in.fork() != null) {
      memo.put(FORK_OF, in.fork().sourceLoopId());
    }
    return memo;
  }

  /** The start grant of a loop the caller starts with {@code spec}: their name and roles, signed. */
  public StartGrant grant(LoopSpec spec, Caller caller) {
    return grants.sign(spec, caller.name(), caller.roles());
  }

  /** Memo key of the loop a fork was forked from. */
  static final String FORK_OF = "forkOf";

  private static String staticDetails(LoopSpec spec) {
    return "repository: " + spec.workspace().repository()
        + "\n\nmaker: `" + truncate(spec.make().command(), 300) + "`"
        + "\n\nchecks: " + String.join(", ", spec.checks().stream().map(c -> c.name()).toList())
        + "\n\napproval: " + spec.gate().approval() + " (timeout " + spec.gate().approvalTimeout() + ", then "
        + spec.gate().onApprovalTimeout() + ")"
        + "\n\ncaps: " + spec.caps().maxIterations() + " iterations, " + spec.caps().maxDuration()
        + (spec.caps().maxCostUsd() == null ? "" : ", $" + spec.caps().maxCostUsd())
        + ", stall after " + spec.caps().maxRepeatedFailures() + " repeated failures"
        + "\n\nTo approve from this UI: send signal `decision` with "
        + "`{\"decision\": \"APPROVE\", \"diffHash\": \"<pendingDecision.diffHash from query state>\"}`.";
  }
}
