package dev.durableloops.activities;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a step must not see under the sandbox runtime and bubblewrap: the configured hidden paths,
 * the worker's data directory, the secrets of the worker's home that exist
 * ({@link Sandbox#HOME_SECRETS}) and the tools root, each left out when it lies inside one listed
 * before it. With the process group alone nothing is hidden.
 */
final class HiddenPaths {

  private HiddenPaths() {}

  /**
   * The paths to hide from one step, absolute and normalized, in this order: {@code hidden}, the
   * data directory, the existing home secrets (a link counts, unfollowed), the tools root when it
   * exists.
   *
   * @param hidden the configured hidden paths, absolute and normalized already
   * @param dataDir the worker's data directory
   * @param home the worker's home directory, absolute and normalized
   */
  static List<Path> invisible(List<Path> hidden, Path dataDir, Path home) {
    List<Path> invisible = new ArrayList<>(hidden);
    invisible.add(dataDir.toAbsolutePath().normalize());
    for (String name : Sandbox.HOME_SECRETS) {
      Path secret = home.resolve(name);
      if (Files.exists(secret, LinkOption.NOFOLLOW_LINKS) && invisible.stream().noneMatch(secret::startsWith)) {
        invisible.add(secret);
      }
    }
    Path tools = toolsRoot(home);
    if (Files.exists(tools) && invisible.stream().noneMatch(tools::startsWith)) {
      invisible.add(tools);
    }
    return invisible;
  }

  /**
   * Where {@code deploy/lib.sh} installs the worker's tools ({@code $DURABLE_LOOPS_TOOLS_ROOT},
   * default {@code ~/.local/share/durable-loops} under {@code home}), absolute and normalized.
   */
  static Path toolsRoot(Path home) {
    String root = System.getenv("DURABLE_LOOPS_TOOLS_ROOT");
    return (root == null || root.isBlank() ? home.resolve(".local/share/durable-loops") : Path.of(root))
        .toAbsolutePath().normalize();
  }
}
