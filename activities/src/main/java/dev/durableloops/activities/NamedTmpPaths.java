package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paths under the machine's {@code /tmp} that a step command or its environment names (a
 * checkout, a tool, a {@code PATH} entry): a step's {@code /tmp} is its own, but these stay
 * readable in it. One parser for both sandboxes; binding every entry of {@code /tmp} instead would
 * cost a mount each (2.2 s for 913 entries, measured).
 */
final class NamedTmpPaths {

  private NamedTmpPaths() {}

  private static final Pattern TMP_PATH = Pattern.compile("/tmp(/[^\\s:;'\"`$()|&<>]+)+");

  /**
   * The paths under {@code /tmp} that {@code command} or a value of {@code env} names, each cut back
   * to the deepest part that exists, leaving out links, any that holds one of {@code writable} (the
   * sandbox runtime mounts a readable directory read-only over the writable paths inside it) and any
   * inside one of {@code invisible}, by name or once links are followed (a readable path inside a
   * hidden directory would be readable).
   */
  static List<Path> named(String command, Map<String, String> env, List<Path> writable, List<Path> invisible) {
    Set<Path> paths = new TreeSet<>();
    List<String> texts = new ArrayList<>(env.values());
    texts.add(command);
    for (String text : texts) {
      Matcher m = TMP_PATH.matcher(text);
      while (m.find()) {
        Path path = Path.of(m.group()).normalize();
        while (path.getNameCount() > 1 && !Files.exists(path)) {
          path = path.getParent();
        }
        Path found = path;
        if (found.startsWith("/tmp") && found.getNameCount() > 1 && !Files.isSymbolicLink(found)
            && writable.stream().noneMatch(w -> w.startsWith(found)) && invisible.stream().noneMatch(i -> inside(found, i))) {
          paths.add(found);
        }
      }
    }
    return List.copyOf(paths);
  }

  /** Whether {@code path} is {@code dir} or inside it, by name or once links are followed. */
  private static boolean inside(Path path, Path dir) {
    try {
      return path.startsWith(dir) || path.toRealPath().startsWith(Files.exists(dir) ? dir.toRealPath() : dir);
    } catch (IOException e) {
      return true;
    }
  }
}
