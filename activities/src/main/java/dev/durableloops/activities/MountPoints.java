package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The empty files and directories the sandbox runtime creates in the workspace as mount points for
 * the write-denies of paths that do not exist yet ({@code .bashrc}, {@code .vscode},
 * {@code .claude/commands}…). The runtime removes them when its command ends, but not when it is
 * killed (a timeout, a cancelled step, a worker that died): then they would be committed with the
 * attempt. They are removed after every step, when new and still empty.
 */
final class MountPoints {

  private MountPoints() {}

  /** The runtime's mandatory write-denies at the top of a workspace, deepest first; from its README (0.0.78). */
  static final List<String> NAMES = List.of(".gitconfig", ".gitmodules", ".bashrc", ".bash_profile", ".zshrc", ".zprofile",
      ".profile", ".ripgreprc", ".mcp.json", ".vscode", ".idea", ".claude/commands", ".claude/agents", ".claude");

  /** Which of {@link #NAMES} exist in {@code workspace} now. */
  static List<String> present(Path workspace) {
    return NAMES.stream().filter(n -> Files.exists(workspace.resolve(n), LinkOption.NOFOLLOW_LINKS)).toList();
  }

  /** Removes each of {@link #NAMES} that was not {@code before} and is an empty file or directory (not a link). */
  static void removeLeftovers(Path workspace, List<String> before) {
    for (String name : NAMES) {
      Path path = workspace.resolve(name);
      if (before.contains(name) || Files.isSymbolicLink(path)) {
        continue;
      }
      try {
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Files.size(path) == 0) {
          Files.delete(path);
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          try (var entries = Files.list(path)) {
            if (entries.findAny().isEmpty()) {
              Files.delete(path);
            }
          }
        }
      } catch (IOException e) {
        // A leftover that cannot be removed is an empty file or directory; the next run of the
        // runtime removes its own leftovers too.
      }
    }
  }
}
