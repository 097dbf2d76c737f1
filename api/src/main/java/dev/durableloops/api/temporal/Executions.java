package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopConflictException;
import dev.durableloops.api.LoopNotFoundException;
import dev.durableloops.api.LoopsProperties;
import dev.durableloops.workflows.LoopIds;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Finding a loop's workflow execution by id, and the words every answer uses for it: the loop
 * status to show for a Temporal execution status, and the links.
 */
@Component
public class Executions {

  private final WorkflowClient client;
  private final String temporalUiUrl;
  private final String namespace;

  public Executions(RequestClient requests, LoopsProperties properties, Environment environment) {
    this.client = requests.client();
    this.temporalUiUrl = properties.temporalUiUrl();
    this.namespace = environment.getProperty("spring.temporal.namespace", "default");
  }

  /**
   * The execution of loop {@code id}.
   *
   * @throws LoopNotFoundException when the id is malformed or no such workflow exists
   */
  public WorkflowExecutionDescription describe(String id) {
    if (!LoopIds.isWellFormed(id)) {
      throw new LoopNotFoundException("no loop with that id");
    }
    try {
      return client.newUntypedWorkflowStub(id).describe();
    } catch (WorkflowNotFoundException e) {
      throw new LoopNotFoundException("no loop with id " + id);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new LoopNotFoundException("no loop with id " + id);
      }
      throw e;
    }
  }

  /** A stub of loop {@code id}, which must exist. */
  public LoopWorkflow loop(String id) {
    describe(id);
    return client.newWorkflowStub(LoopWorkflow.class, id);
  }

  /**
   * A stub of loop {@code id}, which must be running.
   *
   * @throws LoopConflictException when it has ended
   */
  public LoopWorkflow running(String id) {
    WorkflowExecutionDescription d = describe(id);
    if (d.getStatus() != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      throw new LoopConflictException("loop " + id + " has ended (" + shortStatus(d.getStatus()) + ")");
    }
    return client.newWorkflowStub(LoopWorkflow.class, id);
  }

  /** {@code self} (the API), {@code web} (the page) and {@code temporal} (the Temporal UI). */
  /** {@code self} and {@code temporal} (the schedule page of the Temporal UI) of schedule {@code id}. */
  public Map<String, String> scheduleLinks(String id) {
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", "/api/schedules/" + id);
    links.put("temporal", temporalUiUrl + "/namespaces/" + namespace + "/schedules/" + id);
    return links;
  }

  public Map<String, String> links(String id) {
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", "/api/loops/" + id);
    links.put("web", "/loop.html?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    links.put("temporal", temporalUiUrl + "/namespaces/" + namespace + "/workflows/" + id);
    return links;
  }

  /**
   * The loop status to show: the loop's own ({@code recorded}) unless Temporal ended the workflow
   * from outside the loop — terminated or timed out is {@code FAILED}, cancelled is
   * {@code CANCELLED} — where the loop never got to record it.
   */
  public static String loopStatus(WorkflowExecutionStatus temporal, String recorded) {
    if (endedOutsideTheLoop(temporal)) {
      return LoopStatus.FAILED.name();
    }
    return temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED ? LoopStatus.CANCELLED.name() : recorded;
  }

  /** Whether Temporal ended the workflow without the loop recording why (terminated, timed out). */
  public static boolean endedOutsideTheLoop(WorkflowExecutionStatus temporal) {
    return temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED
        || temporal == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
  }

  /** {@code RUNNING}, {@code COMPLETED}, … without the enum's prefix. */
  public static String shortStatus(WorkflowExecutionStatus status) {
    return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }
}
