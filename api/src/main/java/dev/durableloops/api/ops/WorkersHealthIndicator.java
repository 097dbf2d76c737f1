package dev.durableloops.api.ops;

import dev.durableloops.api.temporal.WorkerProbe;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness: whether a worker polls the loop task queue ({@link WorkerProbe}). {@code DOWN} when
 * none has polled within 75 s, {@code UNKNOWN} when Temporal could not say.
 */
@Component("workers")
class WorkersHealthIndicator implements HealthIndicator {

  private final WorkerProbe probe;

  WorkersHealthIndicator(WorkerProbe probe) {
    this.probe = probe;
  }

  @Override
  public Health health() {
    WorkerProbe.Availability availability = probe.availability();
    Health.Builder health = switch (availability) {
      case UP -> Health.up();
      case DOWN -> Health.down();
      case UNKNOWN -> Health.unknown();
    };
    return health.withDetail("taskQueue", probe.taskQueue()).build();
  }
}
