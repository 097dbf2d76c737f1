package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** {@code durable-loops.worker.heartbeat-timeout}: 10 s by default, any value from 3 s to 10 min, and a start that fails naming it otherwise. */
class WorkerSettingsTest {

  private static LoopsProperties bind(Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return Binder.get(environment).bindOrCreate("durable-loops", LoopsProperties.class);
  }

  @Test
  void theHeartbeatTimeoutIsTenSecondsUnlessSet() {
    assertThat(bind(Map.of()).worker().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(bind(Map.of("durable-loops.worker.heartbeat-timeout", "3s")).worker().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aHeartbeatTimeoutOutsideThreeSecondsToTenMinutesFailsTheStartNamingIt() {
    for (String value : new String[] {"2s", "0s", "11m"}) {
      assertThatThrownBy(() -> bind(Map.of("durable-loops.worker.heartbeat-timeout", value)))
          .as(value).isInstanceOf(BindException.class)
          .rootCause().hasMessageContaining("durable-loops.worker.heartbeat-timeout must lie between 3s and 10m");
    }
  }
}
