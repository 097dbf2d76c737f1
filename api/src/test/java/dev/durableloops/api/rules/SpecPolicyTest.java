package dev.durableloops.api.rules;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.api.SpecRejectedException;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.MakeVariant;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/** Where loops may work: the data directory counts as an allowed root even before it exists. */
class SpecPolicyTest {

  @TempDir Path tmp;

  private static LoopSpec spec(Path repository, dev.durableloops.workflows.spec.SandboxSpec sandbox) {
    return new LoopSpec("t", "g", new WorkspaceSpec(repository.toString(), "main"), null, null, new StepSpec("true", null),
        List.of(new CheckSpec("c", "true", null, null, true, null)), null, null, null, null, null, null, null, null, sandbox);
  }

  private static LoopSpec spec(Path repository) {
    return new LoopSpec("t", "g", new WorkspaceSpec(repository.toString(), "main"), null, null, new StepSpec("true", null),
        List.of(new CheckSpec("c", "true", null, null, true, null)), null, null, null, null);
  }

  @Test
  void aRepositoryUnderADataDirectoryThatDidNotExistAtStartIsAllowed() throws Exception {
    Path data = tmp.resolve("not-yet/data");
    SpecPolicy policy = new SpecPolicy(new LoopsProperties(data, "q", "http://ui", false, "t", List.of(), List.of(), List.of("https"),
        DataSize.ofKilobytes(256), DataSize.ofMegabytes(64), List.of("PATH"), Map.of(), null, null,
        new LoopsProperties.Capacity(2000, 200, 1200, 8, 8), List.of(), null, "roles", null, null, null, List.of(), Map.of(), null, null));
    Path repo = Files.createDirectories(data.resolve("examples/repo"));
    assertThatCode(() -> policy.check(spec(repo))).doesNotThrowAnyException();
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    assertThatThrownBy(() -> policy.check(spec(outside))).isInstanceOf(SpecRejectedException.class)
        .hasMessageContaining("outside the allowed roots");
  }

  @Test
  void aWritablePathIsRefusedAtTheApiUnlessItLiesUnderTheWorkersWritableRoots() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path repo = Files.createDirectories(data.resolve("repo"));
    SpecPolicy none = policy(data, List.of());
    var writable = new dev.durableloops.workflows.spec.SandboxSpec(true, List.of("/root/.claude"));
    assertThatThrownBy(() -> none.check(spec(repo, writable))).isInstanceOf(SpecRejectedException.class)
        .hasMessageContaining("durable-loops.sandbox.writable-roots")
        .extracting(e -> ((SpecRejectedException) e).field()).isEqualTo("sandbox.writable[0]");
    SpecPolicy claude = policy(data, List.of(Path.of("/root/.claude")));
    assertThatCode(() -> claude.check(spec(repo, writable))).doesNotThrowAnyException();
    assertThatThrownBy(() -> claude.check(spec(repo, new dev.durableloops.workflows.spec.SandboxSpec(true, List.of("/root")))))
        .isInstanceOf(SpecRejectedException.class).hasMessageContaining("outside the worker's writable roots");
  }

  private static SpecPolicy policy(Path data, List<Path> writableRoots) {
    return new SpecPolicy(new LoopsProperties(data, "q", "http://ui", false, "t", List.of(), List.of(), List.of("https"),
        DataSize.ofKilobytes(256), DataSize.ofMegabytes(64), List.of("PATH"), Map.of(), null, null,
        new LoopsProperties.Capacity(2000, 200, 1200, 8, 8), List.of(), null, "roles", null,
        new LoopsProperties.Confinement(dev.durableloops.activities.Sandbox.Mode.NONE, List.of(), 0, List.of(), false, null, writableRoots,
            List.of()), null, List.of(), Map.of(), null, null));
  }

  @Test
  void attemptsAndVariantsGivenTogetherMustAgreeElseTheFieldIsNamed() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path repo = Files.createDirectories(data.resolve("repo"));
    SpecPolicy policy = policy(data, List.of());
    var variants = List.of(new MakeVariant("claude", "claude -p go"), new MakeVariant("codex", "codex exec go"));
    assertThatThrownBy(() -> policy.check(spec(repo, new MakeSpec("true", null, 3, variants))))
        .isInstanceOf(SpecRejectedException.class).hasMessageContaining("make.variants names 2 makers")
        .extracting(e -> ((SpecRejectedException) e).field()).isEqualTo("make.attempts");
    assertThatCode(() -> policy.check(spec(repo, new MakeSpec("true", null, 2, variants)))).doesNotThrowAnyException();
    assertThatCode(() -> policy.check(spec(repo, new MakeSpec("true", null, null, variants)))).doesNotThrowAnyException();
    assertThatCode(() -> policy.check(spec(repo, new MakeSpec("true", null, 3, null)))).doesNotThrowAnyException();
  }

  private static LoopSpec spec(Path repository, MakeSpec make) {
    return new LoopSpec("t", "g", new WorkspaceSpec(repository.toString(), "main"), null, null, make,
        List.of(new CheckSpec("c", "true", null, null, true, null)), null, null, null, null, null, null, null, null, null, null);
  }
}
