package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.activities.Sandbox;
import dev.durableloops.api.LoopsProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** The sandbox found before the context's refresh: for the settings the context binds later, and never a failed start of its own. */
class EarlySandboxDetectionTest {

  @Test
  void findsTheSandboxOfTheConfiguredSettings() {
    try (GenericApplicationContext context = context(Map.of("durable-loops.sandbox.mode", "none", "durable-loops.sandbox.max-processes", "64"))) {
      new EarlySandboxDetection().initialize(context);

      SandboxProbe probe = context.getBeanFactory().getBean(SandboxProbe.BEAN, SandboxProbe.class);
      Sandbox.Settings bound = Binder.get(context.getEnvironment()).bindOrCreate("durable-loops", LoopsProperties.class).sandbox().settings();
      assertThat(probe.settings()).isEqualTo(bound);
      assertThat(probe.settings().mode()).isEqualTo(Sandbox.Mode.NONE);
      assertThat(probe.settings().maxProcesses()).isEqualTo(64);
      assertThat(probe.sandbox().describe()).startsWith("no sandbox (durable-loops.sandbox.mode=none)");
    }
  }

  @Test
  void leavesAMalformedSettingToTheContext() {
    try (GenericApplicationContext context = context(Map.of("durable-loops.sandbox.max-processes", "lots"))) {
      new EarlySandboxDetection().initialize(context);

      assertThat(context.getBeanFactory().containsSingleton(SandboxProbe.BEAN)).isFalse();
    }
  }

  private static GenericApplicationContext context(Map<String, Object> properties) {
    GenericApplicationContext context = new GenericApplicationContext();
    context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
    return context;
  }
}
