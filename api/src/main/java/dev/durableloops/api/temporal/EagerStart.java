package dev.durableloops.api.temporal;

import io.temporal.internal.client.WorkflowClientInternal;
import io.temporal.worker.WorkerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Eager workflow start for loops this app starts while it also runs a worker: the client that
 * serves API requests ({@link RequestClient}) learns this process's worker factory, so a start that
 * asks for eager execution ({@code WorkflowOptions.setDisableEagerExecution(false)}, the SDK's default
 * being off) reserves a workflow-task slot here and gets the loop's first workflow task back in the
 * {@code StartWorkflowExecution} response instead of through the server's matching service (the
 * server must allow it: {@code system.enableEagerWorkflowStart}). With no free slot, or a server
 * that does not allow it, the start is an ordinary one. The worker's own client registers the factory
 * itself; the request client has stubs of its own, so it is told here. Java SDK 1.38 keeps
 * that registration in {@code io.temporal.internal.client}; should it move, this is the one place.
 * Not in the {@code api} profile, which runs no worker.
 */
@Component
@ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
class EagerStart {

  EagerStart(RequestClient requests, ObjectProvider<WorkerFactory> factory) {
    WorkerFactory workers = factory.getIfAvailable();
    if (workers != null && requests.client().getInternal() instanceof WorkflowClientInternal internal) {
      internal.registerWorkerFactory(workers);
    }
  }
}
