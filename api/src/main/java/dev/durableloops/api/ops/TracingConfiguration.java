package dev.durableloops.api.ops;

import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * What is traced besides Spring Boot's defaults. The trace itself is wired by the frameworks: Spring
 * Boot's OpenTelemetry SDK and Micrometer tracing make the HTTP server spans and put
 * {@code traceId}/{@code spanId} into the logs' MDC, and the Temporal starter, given that
 * {@code OpenTelemetry} bean and the OpenTracing shim, adds Temporal's tracing interceptors to the
 * client and the workers, so the workflow and its activities join the trace of the request that
 * started the loop. Export and sampling are {@code management.opentelemetry.tracing.export.otlp.endpoint}
 * and {@code management.tracing.sampling.probability} (docs/operations.md, "Traces").
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

  /**
   * Requests to {@code /actuator/*} (probes every few seconds, scrapes) are not observed: no span
   * and no {@code http_server_requests} series of their own.
   */
  @Bean
  ObservationPredicate noActuatorObservations() {
    return (name, context) -> !(context instanceof ServerRequestObservationContext request
        && request.getCarrier().getRequestURI().startsWith("/actuator"));
  }
}
