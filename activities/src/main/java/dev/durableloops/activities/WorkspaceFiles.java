package dev.durableloops.activities;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The worker's reads and writes of files in a workspace, where a step may have left links
 * (DESIGN.md, "Trust boundaries", zone 2). Nothing here follows a symbolic link in any component
 * below the workspace's root, and nothing written goes through a link:
 *
 * <ul>
 *   <li><b>Reads</b> of files a step writes ({@code .loop/result.json}, the prompt after the plan
 *       command, reports): every component below the root must be a real directory and the file a
 *       regular file with one name; it is opened with {@code O_NOFOLLOW}. A symbolic link anywhere
 *       on the way, or a file with more than one name (a hard link: the same file may be a secret
 *       elsewhere), fails with {@link StepException.Kind#UNSAFE_WORKSPACE} naming the path.
 *   <li><b>Writes</b> of files the worker owns ({@code .loop/STATE.md}, {@code REFLECTIONS.md},
 *       {@code RULES.md}, {@code PROMPT.md}, {@code ATTEMPT.diff}, {@code EVIDENCE.json}): they are
 *       projections of workflow state, so whatever a step left in their place is thrown away. A link
 *       where a directory of the worker's should be ({@code .loop} itself) is removed and a directory
 *       made; the file is written as a new file and renamed over the old name, which replaces a
 *       symbolic or hard link instead of writing through it.
 * </ul>
 *
 * <p>No step command of the loop runs while the worker reads or writes (the {@link Fence} kills the
 * loop's processes before a step claims it), so a component checked stays what it was.
 */
final class WorkspaceFiles {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkspaceFiles.class);

  private WorkspaceFiles() {}

  /**
   * The text of {@code root/relative} (UTF-8), or empty when it does not exist.
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} when a component is a symbolic link or not a
   *     directory, or the file is not a regular file with one name
   */
  static Optional<String> read(Path root, String relative) {
    Path file = inside(root, relative);
    if (!requireNoLinks(root, file)) {
      return Optional.empty();
    }
    try (InputStream in = open(root, file)) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens {@code file}, under {@code root}, for reading without following a link, after checking it
   * is a regular file with one name. The caller has checked the components above it
   * ({@link #requireNoLinks}).
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} as {@link #read} says
   */
  static InputStream open(Path root, Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (attributes.isSymbolicLink()) {
      throw unsafe(root, file, "is a symbolic link" + target(file));
    }
    if (!attributes.isRegularFile()) {
      throw unsafe(root, file, "is not a regular file");
    }
    int links = links(file);
    if (links > 1) {
      throw unsafe(root, file, "has " + links + " names (a hard link): the worker trusts no file that is also elsewhere");
    }
    return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Checks every component of {@code path} below {@code root}: none may be a symbolic link, and all
   * but the last must be directories.
   *
   * @return whether {@code path} exists
   * @throws StepException {@code UNSAFE_WORKSPACE} naming the first component that is a link or not
   *     a directory
   */
  static boolean requireNoLinks(Path root, Path path) {
    requireRealRoot(root);
    Path relative = root.relativize(path);
    Path current = root;
    int count = relative.getNameCount();
    for (int i = 0; i < count; i++) {
      current = current.resolve(relative.getName(i));
      BasicFileAttributes attributes = attributesOrNull(current);
      if (attributes == null) {
        return false;
      }
      if (attributes.isSymbolicLink()) {
        throw unsafe(root, current, "is a symbolic link" + target(current));
      }
      if (i < count - 1 && !attributes.isDirectory()) {
        throw unsafe(root, current, "is not a directory");
      }
    }
    return true;
  }

  /**
   * Writes a file the worker owns: {@code text} (UTF-8) as a new file at {@code root/relative},
   * whatever was there, through real directories only ({@link #ownDirectory}).
   */
  static void write(Path root, String relative, String text) {
    Path file = inside(root, relative);
    ownDirectory(root, root.relativize(file.getParent()).toString());
    try {
      BasicFileAttributes attributes = attributesOrNull(file);
      if (attributes != null && attributes.isDirectory()) {
        deleteTree(file);
      } else if (attributes != null && (attributes.isSymbolicLink() || links(file) > 1)) {
        log.warn("replacing {}, a link a step left, with the worker's own file", file);
      }
      replace(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes {@code root/relative} if it is there, through real directories only; a link is removed, not followed. */
  static void delete(Path root, String relative) {
    Path file = inside(root, relative);
    ownDirectory(root, root.relativize(file.getParent()).toString());
    deleteTree(file);
  }

  /**
   * Makes {@code root/relative} a real directory of the worker's own, and every directory above it
   * below {@code root}: a symbolic link or a file in the way is removed (a link, never what it
   * points at) and a directory made.
   *
   * @return the directory
   */
  static Path ownDirectory(Path root, String relative) {
    if (relative.isEmpty()) {
      requireRealRoot(root);
      return root;
    }
    Path dir = inside(root, relative);
    Path rel = root.relativize(dir);
    Path current = root;
    try {
      for (Path name : rel) {
        if (name.toString().isEmpty()) {
          continue;
        }
        current = current.resolve(name);
        BasicFileAttributes attributes = attributesOrNull(current);
        if (attributes != null && attributes.isDirectory()) {
          continue;
        }
        if (attributes != null) {
          log.warn("replacing {}, a {} a step left, with a directory of the worker's own", current,
              attributes.isSymbolicLink() ? "symbolic link" + target(current) : "file");
          Files.delete(current);
        }
        Files.createDirectory(current);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Empties {@code root/relative}: removed (a link, never what it points at) and made again as a real directory. */
  static Path emptyDirectory(Path root, String relative) {
    Path dir = inside(root, relative);
    ownDirectory(root, root.relativize(dir.getParent()).toString());
    deleteTree(dir);
    return ownDirectory(root, relative);
  }

  /** Whether {@code file} is a regular file (not a link) with one name. */
  static boolean isPlainFile(Path file) throws IOException {
    BasicFileAttributes attributes = attributesOrNull(file);
    return attributes != null && attributes.isRegularFile() && links(file) == 1;
  }

  /**
   * Writes {@code text} to a new file beside {@code file} and renames it to {@code file}: the name
   * is replaced whatever it was (a symbolic or hard link included), and nothing is written through
   * it. The parent directory must be one the caller trusts.
   */
  static void replace(Path file, String text) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName() + "-", ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static Path inside(Path root, String relative) {
    requireRealRoot(root);
    Path file = root.resolve(relative).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new StepException(StepException.Kind.BAD_SPEC, "'" + relative + "' is not a path inside the workspace " + root);
    }
    return file;
  }

  /**
   * Refuses a workspace directory that is not a directory of its own: a step that can reach its
   * parent could swap it for a link to another loop's workspace.
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} when {@code root} is a symbolic link or not a directory
   */
  static void requireRealRoot(Path root) {
    BasicFileAttributes attributes = attributesOrNull(root);
    if (attributes != null && !attributes.isDirectory()) {
      throw new StepException(StepException.Kind.UNSAFE_WORKSPACE, "the workspace " + root + " is "
          + (attributes.isSymbolicLink() ? "a symbolic link" + target(root) : "not a directory") + "; the worker follows no link a step can write");
    }
  }

  private static BasicFileAttributes attributesOrNull(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int links(Path file) throws IOException {
    return ((Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue();
  }

  /** " (to <target>)" for a symbolic link, for messages; empty when it cannot be read. */
  static String target(Path link) {
    try {
      return " (to " + Files.readSymbolicLink(link) + ")";
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  private static StepException unsafe(Path root, Path path, String what) {
    return new StepException(StepException.Kind.UNSAFE_WORKSPACE,
        "the workspace's " + root.relativize(path) + " " + what + "; the worker follows no link a step can write");
  }

  /** Deletes {@code dir} and everything under it, best effort: what cannot be deleted stays, and the caller's next attempt retries or replaces it. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover temporary directory is harmless and named as such.
    }
  }
}
