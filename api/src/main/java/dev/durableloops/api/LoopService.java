package dev.durableloops.api;

import dev.durableloops.activities.GitWorkspace;
import dev.durableloops.workflows.Checkpoint;
import dev.durableloops.workflows.Decision;
import dev.durableloops.workflows.DecisionResult;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.LoopSpec;
import dev.durableloops.workflows.LoopState;
import dev.durableloops.workflows.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.Note;
import dev.durableloops.workflows.Reflection;
import dev.durableloops.workflows.RollbackRequest;
import dev.durableloops.workflows.RollbackResult;
import dev.durableloops.workflows.WorkspaceSpec;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.temporal.api.common.v1.WorkflowExecution;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.stereotype.Service;

/**
 * The bridge from HTTP to Temporal: starts loop workflows, queries, updates and signals them, and
 * lists them through visibility. Loop ids are the workflow ids.
 */
@Service
class LoopService {

  /**
   * A poller seen this recently means a worker is up. Pollers long-poll for up to 60 s (Temporal's
   * default poll timeout), so a live worker is always seen within that plus a margin.
   */
  static final java.time.Duration POLLER_FRESHNESS = java.time.Duration.ofSeconds(75);

  /** How long a Query or Update waits for a worker before the API falls back; 5 s. */
  static final java.time.Duration WORKER_WAIT = java.time.Duration.ofSeconds(5);

  private final java.util.concurrent.ExecutorService waiter = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "worker-wait");
    t.setDaemon(true);
    return t;
  });

  /** Loop ids tried for one name: {@code loop-<name>}, then {@code -2} … {@code -100}. */
  static final int MAX_SUFFIX = 100;

  /** Loops returned by one list call at most. */
  static final int MAX_LIST = 500;

  private final WorkflowClient client;
  private final LoopsProperties properties;
  private final GitWorkspace workspace;
  private final String namespace;
  private final JsonMapper mapper;
  private final SpecPolicy policy;

  LoopService(WorkflowClient client, LoopsProperties properties, GitWorkspace workspace, Environment environment, JsonMapper mapper,
      SpecPolicy policy) {
    this.client = client;
    this.policy = policy;
    this.mapper = mapper;
    this.properties = properties;
    this.workspace = workspace;
    this.namespace = environment.getProperty("spring.temporal.namespace", "default");
  }

  /** Starts a loop; the id is derived from the spec's name, suffixed when taken. */
  StartResponse start(LoopSpec spec) {
    policy.check(spec);
    return start(spec, null);
  }

  private StartResponse start(LoopSpec spec, LoopState seed) {
    LoopSpec normalized = spec.normalized();
    for (int i = 1; i <= MAX_SUFFIX; i++) {
      String id = "loop-" + spec.name() + (i == 1 ? "" : "-" + i);
      WorkflowOptions options =
          WorkflowOptions.newBuilder()
              .setWorkflowId(id)
              .setTaskQueue(properties.taskQueue())
              .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
              .setStaticSummary(truncate(normalized.goal(), 400))
              .setStaticDetails(staticDetails(normalized))
              .setMemo(Map.of("goal", truncate(normalized.goal(), 400)))
              .setTypedSearchAttributes(
                  SearchAttributes.newBuilder()
                      .set(LoopSearchAttributes.STATUS, LoopStatus.RUNNING.name())
                      .set(LoopSearchAttributes.REPOSITORY, truncate(normalized.workspace().repository(), 1000))
                      .build())
              .build();
      LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, options);
      try {
        WorkflowExecution execution = WorkflowClient.start(loop::run, new LoopInput(normalized, seed, null));
        return new StartResponse(id, execution.getRunId(), links(id));
      } catch (WorkflowExecutionAlreadyStarted taken) {
        // Try the next suffix.
      }
    }
    throw new LoopConflictException("loop ids loop-" + spec.name() + " to loop-" + spec.name() + "-" + MAX_SUFFIX + " are all taken");
  }

  /**
   * The loop's state with links and the Temporal execution status. When no worker polls the task
   * queue (so the state Query cannot be answered) the body is built from the execution's
   * description and search attributes, with {@code live: false}.
   */
  Map<String, Object> get(String id) {
    WorkflowExecutionDescription description = describe(id);
    WorkflowExecutionStatus temporal = description.getStatus();
    Map<String, Object> body;
    LoopState state = workersUp() ? withinWorkerWait(() -> client.newWorkflowStub(LoopWorkflow.class, id).state()) : null;
    if (state != null) {
      @SuppressWarnings("unchecked")
      Map<String, Object> live = new LinkedHashMap<>(mapper.convertValue(state, Map.class));
      body = live;
      body.put("live", true);
    } else {
      SearchAttributes sa = description.getTypedSearchAttributes();
      body = new LinkedHashMap<>();
      body.put("loopId", id);
      body.put("status", sa.get(LoopSearchAttributes.STATUS));
      body.put("iteration", sa.get(LoopSearchAttributes.ITERATION));
      body.put("costUsd", sa.get(LoopSearchAttributes.COST_USD));
      body.put("live", false);
      body.put("message", "no worker is polling task queue " + properties.taskQueue()
          + "; this is the last state recorded in Temporal's search attributes");
    }
    body.put("id", id);
    body.put("temporalStatus", shortStatus(temporal));
    body.put("status", loopStatus(temporal, (String) body.get("status")));
    if (endedOutsideTheLoop(temporal)) {
      body.put("stopReason", "the workflow was " + shortStatus(temporal).toLowerCase() + " in Temporal");
    }
    body.put("links", links(id));
    return body;
  }

  /** Loops from visibility, newest first, optionally only those with {@code status}. */
  List<LoopSummary> list(LoopStatus status) {
    String query = "WorkflowType = 'LoopWorkflow'" + (status == null ? "" : " AND LoopStatus = '" + status.name() + "'");
    return client.listExecutions(query).limit(MAX_LIST).map(this::summary).toList();
  }

  private LoopSummary summary(WorkflowExecutionMetadata m) {
    SearchAttributes sa = m.getTypedSearchAttributes();
    String id = m.getExecution().getWorkflowId();
    WorkflowExecutionStatus temporal = m.getStatus();
    String status = loopStatus(temporal, sa.get(LoopSearchAttributes.STATUS));
    return new LoopSummary(
        id, status, sa.get(LoopSearchAttributes.ITERATION), sa.get(LoopSearchAttributes.COST_USD),
        sa.get(LoopSearchAttributes.REPOSITORY), m.getMemo("goal", String.class, String.class), instant(m.getStartTime()),
        instant(m.getCloseTime()), shortStatus(temporal), links(id));
  }

  /**
   * Sends the {@code decide} Update; a refused decision is a {@link LoopConflictException}. When no
   * worker is up, the decision is sent as the {@code decision} Signal instead and {@code null} is
   * returned: it is applied (or ignored, if it names another attempt) once a worker is back.
   */
  DecisionResult decide(String id, Decision decision) {
    WorkflowExecutionDescription d = describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + shortStatus(d.getStatus()) + "); no decision can be sent");
    }
    DecisionResult result = null;
    if (workersUp()) {
      try {
        result = withinWorkerWait(() -> client.newWorkflowStub(LoopWorkflow.class, id).decide(decision));
      } catch (WorkflowUpdateException e) {
        throw new LoopConflictException(failureMessage(e));
      } catch (WorkflowNotFoundException e) {
        throw new LoopConflictException("loop " + id + " has ended; no decision can be sent");
      }
    }
    if (result == null) {
      // No worker answered: the Signal is durably recorded now and handled when one is back. Should
      // the Update still reach the workflow later, the second of the two is refused by validation.
      client.newUntypedWorkflowStub(id).signal("decision", decision);
    }
    return result;
  }

  /** Sends the {@code rollback} Update and waits for it to be applied. */
  RollbackResult rollback(String id, RollbackRequest request) {
    LoopWorkflow loop = running(id);
    requireWorker("a rollback");
    try {
      return loop.rollback(request);
    } catch (WorkflowUpdateException e) {
      throw new LoopConflictException(failureMessage(e));
    }
  }

  /**
   * Starts a new loop from checkpoint N of an existing one: its own workspace (cloned from the
   * source loop's workspace at the checkpoint's tag) and work branch, the source's spec, and the
   * reflections and notes the source had at that checkpoint.
   */
  StartResponse fork(String id, ForkRequest request) {
    describe(id);
    requireWorker("a fork");
    LoopWorkflow source = client.newWorkflowStub(LoopWorkflow.class, id);
    LoopState state = source.state();
    LoopSpec spec = source.spec();
    int n = request.checkpoint();
    WorkspaceSpec from;
    String commit;
    List<Reflection> reflections;
    if (n == 0) {
      from = spec.workspace();
      commit = state.baseCommit();
      reflections = List.of();
    } else {
      Checkpoint cp = state.checkpoints().stream().filter(c -> c.number() == n).findFirst()
          .orElseThrow(() -> new LoopConflictException("loop " + id + " has no checkpoint " + n));
      from = new WorkspaceSpec(workspace.workspaceDir(id).toString(), "refs/tags/" + cp.tag());
      commit = cp.commit();
      reflections = state.reflections().subList(0, Math.min(cp.reflections(), state.reflections().size()));
    }
    List<Reflection> carried = new java.util.ArrayList<>(reflections);
    carried.add(new Reflection(0, "Forked from loop " + id + " at " + (n == 0 ? "its base commit" : "checkpoint " + n)
        + " (" + commit + ").", null, false));
    String name = request.name() != null ? request.name() : truncate(spec.name() + "-fork", 40).replace("…", "");
    LoopSpec forked = new LoopSpec(name, spec.goal(), from, spec.discover(), spec.plan(), spec.make(), spec.checks(),
        spec.review(), spec.reflect(), spec.gate(), spec.caps(), spec.env(), spec.passEnv());
    Double metric = n == 0 ? null
        : state.checkpoints().stream().filter(c -> c.number() == n).map(Checkpoint::metric).findFirst().orElse(null);
    LoopState seed = new LoopState(null, spec.goal(), LoopStatus.RUNNING, null, 0, commit, commit, List.of(), carried,
        state.notes(), null, null, List.of(), List.of(), 0, metric, null, null);
    return start(forked, seed);
  }

  void pause(String id) {
    running(id).pause();
  }

  void resume(String id) {
    running(id).resume();
  }

  void addNote(String id, NoteRequest note) {
    running(id).addNote(new Note(note.text(), note.author(), null));
  }

  void cancel(String id) {
    running(id);
    client.newUntypedWorkflowStub(id).cancel();
  }

  /** The diff of checkpoint {@code n} against its parent (the previous checkpoint or the base). */
  String checkpointDiff(String id, int n) {
    describe(id);
    LoopState state = client.newWorkflowStub(LoopWorkflow.class, id).state();
    List<Checkpoint> cps = state.checkpoints();
    Checkpoint cp = cps.stream().filter(c -> c.number() == n).findFirst()
        .orElseThrow(() -> new LoopNotFoundException("loop " + id + " has no checkpoint " + n));
    String parent = cps.stream().filter(c -> c.number() == n - 1).map(Checkpoint::commit).findFirst().orElse(state.baseCommit());
    try {
      return workspace.diff(id, parent, cp.commit()).text();
    } catch (IllegalArgumentException e) {
      throw new LoopNotFoundException(e.getMessage());
    }
  }

  /**
   * The diff of iteration {@code n}'s attempt against the checkpoint it started from: for the
   * pending attempt, exactly the diff its {@code diffHash} names.
   */
  String attemptDiff(String id, int n) {
    describe(id);
    requireWorker("reading an attempt");
    LoopState state = client.newWorkflowStub(LoopWorkflow.class, id).state();
    if (state.pendingDecision() != null && state.pendingDecision().iteration() == n) {
      return diffOrNotFound(id, state.headCommit(), state.pendingDecision().attemptCommit());
    }
    String attempt = state.iterations().stream().filter(r -> r.iteration() == n && r.attemptCommit() != null)
        .map(r -> r.attemptCommit()).findFirst()
        .orElseThrow(() -> new LoopNotFoundException("loop " + id + " has no attempt of iteration " + n));
    try {
      return diffOrNotFound(id, workspace.firstParentOf(id, attempt), attempt);
    } catch (IllegalStateException e) {
      throw new LoopNotFoundException("the attempt of iteration " + n + " is not in this worker's workspace");
    }
  }

  private String diffOrNotFound(String id, String from, String to) {
    try {
      return workspace.diff(id, from, to).text();
    } catch (IllegalArgumentException e) {
      throw new LoopNotFoundException(e.getMessage());
    }
  }

  Map<String, String> links(String id) {
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", "/api/loops/" + id);
    links.put("web", "/loop.html?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    links.put("temporal", properties.temporalUiUrl() + "/namespaces/" + namespace + "/workflows/" + id);
    return links;
  }

  /**
   * Whether any worker polled the loop task queue within the last {@link #POLLER_FRESHNESS}. A
   * server that cannot say (the in-memory test server) is taken to have one.
   */
  boolean workersUp() {
    try {
      var response = client.getWorkflowServiceStubs().blockingStub().describeTaskQueue(
          DescribeTaskQueueRequest.newBuilder()
              .setNamespace(namespace)
              .setTaskQueue(TaskQueue.newBuilder().setName(properties.taskQueue()))
              .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
              .build());
      long now = System.currentTimeMillis();
      return response.getPollersList().stream()
          .anyMatch(p -> now - p.getLastAccessTime().getSeconds() * 1000 < POLLER_FRESHNESS.toMillis());
    } catch (RuntimeException e) {
      return true;
    }
  }

  /**
   * Runs a Query or Update that needs a worker, giving up after {@link #WORKER_WAIT}: a worker that
   * died recently still looks alive to {@link #workersUp()} for up to {@link #POLLER_FRESHNESS}.
   *
   * @return its result, or {@code null} when no worker answered in time
   */
  private <T> T withinWorkerWait(java.util.function.Supplier<T> call) {
    java.util.concurrent.Future<T> future = waiter.submit(call::get);
    try {
      return future.get(WORKER_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      future.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void requireWorker(String what) {
    if (!workersUp()) {
      throw new WorkerUnavailableException("no worker is polling task queue " + properties.taskQueue() + "; " + what
          + " needs one. Start a worker and try again.");
    }
  }

  private LoopWorkflow running(String id) {
    WorkflowExecutionDescription d = describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + shortStatus(d.getStatus()) + ")");
    }
    return client.newWorkflowStub(LoopWorkflow.class, id);
  }

  private static final java.util.regex.Pattern LOOP_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private WorkflowExecutionDescription describe(String id) {
    if (id == null || !LOOP_ID.matcher(id).matches()) {
      throw new LoopNotFoundException("no loop with that id");
    }
    try {
      return client.newUntypedWorkflowStub(id).describe();
    } catch (WorkflowNotFoundException e) {
      throw new LoopNotFoundException("no loop with id " + id);
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw new LoopNotFoundException("no loop with id " + id);
      }
      throw e;
    }
  }

  private static String failureMessage(WorkflowUpdateException e) {
    Throwable cause = e.getCause();
    while (cause != null) {
      if (cause instanceof ApplicationFailure app) {
        return app.getOriginalMessage();
      }
      if (cause instanceof TemporalFailure tf && tf.getCause() == null) {
        return tf.getOriginalMessage();
      }
      cause = cause.getCause();
    }
    return "the loop refused the decision";
  }

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

  /**
   * The loop status to show: the loop's own ({@code recorded}) unless Temporal ended the workflow
   * from outside the loop — terminated or timed out is {@code FAILED}, cancelled is
   * {@code CANCELLED} — where the loop never got to record it.
   */
  private static String loopStatus(WorkflowExecutionStatus temporal, String recorded) {
    if (endedOutsideTheLoop(temporal)) {
      return LoopStatus.FAILED.name();
    }
    return temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED ? LoopStatus.CANCELLED.name() : recorded;
  }

  private static boolean endedOutsideTheLoop(WorkflowExecutionStatus temporal) {
    return temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED
        || temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
  }

  private static String shortStatus(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }

  private static String instant(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static String truncate(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }
}
