package dev.durableloops.api.schedules;

import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.api.LoopConflictException;
import dev.durableloops.api.LoopNotFoundException;
import dev.durableloops.api.SpecRejectedException;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopSearchAttributes;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.Durations;
import dev.durableloops.workflows.spec.LoopSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import dev.durableloops.api.temporal.RequestClient;
import dev.durableloops.api.temporal.Executions;
import dev.durableloops.api.loops.LoopStarter;
import dev.durableloops.api.rules.RepositoryRules;
import dev.durableloops.api.rules.SpecPolicy;
import dev.durableloops.api.security.Caller;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

/**
 * Loops on a cadence: each schedule is a Temporal Schedule ({@code schedule-<name>}) whose action
 * starts {@code LoopWorkflow} with the spec, so the API, the Temporal UI and
 * {@code temporal schedule} see and steer the same thing. Runs are {@code loop-<spec name>-<time>}
 * (Temporal appends the time) and carry the loop search attributes, plus Temporal's own
 * {@code TemporalScheduledById}, by which the list groups them.
 */
@Service
class LoopSchedules {

  /** Schedules listed at most. */
  static final int MAX_LIST = 200;

  private final ScheduleClient schedules;
  private final WorkflowClient client;
  private final LoopStarter starter;
  private final SpecPolicy policy;
  private final Executions executions;
  private final RepositoryRules rules;

  LoopSchedules(RequestClient requests, LoopStarter starter, SpecPolicy policy, Executions executions, Environment environment,
      RepositoryRules rules) {
    this.rules = rules;
    this.client = requests.client();
    this.starter = starter;
    this.policy = policy;
    this.executions = executions;
    this.schedules = ScheduleClient.newInstance(requests.scheduleStubs(), ScheduleClientOptions.newBuilder()
        .setNamespace(environment.getProperty("spring.temporal.namespace", "default"))
        .setDataConverter(client.getOptions().getDataConverter())
        .build());
  }

  /**
   * Creates schedule {@code schedule-<name>}.
   *
   * @throws SpecRejectedException naming the field at fault (400)
   * @throws LoopConflictException when a schedule of that name exists (409)
   */
  ScheduleView create(ScheduleRequest request) {
    boolean cron = request.cron() != null && !request.cron().isBlank();
    boolean interval = request.interval() != null && !request.interval().isBlank();
    if (cron == interval) {
      throw new SpecRejectedException(cron ? "interval" : "cron", "give exactly one of cron and interval");
    }
    Caller caller = Caller.current();
    policy.check(request.spec(), caller.roles());
    LoopSpec spec = request.spec().normalized();
    String id = "schedule-" + request.name();
    ScheduleRequest.Overlap overlap = request.overlap() == null ? ScheduleRequest.Overlap.SKIP : request.overlap();
    ScheduleSpec.Builder when = ScheduleSpec.newBuilder();
    if (cron) {
      when.setCronExpressions(List.of(request.cron().strip()));
    } else {
      when.setIntervals(List.of(new ScheduleIntervalSpec(Durations.parse(request.interval()))));
    }
    // A schedule's runs get the repository's rules as they are when it is created.
    // Every run carries the grant of who made the schedule, for this spec only.
    LoopInput input = new LoopInput(spec).withRules(rules.inForce(spec.workspace().repository()))
        .withGrant(starter.grant(spec, caller));
    Schedule schedule = Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(LoopWorkflow.class)
            .setArguments(input)
            .setOptions(starter.options("loop-" + spec.name(), spec, input))
            .build())
        .setSpec(when.build())
        .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.valueOf("SCHEDULE_OVERLAP_POLICY_" + overlap.name())).build())
        .setState(ScheduleState.newBuilder().setPaused(Boolean.TRUE.equals(request.paused())).setNote(request.note() == null ? "" : request.note())
            .build())
        .build();
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("name", request.name());
    memo.put("loopName", spec.name());
    memo.put("goal", truncate(spec.goal(), 400));
    memo.put("repository", spec.workspace().repository());
    memo.put("cron", cron ? request.cron().strip() : "");
    memo.put("interval", interval ? request.interval() : "");
    memo.put("overlap", overlap.name());
    try {
      schedules.createSchedule(id, schedule, ScheduleOptions.newBuilder().setMemo(memo).build());
    } catch (ScheduleAlreadyRunningException e) {
      throw new LoopConflictException("schedule " + id + " exists; delete it first or pick another name");
    } catch (RuntimeException e) {
      Status status = status(e);
      if (status != null && status.getCode() == Status.Code.INVALID_ARGUMENT) {
        throw new SpecRejectedException(cron ? "cron" : "interval", "Temporal refused it: " + status.getDescription());
      }
      throw e;
    }
    return get(id);
  }

  /** Every schedule of loops, by id. */
  List<ScheduleView> list() {
    return schedules.listSchedules(MAX_LIST)
        .filter(s -> s.getScheduleId().startsWith("schedule-"))
        .map(s -> get(s.getScheduleId()))
        .sorted(Comparator.comparing(ScheduleView::id))
        .toList();
  }

  /**
   * One schedule: next runs, recent runs with their loops' status.
   *
   * @throws LoopNotFoundException when there is no such schedule
   */
  ScheduleView get(String id) {
    ScheduleDescription d = describe(id);
    Map<String, String> statuses = new HashMap<>();
    client.listExecutions("TemporalScheduledById = '" + id + "'").limit(50)
        .forEach(m -> statuses.put(m.getExecution().getWorkflowId(), status(m)));
    List<ScheduleView.Run> recent = d.getInfo().getRecentActions().stream()
        .sorted(Comparator.comparing(ScheduleActionResult::getScheduledAt).reversed())
        .limit(10)
        .map(a -> {
          String loopId = a.getAction() instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : null;
          return new ScheduleView.Run(loopId, iso(a.getScheduledAt()), iso(a.getStartedAt()), statuses.get(loopId));
        })
        .toList();
    ScheduleState state = d.getSchedule().getState();
    return new ScheduleView(id, memo(d, "name"), memo(d, "loopName"), memo(d, "goal"), memo(d, "repository"),
        blankToNull(memo(d, "cron")), blankToNull(memo(d, "interval")), memo(d, "overlap"), state.isPaused(), blankToNull(state.getNote()),
        d.getInfo().getNextActionTimes().stream().limit(5).map(LoopSchedules::iso).toList(), recent, d.getInfo().getNumActions(),
        d.getInfo().getNumActionsSkippedOverlap(), executions.scheduleLinks(id));
  }

  /** Pauses schedule {@code id} with a note. */
  ScheduleView pause(String id, String note) {
    handle(id).pause(note == null || note.isBlank() ? "paused through the API" : note);
    return get(id);
  }

  /** Unpauses schedule {@code id}. */
  ScheduleView unpause(String id) {
    handle(id).unpause("unpaused through the API");
    return get(id);
  }

  /** Starts a run now, under the schedule's overlap policy (a run still going skips it with SKIP). */
  ScheduleView trigger(String id) {
    handle(id).trigger();
    return get(id);
  }

  /** Deletes schedule {@code id}; the loops it started are left as they are. */
  void delete(String id) {
    handle(id).delete();
  }

  private ScheduleHandle handle(String id) {
    describe(id);
    return schedules.getHandle(id);
  }

  private ScheduleDescription describe(String id) {
    if (id == null || !id.matches("schedule-[a-z0-9][a-z0-9-]{0,39}")) {
      throw new LoopNotFoundException("no schedule with that id");
    }
    try {
      return schedules.getHandle(id).describe();
    } catch (RuntimeException e) {
      Status status = status(e);
      if (status != null && status.getCode() == Status.Code.NOT_FOUND) {
        throw new LoopNotFoundException("no schedule with id " + id);
      }
      throw e;
    }
  }

  /** The gRPC status behind a client exception (the schedule client wraps them), or {@code null}. */
  private static Status status(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus();
      }
    }
    return null;
  }

  private String status(WorkflowExecutionMetadata m) {
    return Executions.loopStatus(m.getStatus(), m.getTypedSearchAttributes().get(LoopSearchAttributes.STATUS));
  }

  private static String memo(ScheduleDescription d, String key) {
    return d.getMemo(key, String.class, String.class);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
