package dev.durableloops.api.loops;

import dev.durableloops.api.temporal.Executions;
import dev.durableloops.api.temporal.WorkerProbe;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.steps.StepOutput;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.common.converter.DataConverterException;
import dev.durableloops.api.temporal.RequestClient;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * The typed read model: one loop's {@link LoopView} (the {@code state} Query, or Temporal's
 * description when no worker answers) and the list of loops from Temporal visibility.
 */
@Service
class LoopReader {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LoopReader.class);

  /** Temporal's own search attribute naming the Schedule that started a workflow. */
  static final SearchAttributeKey<String> SCHEDULED_BY = SearchAttributeKey.forKeyword("TemporalScheduledById");

  /** Loops returned by one list call at most. */
  static final int MAX_LIST = 500;

  private final WorkflowClient client;
  private final Executions executions;
  private final WorkerProbe workers;

  LoopReader(RequestClient requests, Executions executions, WorkerProbe workers) {
    this.client = requests.client();
    this.executions = executions;
    this.workers = workers;
  }

  /**
   * The loop's state with links and the Temporal execution status. When no worker answers the
   * state Query within {@link WorkerProbe#WORKER_WAIT}, the view is built from the execution's
   * description and search attributes, with {@code live: false}.
   *
   * @throws dev.durableloops.api.LoopNotFoundException when there is no such loop
   */
  LoopView get(String id) {
    return view(id, executions.describe(id));
  }

  /**
   * The loop's view and its running step's output, from one description of its execution (the
   * event stream's poll).
   *
   * @throws dev.durableloops.api.LoopNotFoundException when there is no such loop
   */
  Snapshot snapshot(String id) {
    WorkflowExecutionDescription description = executions.describe(id);
    return new Snapshot(view(id, description), output(id, description));
  }

  /**
   * What the loop's running step has printed: the heartbeat details of its pending activity. One
   * DescribeWorkflowExecution call, no Query: it answers while no worker is up.
   *
   * @throws dev.durableloops.api.LoopNotFoundException when there is no such loop
   */
  LoopOutput output(String id) {
    return output(id, executions.describe(id));
  }

  /** A loop's view and running output, read together. */
  record Snapshot(LoopView view, LoopOutput output) {}

  private LoopOutput output(String id, WorkflowExecutionDescription description) {
    List<PendingActivityInfo> pending = description.getRawDescription().getPendingActivitiesList();
    if (pending.isEmpty()) {
      return LoopOutput.idle(id);
    }
    PendingActivityInfo activity = pending.get(0);
    StepOutput output = null;
    if (activity.hasHeartbeatDetails()) {
      try {
        output = client.getOptions().getDataConverter()
            .fromPayloads(0, Optional.of(activity.getHeartbeatDetails()), StepOutput.class, StepOutput.class);
      } catch (DataConverterException e) {
        // A worker of an older release heartbeats a plain string: no output to show.
        output = null;
      }
    }
    String lastHeartbeat = activity.hasLastHeartbeatTime()
        ? Instant.ofEpochSecond(activity.getLastHeartbeatTime().getSeconds(), activity.getLastHeartbeatTime().getNanos()).toString()
        : null;
    return new LoopOutput(id, true, activity.getActivityType().getName(), activity.getAttempt(), output, lastHeartbeat);
  }

  private LoopView view(String id, WorkflowExecutionDescription description) {
    WorkflowExecutionStatus temporal = description.getStatus();
    WorkerProbe.Availability availability = workers.availability();
    LoopState state = state(id, temporal);
    String stopReason = Executions.endedOutsideTheLoop(temporal)
        ? "the workflow was " + Executions.shortStatus(temporal).toLowerCase() + " in Temporal"
        : state == null ? null : state.stopReason();
    if (state != null) {
      return LoopView.live(id, state, availability.name(), Executions.shortStatus(temporal),
          Executions.loopStatus(temporal, state.status().name()), stopReason, executions.links(id));
    }
    SearchAttributes sa = description.getTypedSearchAttributes();
    String why = Executions.endedOutsideTheLoop(temporal)
        ? "the workflow was " + Executions.shortStatus(temporal).toLowerCase() + " in Temporal and does not answer the state Query"
        : availability == WorkerProbe.Availability.UNKNOWN
        ? "no worker answered within " + WorkerProbe.WORKER_WAIT.toSeconds() + " s and whether one polls task queue "
            + workers.taskQueue() + " is unknown"
        : "no worker is polling task queue " + workers.taskQueue();
    return LoopView.recorded(id, Executions.loopStatus(temporal, sa.get(LoopSearchAttributes.STATUS)),
        sa.get(LoopSearchAttributes.ITERATION), sa.get(LoopSearchAttributes.COST_USD),
        why + "; this is the last state recorded in Temporal's search attributes", availability.name(),
        Executions.shortStatus(temporal), stopReason, executions.links(id));
  }

  /**
   * The {@code state} Query's answer, or {@code null} when no worker answers in time. A workflow
   * Temporal ended from outside the loop (terminated while a step ran) may not replay to answer a
   * Query (the SDK refuses the terminated event in the middle of a step, once the run has left the
   * worker's cache): its recorded state is shown instead of an error.
   */
  private LoopState state(String id, WorkflowExecutionStatus temporal) {
    try {
      return workers.withinWorkerWait(() -> client.newWorkflowStub(LoopWorkflow.class, id).state());
    } catch (WorkflowQueryException e) {
      if (!Executions.endedOutsideTheLoop(temporal)) {
        throw e;
      }
      log.info("loop {} ended in Temporal ({}) and cannot answer the state Query; showing its recorded state", id,
          Executions.shortStatus(temporal));
      return null;
    }
  }

  /**
   * Loops from visibility, newest first, optionally only those with {@code status} and on
   * {@code repository} (exactly as started); at most {@value #MAX_LIST}.
   */
  List<LoopSummary> list(LoopStatus status, String repository) {
    String query = "WorkflowType = 'LoopWorkflow'" + (status == null ? "" : " AND LoopStatus = '" + status.name() + "'")
        + (repository == null ? "" : " AND LoopRepository = " + quoted(repository));
    return client.listExecutions(query).limit(MAX_LIST).map(this::summary).toList();
  }

  /** A visibility query string literal: double-quoted, backslashes and quotes escaped. */
  static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private LoopSummary summary(WorkflowExecutionMetadata m) {
    SearchAttributes sa = m.getTypedSearchAttributes();
    String id = m.getExecution().getWorkflowId();
    WorkflowExecutionStatus temporal = m.getStatus();
    return new LoopSummary(
        id, Executions.loopStatus(temporal, sa.get(LoopSearchAttributes.STATUS)), sa.get(LoopSearchAttributes.ITERATION),
        sa.get(LoopSearchAttributes.COST_USD), sa.get(LoopSearchAttributes.REPOSITORY), m.getMemo("goal", String.class, String.class),
        instant(m.getStartTime()), instant(m.getCloseTime()), Executions.shortStatus(temporal), executions.links(id),
        m.getMemo(LoopStarter.FORK_OF, String.class, String.class), sa.get(SCHEDULED_BY), parent(m));
  }

  /** The workflow id of the loop that started this one as a fan-out's child, or {@code null}. */
  static String parent(WorkflowExecutionMetadata m) {
    var parent = m.getParentExecution();
    return parent == null || parent.getWorkflowId().isEmpty() ? null : parent.getWorkflowId();
  }

  private static String instant(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
