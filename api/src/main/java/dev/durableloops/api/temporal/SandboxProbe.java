package dev.durableloops.api.temporal;

import dev.durableloops.activities.Sandbox;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the sandbox of step commands ({@link Sandbox#detect(Sandbox.Settings)}: the sandbox
 * runtime's server started and a trial run, or a bubblewrap trial) on a thread of its own from its
 * construction, so that it overlaps the rest of the start-up instead of adding to it. The app starts
 * one before Spring parses its configuration ({@link EarlySandboxDetection}), when one of the two
 * cores is idle; {@link WorkerConfiguration} waits for it with {@link #sandbox()}, or makes one then
 * when the context has none (tests that build the context themselves).
 */
final class SandboxProbe {

  private static final Logger log = LoggerFactory.getLogger(SandboxProbe.class);

  /** The bean name under which {@link EarlySandboxDetection} registers it. */
  static final String BEAN = "earlySandboxProbe";

  private final Sandbox.Settings settings;
  private final CompletableFuture<Sandbox> found = new CompletableFuture<>();

  /** Starts the detection for {@code settings}. */
  SandboxProbe(Sandbox.Settings settings) {
    this.settings = settings;
    Thread thread = new Thread(() -> {
      try {
        found.complete(Sandbox.detect(settings));
      } catch (Throwable e) {
        found.completeExceptionally(e);
      }
    }, "sandbox-detection");
    thread.setDaemon(true);
    thread.start();
  }

  /** The settings it detects for. */
  Sandbox.Settings settings() {
    return settings;
  }

  /**
   * The sandbox, once found (waits for the detection), logged so the operator sees what commands
   * run in.
   *
   * @throws IllegalStateException when the configured mode names a sandbox that does not work on this
   *     machine, as {@link Sandbox#detect(Sandbox.Settings)} says; the start-up fails with it
   */
  Sandbox sandbox() {
    Sandbox sandbox;
    try {
      sandbox = found.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while finding the sandbox of step commands", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("cannot find the sandbox of step commands", e.getCause());
    }
    if (sandbox.confined()) {
      log.info("step commands run in {}", sandbox.describe());
    } else {
      log.warn("step commands are not sandboxed: {}", sandbox.describe());
    }
    return sandbox;
  }
}
