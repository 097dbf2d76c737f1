package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts finding the sandbox of step commands ({@link SandboxProbe}) before the context is
 * refreshed: Spring then spends about 0.9 s parsing configuration classes on one thread, and the
 * sandbox runtime's start and trial run (about 0.2 s of wall time, more of CPU) take the other core
 * meanwhile instead of lengthening the start (BENCHMARKS.md, "A restarted worker's start"). It binds
 * {@code durable-loops.sandbox.*} from the environment the same way the context binds
 * {@link LoopsProperties} later; {@link WorkerConfiguration} uses its result only when the two
 * agree, and when the binding fails here the context reports the error as it would without this.
 */
public final class EarlySandboxDetection implements ApplicationContextInitializer<ConfigurableApplicationContext> {

  private static final Logger log = LoggerFactory.getLogger(EarlySandboxDetection.class);

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    LoopsProperties properties;
    try {
      properties = Binder.get(context.getEnvironment()).bindOrCreate("durable-loops", LoopsProperties.class);
    } catch (BindException | IllegalStateException e) {
      log.debug("the sandbox is found later, with the context's own binding: {}", e.getMessage());
      return;
    }
    context.getBeanFactory().registerSingleton(SandboxProbe.BEAN, new SandboxProbe(properties.sandbox().settings()));
  }
}
