package dev.durableloops.api.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.temporal.serviceclient.MetricsTag;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Bounded histograms and help texts for the timers this app exports, applied to every meter as it
 * is registered (a Micrometer {@link MeterFilter}; Spring Boot adds filter beans to the registry
 * after its own {@code management.metrics.distribution.*} filter, so these buckets win over those
 * settings).
 *
 * <ul>
 *   <li>{@code temporal_*} timers (the Temporal SDK's, which ask for Micrometer's percentile
 *       histogram of about 70 buckets per series): {@link #TEMPORAL_BUCKETS}, 5 ms to 2 min;
 *       except the per-RPC {@code temporal_request_latency} and {@code temporal_long_request_latency}
 *       (one series per operation and activity type, mostly long polls, read by no panel): no
 *       buckets, only {@code _count}, {@code _sum} and {@code _max};
 *   <li>{@code loop_step_duration_seconds}: {@link #STEP_BUCKETS}, 1 s to 1 h (a step runs up to
 *       its timeout, 30 min for {@code make} by default);
 *   <li>{@code loop_approval_wait_seconds}: {@link #APPROVAL_BUCKETS}, 1 min to 3 days (the
 *       default approval timeout is 24 h), with its help text (the workflow records it through
 *       Temporal's metrics scope, which has no descriptions), without the scope's placeholder tags.
 * </ul>
 *
 * Each histogram series then has its buckets plus {@code +Inf}, {@code _count}, {@code _sum} and
 * {@code _max}.
 */
@Component
class MeterConventions implements MeterFilter {

  /** Buckets of the Temporal SDK's timers: 5, 25, 100, 500 ms, 1, 5, 30 s, 2 min. */
  static final Duration[] TEMPORAL_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2)};

  /** Buckets of step durations: 1, 5, 15, 30 s, 1, 2, 5, 10, 30 min, 1 h. */
  static final Duration[] STEP_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
      Duration.ofMinutes(30), Duration.ofHours(1)};

  /** Buckets of approval waits: 1, 5, 15 min, 1, 4, 12 h, 1, 3 days. */
  static final Duration[] APPROVAL_BUCKETS = {Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
      Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(3)};

  /** The approval wait's meter name, as the workflow records it ({@code Approvals}). */
  static final String APPROVAL_WAIT = "loop_approval_wait";

  /**
   * The approval wait's help text, and its tags without the SDK's placeholders: Temporal's metrics
   * scope gives every meter recorded through it the tags {@code activity_type}, {@code operation},
   * {@code signal_name}, {@code query_type}, {@code status_code}, {@code exception},
   * {@code worker_type} … with the value {@code none} ({@link MetricsTag#DEFAULT_VALUE}) where they
   * do not apply; for this meter none applies. Left: {@code namespace}, {@code task_queue},
   * {@code workflow_type} and {@code outcome}. The SDK's own {@code temporal_*} meters keep theirs
   * (their tag keys must stay the same across each name).
   */
  @Override
  public Meter.Id map(Meter.Id id) {
    if (!id.getName().equals(APPROVAL_WAIT)) {
      return id;
    }
    List<Tag> tags = id.getTags().stream().filter(t -> !MetricsTag.DEFAULT_VALUE.equals(t.getValue())).toList();
    return new Meter.Id(id.getName(), Tags.of(tags), id.getBaseUnit(),
        id.getDescription() != null ? id.getDescription() : "How long approvals waited, by outcome (decided, timed_out)", id.getType());
  }

  @Override
  public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
    Duration[] buckets = bucketsOf(id);
    if (buckets == null) {
      return config;
    }
    return DistributionStatisticConfig.builder()
        .percentilesHistogram(false)
        .serviceLevelObjectives(Arrays.stream(buckets).mapToDouble(d -> (double) d.toNanos()).toArray())
        .build()
        .merge(config);
  }

  /** Temporal's per-RPC timers: counted, summed and maxed, without buckets. */
  private static final List<String> UNBUCKETED = List.of("temporal_request_latency", "temporal_long_request_latency");

  /** The buckets of {@code id}'s timer, or {@code null} when this filter leaves it alone. */
  private static Duration[] bucketsOf(Meter.Id id) {
    if (id.getType() != Meter.Type.TIMER) {
      return null;
    }
    String name = id.getName();
    if (UNBUCKETED.contains(name)) {
      return new Duration[0];
    }
    if (name.startsWith("temporal_")) {
      return TEMPORAL_BUCKETS;
    }
    if (name.equals("loop.step.duration")) {
      return STEP_BUCKETS;
    }
    if (name.equals(APPROVAL_WAIT)) {
      return APPROVAL_BUCKETS;
    }
    return null;
  }
}
