package dev.durableloops.activities;

import dev.durableloops.workflows.spec.SandboxSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The check of a spec's {@code sandbox.writable} paths against what the worker allows: its
 * writable roots ({@code durable-loops.sandbox.writable-roots}) and the places a step must never
 * change.
 */
final class WritablePaths {

  private WritablePaths() {}

  /**
   * The spec's writable paths that exist, each checked: absolute, no link anywhere in it (its real
   * path is itself, so an entry a previous step turned into a link is not bound through), under one
   * of the worker's writable roots, and neither holding nor inside what a step must not change: the
   * data directory, a hidden path, a secret of the worker's home (existing or not), the tools root and
   * the sandbox runtime, the Java runtime, an entry of the worker's {@code PATH}.
   *
   * @param invisible what the step must not see ({@link HiddenPaths#invisible})
   * @param dataDir the worker's data directory
   * @param settings the worker's settings: writable roots, home and sandbox runtime
   * @return the checked paths that exist, normalized, in the spec's order; empty when the spec lists none
   * @throws StepException {@code BAD_SPEC} naming the first entry that fails a check (any entry when
   *     the worker has no writable roots)
   */
  static List<Path> checked(SandboxSpec spec, List<Path> invisible, Path dataDir, Sandbox.Settings settings) {
    List<Path> paths = new ArrayList<>();
    List<String> entries = spec.writable() == null ? List.of() : spec.writable();
    if (entries.isEmpty()) {
      return paths;
    }
    List<Path> never = new ArrayList<>(invisible);
    never.add(real(dataDir));
    Path home = settings.homeOrDefault();
    Sandbox.HOME_SECRETS.forEach(name -> never.add(home.resolve(name)));
    never.add(HiddenPaths.toolsRoot(home));
    if (settings.runtime() != null) {
      never.add(settings.runtime().toAbsolutePath().normalize());
    }
    never.add(Path.of(System.getProperty("java.home")).toAbsolutePath().normalize());
    String pathVar = System.getenv("PATH");
    for (String dir : (pathVar == null ? "/usr/bin:/bin" : pathVar).split(File.pathSeparator)) {
      if (!dir.isEmpty() && dir.startsWith("/")) {
        never.add(Path.of(dir).normalize());
        never.add(real(Path.of(dir)));
      }
    }
    List<Path> roots = settings.writableRoots() == null ? List.of() : settings.writableRoots().stream().map(WritablePaths::real).toList();
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      String field = "sandbox.writable[" + i + "]";
      if (roots.isEmpty()) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry
            + ", but this worker allows no writable path outside the workspace (durable-loops.sandbox.writable-roots lists the directories it allows)");
      }
      Path path = Path.of(entry);
      if (!path.isAbsolute()) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry + ", which is not an absolute path");
      }
      path = path.normalize();
      boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
      if (exists && !real(path).equals(path)) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry + ", which is or passes through a symbolic link (to "
            + real(path) + ")");
      }
      Path checked = path;
      if (roots.stream().noneMatch(checked::startsWith)) {
        throw new StepException(StepException.Kind.BAD_SPEC, field + " names " + entry
            + ", which is outside the worker's writable roots (durable-loops.sandbox.writable-roots: "
            + String.join(", ", roots.stream().map(Path::toString).toList()) + ")");
      }
      for (Path forbidden : never) {
        if (checked.startsWith(forbidden) || forbidden.startsWith(checked)) {
          throw new StepException(StepException.Kind.BAD_SPEC,
              field + " names " + entry + ", which would expose " + forbidden + " that commands must not see or change");
        }
      }
      if (exists) {
        paths.add(path);
      }
    }
    return paths;
  }

  /** {@code path}'s real path when it exists, else its normalized absolute path. */
  private static Path real(Path path) {
    try {
      return path.toAbsolutePath().toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }
}
