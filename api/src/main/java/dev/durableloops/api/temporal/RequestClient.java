package dev.durableloops.api.temporal;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The Temporal client that serves API requests: the starter's client (same target, TLS, namespace,
 * data converter and codec) on service stubs of its own whose calls give up after
 * {@link #RPC_EXPIRATION} instead of the SDK's default of a minute of retries. While the Temporal
 * server is unreachable a request then answers 503 problem+json within seconds instead of hanging;
 * the worker keeps the starter's client and its patient retries, so finished steps are still
 * reported once the server is back.
 */
@Component
public class RequestClient {

  /** How long one API call to Temporal retries an unreachable server: 3 s. */
  public static final Duration RPC_EXPIRATION = Duration.ofSeconds(3);

  /** How long one attempt of a call may take (a server that accepts but does not answer): 5 s. */
  public static final Duration RPC_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long one schedule call may take: 20 s. Temporal carries out a schedule's create, patch
   * (pause, unpause, trigger) and describe in the schedule's own workflow, which a busy server
   * answers in seconds rather than milliseconds; an unreachable server still fails within
   * {@link #RPC_EXPIRATION}.
   */
  public static final Duration SCHEDULE_RPC_TIMEOUT = Duration.ofSeconds(20);

  private final WorkflowServiceStubs stubs;
  private final WorkflowServiceStubs scheduleStubs;
  private final WorkflowClient client;

  RequestClient(WorkflowClient workerClient) {
    WorkflowServiceStubsOptions shared = workerClient.getWorkflowServiceStubs().getOptions();
    this.stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder(shared)
        .setRpcRetryOptions(RpcRetryOptions.newBuilder().setExpiration(RPC_EXPIRATION).validateBuildWithDefaults())
        .setRpcTimeout(RPC_TIMEOUT)
        .build());
    this.scheduleStubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder(shared)
        .setRpcRetryOptions(RpcRetryOptions.newBuilder().setExpiration(RPC_EXPIRATION).validateBuildWithDefaults())
        .setRpcTimeout(SCHEDULE_RPC_TIMEOUT)
        .build());
    this.client = WorkflowClient.newInstance(stubs, workerClient.getOptions());
  }

  /** Service stubs for schedule calls: as {@link #client()}'s, one attempt at most {@link #SCHEDULE_RPC_TIMEOUT}. */
  public WorkflowServiceStubs scheduleStubs() {
    return scheduleStubs;
  }

  /**
   * The client; a call to an unreachable server fails with {@code UNAVAILABLE} or
   * {@code DEADLINE_EXCEEDED} after {@link #RPC_EXPIRATION} of retries (one attempt at most
   * {@link #RPC_TIMEOUT}).
   */
  public WorkflowClient client() {
    return client;
  }

  @PreDestroy
  void close() {
    stubs.shutdown();
    scheduleStubs.shutdown();
  }
}
