package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What making a {@link CommandPolicy} costs a worker's start. */
@org.junit.jupiter.api.Timeout(value = 2, unit = TimeUnit.MINUTES)
class CommandPolicyTest {

  @TempDir Path tmp;

  /**
   * A worker builds its policy around the sandbox its configuration names; that must not also find
   * {@link Sandbox#standard()} (the sandbox runtime's server and a trial run: ~0.3 s of every start,
   * and with mode {@code none} a sandbox the worker never uses). A JVM of its own, since other tests
   * in this one use the standard sandbox.
   */
  @Test
  void aPolicyWithItsOwnSandboxDoesNotFindTheStandardOne() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = tmp.resolve("worker.log");
    Process worker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OwnSandbox.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      worker.destroyForcibly();
    }

    assertThat(Files.readString(log, StandardCharsets.UTF_8).strip()).endsWith("standard sandbox found: false");
    assertThat(worker.exitValue()).isZero();
  }

  /** Makes a policy as {@code WorkerConfiguration} does, then says whether the standard sandbox was found. */
  static final class OwnSandbox {

    public static void main(String[] args) throws Exception {
      Sandbox own = Sandbox.detect(new Sandbox.Settings(Sandbox.Mode.NONE, List.of(), 0));
      CommandPolicy policy = new CommandPolicy(CommandPolicy.DEFAULT_OUTPUT_CAP, CommandPolicy.DEFAULT_INHERITED, Map.of(), own, List.of());
      policy.environment(Map.of("PATH", "/usr/bin"), List.of(), Map.of());
      Field standard = Sandbox.class.getDeclaredField("standard");
      standard.setAccessible(true);
      System.out.println("standard sandbox found: " + (standard.get(null) != null));
    }
  }
}
