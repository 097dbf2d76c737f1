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
 */
@Component
class SearchAttributeRegistrar {

  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistrar.class);

  private final WorkflowServiceStubs service;
  private final LoopsProperties properties;
  private final org.springframework.core.env.Environment environment;

  SearchAttributeRegistrar(WorkflowServiceStubs service, LoopsProperties properties, org.springframework.core.env.Environment environment) {
    this.service = service;
    this.properties = properties;
    this.environment = environment;
  }

  @EventListener(ApplicationStartedEvent.class)
  void register() {
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
