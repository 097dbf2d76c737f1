package dev.durableloops.api.ops;

import dev.durableloops.api.temporal.WorkerProbe;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Reports whether a worker polls the loop task queue ({@link WorkerProbe}), shown under
 * {@code /actuator/health} as {@code workers}. Always {@code UP}: this process serves whether or not a
 * worker is up (decisions and notes fall back to Signals), so the fleet's state is a detail, not this
 * process's health, and it can neither fail readiness nor turn the aggregate {@code DOWN}.
 *
 * <p>Details: {@code availability} ({@code UP} a worker polled within 75 s, {@code DOWN} none did,
 * {@code UNKNOWN} Temporal could not say), {@code polling} ({@code true}/{@code false}; absent when
 * unknown) and {@code taskQueue}.
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
    Health.Builder health = Health.up().withDetail("availability", availability.name());
    if (availability != WorkerProbe.Availability.UNKNOWN) {
      health.withDetail("polling", availability == WorkerProbe.Availability.UP);
    }
    return health.withDetail("taskQueue", probe.taskQueue()).build();
  }
}
