package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;

import dev.durableloops.workflows.LoopSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Registers the loop search attributes ({@link LoopSearchAttributes#ALL}) on the namespace at start
 * when they are missing, through the Operator service, so a loop never fails its first workflow task
 * on an unknown attribute. Servers without an Operator service (the in-memory test server) are
 * skipped with a warning.
 *
 * <p>The check starts on a thread of its own as soon as the context makes this bean, and the
 * application's start waits for it on {@link ApplicationStartedEvent}, before the starter starts the
 * workers and the API answers: its calls are the process's first on the worker's connection to
 * Temporal, and the connection and gRPC's first-call work (about 0.3 s on a quiet 2-core machine;
 * BENCHMARKS.md, "A restarted worker's start") then overlap the rest of the start-up instead of
 * delaying the workers' first polls.
 */
@Component
class SearchAttributeRegistrar {

  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistrar.class);

  private final WorkflowServiceStubs service;
  private final LoopsProperties properties;
  private final org.springframework.core.env.Environment environment;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();

  SearchAttributeRegistrar(WorkflowServiceStubs service, LoopsProperties properties, org.springframework.core.env.Environment environment) {
    this.service = service;
    this.properties = properties;
    this.environment = environment;
    Thread thread = new Thread(() -> {
      long started = System.nanoTime();
      try {
        warmUp();
        register();
      } finally {
        registered.complete(null);
        log.debug("search attributes checked in {} ms", (System.nanoTime() - started) / 1_000_000);
      }
    }, "search-attribute-registrar");
    thread.setDaemon(true);
    thread.start();
  }

  /** Waits for the check (its calls have the stubs' deadline; a failure was logged, not thrown). */
  @EventListener(ApplicationStartedEvent.class)
  void awaitRegistration() {
    registered.join();
  }

  /**
   * The server's capabilities, which the SDK asks once per connection and keeps: the connection,
   * and the call every worker makes first, also when the registration is switched off.
   */
  private void warmUp() {
    try {
      service.getServerCapabilities().get();
    } catch (RuntimeException e) {
      log.debug("could not reach Temporal yet: {}", e.getMessage());
    }
  }

  private void register() {
    if (!properties.registerSearchAttributes()) {
      return;
    }
    String namespace = environment.getProperty("spring.temporal.namespace", "default");
    try {
      OperatorServiceStubs operator =
          OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder().setChannel(service.getRawChannel()).validateAndBuildWithDefaults());
      ListSearchAttributesResponse existing =
          operator.blockingStub().listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build());
      Map<String, IndexedValueType> missing = new HashMap<>(LoopSearchAttributes.ALL);
      missing.keySet().removeAll(existing.getCustomAttributesMap().keySet());
      if (!missing.isEmpty()) {
        operator.blockingStub().addSearchAttributes(
            AddSearchAttributesRequest.newBuilder().setNamespace(namespace).putAllSearchAttributes(missing).build());
        log.info("registered search attributes {} on namespace {}", missing.keySet(), namespace);
      }
    } catch (RuntimeException e) {
      log.warn("could not check or register the loop search attributes on namespace {} ({}); register them with "
          + "'temporal operator search-attribute create'", namespace, e.getMessage());
    }
  }
}
