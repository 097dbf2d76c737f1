package dev.durableloops.workflows.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopSpecTest {

  @Test
  void normalizedFillsEveryDefault() {
    LoopSpec spec =
        new LoopSpec("x", "goal", new WorkspaceSpec("/repo", null), null, null, new StepSpec("make", null),
            List.of(new CheckSpec("tests", "pytest", null, null, null, null)), null, null, null, null);
    LoopSpec n = spec.normalized();
    assertThat(n.make().timeout()).isEqualTo("PT30M");
    assertThat(n.checks().get(0).timeout()).isEqualTo("PT10M");
    assertThat(n.checks().get(0).required()).isTrue();
    assertThat(n.gate()).isEqualTo(GateSpec.DEFAULT);
    assertThat(n.caps()).isEqualTo(Caps.DEFAULT);
    assertThat(n.normalized()).isEqualTo(n);
  }

  @Test
  void durationsAcceptTimeAndDaysAndRefuseTheRest() {
    assertThat(Durations.parse("PT30M")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("P3D")).isEqualTo(Duration.ofDays(3));
    assertThat(Durations.parse("P1DT2H")).isEqualTo(Duration.ofHours(26));
    assertThatThrownBy(() -> Durations.parse("P1M")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.parse("30 minutes")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.parse("PT0S")).hasMessageContaining("positive");
  }
}
