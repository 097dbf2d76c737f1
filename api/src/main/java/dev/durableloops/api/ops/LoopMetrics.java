package dev.durableloops.api.ops;

import dev.durableloops.activities.StepObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The loop metrics, in Micrometer (scraped at {@code /actuator/prometheus} beside the Temporal
 * SDK's own {@code temporal_*} metrics):
 *
 * <ul>
 *   <li>{@code loop_step_duration_seconds{step,outcome}}: each activity's run time on this worker;
 *   <li>{@code loop_iterations_total{verdict}}: iterations kept (ACCEPT) or thrown away (REJECT);
 *   <li>{@code loop_cost_usd_total}, {@code loop_tokens_total}: what makers reported spending;
 *   <li>{@code loop_approval_wait_seconds{outcome}}: how long approvals waited, emitted by the
 *       workflow through Temporal's metrics scope (so never twice on replay); its help text and
 *       buckets come from {@link MeterConventions}.
 * </ul>
 *
 * <p>The fleet-wide {@code loop_loops} is {@link FleetMetrics}'.
 */
@Component
class LoopMetrics implements StepObserver {

  private final MeterRegistry registry;
  private final Counter cost;
  private final Counter tokens;

  LoopMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.cost = Counter.builder("loop.cost.usd").description("USD makers reported spending").register(registry);
    this.tokens = Counter.builder("loop.tokens").description("tokens makers reported using").register(registry);
  }

  @Override
  public void stepEnded(String step, Duration duration, boolean failed) {
    Timer.builder("loop.step.duration").tag("step", step).tag("outcome", failed ? "failed" : "completed")
        .description("time each step ran on this worker").register(registry).record(duration);
  }

  @Override
  public void makerSpent(double usd, long tokenCount) {
    cost.increment(usd);
    tokens.increment(tokenCount);
  }

  @Override
  public void iterationEnded(String verdict) {
    Counter.builder("loop.iterations").tag("verdict", verdict).description("iterations by verdict").register(registry).increment();
  }
}
