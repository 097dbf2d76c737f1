package dev.durableloops.activities;

import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;

/**
 * The workspace of a fan-out's child loop that shares its repository's objects with the other
 * children on this worker instead of holding a full clone of its own (issue 21, "worktrees, not
 * clones"). The worker keeps one bare copy of each repository children clone, its <em>mirror</em>
 * {@code <data>/mirrors/<key>.git} ({@link #mirror}: the repository's branches, fetched again before
 * every new child so a child starts from the branch tips a clone would see). A child's workspace is
 * an empty repository whose {@code objects/info/alternates} — written by the worker — names the
 * mirror's object directory, with the repository's branches as {@code refs/remotes/origin/*}; the
 * child's own commits and what it fetches from the git store land in its own object directory.
 * So K children on one worker cost K work trees and one set of objects.
 *
 * <p>The mirror lies in the data directory, which no sandboxed step sees or writes; only the worker
 * fetches into it, with automatic garbage collection off ({@code gc.auto 0}), so no object a child
 * borrows is ever removed. A child's workspace is still rebuilt from the git store: on a worker
 * without the mirror it is made there first, and the child's refs come from the store as for any
 * clone ({@link GitWorkspace#reconcile}).
 *
 * <p>{@link TrustedGit} refuses alternates in a loop's workspace unless the worker recorded them
 * beside it, out of the workspace: {@code <data>/loops/<id>/}{@value #RECORD_FILE}, naming a mirror
 * of this data directory. The alternates must hold exactly that line; a step that rewrites them
 * fails the next step with {@code UNSAFE_WORKSPACE}, one that removes them finds them written again.
 */
final class SharedClones {

  /** Beside a shared workspace: the one alternates line its {@code .git} may hold. */
  static final String RECORD_FILE = "borrowed-objects";

  /** Where the mirrors live in the data directory. */
  static final String MIRRORS = "mirrors";

  /** Written into a mirror once its first fetch completed; a mirror without it is half made. */
  private static final String COMPLETE_MARKER = "durable-loops-mirror";

  /** One lock per mirror: children preparing at once fetch into it one at a time. */
  private static final Map<Path, Object> LOCKS = new ConcurrentHashMap<>();

  private final LoopPaths paths;

  SharedClones(LoopPaths paths) {
    this.paths = paths;
  }

  /**
   * The mirror of {@code repository} in this data directory: {@code <data>/mirrors/<key>.git}, the
   * key the first 16 hex digits of the SHA-256 of the repository's path or URL as the spec names it.
   */
  Path mirror(String repository) {
    return paths.dataDir().resolve(MIRRORS).resolve(Hashes.sha256(repository).substring(0, 16) + ".git");
  }

  /**
   * Makes {@code dir} (the loop's workspace) a clone of {@code spec}'s repository that borrows the
   * mirror's objects: refreshes the mirror (making it on first use), records and writes the
   * alternates, and sets {@code refs/remotes/origin/*} to the mirror's branches (and
   * {@code origin/HEAD} to the branch the repository's HEAD named when the mirror was made). Whatever was in {@code dir} is thrown away first, as for a full clone.
   *
   * @throws StepException {@code REPOSITORY_UNAVAILABLE} when the repository cannot be fetched,
   *     {@code IO} when the workspace cannot be written
   */
  void cloneInto(String loopId, Path dir, WorkspaceSpec spec) {
    Path mirror = refresh(spec.repository());
    WorkspaceFiles.deleteTree(dir);
    GitCommandLine.forgetIndex(dir);
    TrustedGit.distrust(dir);
    try {
      String line = mirror.resolve("objects") + "\n";
      Files.createDirectories(dir);
      WorkspaceFiles.replace(record(dir), line);
      try (Git ignored = Git.init().setFs(TrustedGit.FS).setDirectory(dir.toFile()).call()) {
        // Created; the alternates and the refs come next.
      }
      Path info = Files.createDirectories(dir.resolve(".git").resolve("objects").resolve("info"));
      WorkspaceFiles.replace(info.resolve("alternates"), line);
      try (Git git = TrustedGit.open(dir, spec.repository());
           Repository source = openMirror(mirror)) {
        Repository repo = git.getRepository();
        for (Ref branch : source.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
          LoopRefs.setRef(repo, Constants.R_REMOTES + "origin/" + branch.getName().substring(Constants.R_HEADS.length()),
              branch.getObjectId());
        }
        Ref head = source.exactRef(Constants.HEAD);
        if (head != null && head.isSymbolic() && head.getTarget().getName().startsWith(Constants.R_HEADS)) {
          RefUpdate link = repo.updateRef(Constants.R_REMOTES + "origin/HEAD");
          link.link(Constants.R_REMOTES + "origin/" + head.getTarget().getName().substring(Constants.R_HEADS.length()));
        }
      }
      Files.writeString(dir.resolve(".git").resolve(WorkspaceClones.CLONED_MARKER), spec.repository() + "\n");
    } catch (GitAPIException | IOException e) {
      WorkspaceFiles.deleteTree(dir);
      throw new StepException(StepException.Kind.IO, "cannot create the shared workspace " + dir + " of loop " + loopId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the alternates of a shared workspace again when a step removed them (a changed file is
   * refused by {@link TrustedGit#check} before this), so the workspace reaches its objects.
   * Nothing happens for a workspace that is not shared.
   *
   * @throws StepException {@code UNSAFE_WORKSPACE} as {@link TrustedGit#check} says, before writing;
   *     {@code IO} when they cannot be written
   */
  static void restore(Path dir) {
    String line = expectedAlternates(dir);
    if (line == null || !TrustedGit.hasGitDirectory(dir)) {
      return;
    }
    Path alternates = dir.resolve(".git").resolve("objects").resolve("info").resolve("alternates");
    if (Files.exists(alternates, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // Links in .git are refused before anything is written through them.
    TrustedGit.check(dir);
    try {
      Files.createDirectories(alternates.getParent());
      WorkspaceFiles.replace(alternates, line);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot restore the alternates of " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Forgets that {@code dir} was shared: before a full clone is made in its place. */
  static void forget(Path dir) {
    try {
      Files.deleteIfExists(record(dir));
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot remove " + record(dir) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The one alternates line a loop's workspace may hold: what the worker recorded beside it
   * ({@value #RECORD_FILE}) when it names the object directory of a mirror of this data directory;
   * {@code null} when {@code workTree} is not a loop's workspace ({@code <data>/loops/<id>/workspace})
   * or was not made shared.
   */
  static String expectedAlternates(Path workTree) {
    Path abs = workTree.toAbsolutePath().normalize();
    Path loopDir = abs.getParent();
    Path loops = loopDir == null ? null : loopDir.getParent();
    if (loops == null || loops.getParent() == null || !"workspace".equals(abs.getFileName().toString())
        || !"loops".equals(loops.getFileName().toString())) {
      return null;
    }
    Path record = loopDir.resolve(RECORD_FILE);
    try {
      if (!WorkspaceFiles.isPlainFile(record)) {
        return null;
      }
      String line = Files.readString(record, StandardCharsets.UTF_8);
      Path named = Path.of(line.strip());
      Path mirrors = loops.getParent().resolve(MIRRORS);
      boolean inMirrors = named.isAbsolute() && named.normalize().equals(named) && named.getFileName().toString().equals("objects")
          && named.getParent() != null && mirrors.equals(named.getParent().getParent())
          && named.getParent().getFileName().toString().matches("[0-9a-f]{16}\\.git");
      return inMirrors && line.equals(named + "\n") ? line : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The object directories {@code workTree}'s repository borrows through the alternates the worker
   * wrote, in the order git follows them: an attempt's loop clone's ({@link AttemptWorkspaces}) and
   * what that clone borrows, a fan-out child's mirror ({@link SharedClones} itself); only those that exist.
   * A sandboxed step sees them read-only, so git in the step finds the objects its workspace lacks.
   */
  static java.util.List<Path> borrowedObjects(Path workTree) {
    java.util.List<Path> dirs = new java.util.ArrayList<>();
    String attempt = AttemptWorkspaces.expectedAlternates(workTree);
    String line = attempt != null ? attempt : SharedClones.expectedAlternates(workTree);
    if (line != null && Files.isDirectory(Path.of(line.strip()), LinkOption.NOFOLLOW_LINKS)) {
      dirs.add(Path.of(line.strip()));
    }
    if (attempt != null) {
      dirs.addAll(borrowedObjects(AttemptWorkspaces.loopWorkspace(workTree)));
    }
    return dirs;
  }

  private static Path record(Path workTree) {
    return workTree.toAbsolutePath().normalize().getParent().resolve(RECORD_FILE);
  }

  /**
   * Makes the mirror of {@code repository} unless it is complete, and fetches the repository's
   * branches into it ({@code +refs/heads/*:refs/heads/*}, branches gone from the repository removed).
   */
  private Path refresh(String repository) {
    Path mirror = mirror(repository);
    synchronized (LOCKS.computeIfAbsent(mirror, k -> new Object())) {
      try {
        if (!Files.exists(mirror.resolve(COMPLETE_MARKER))) {
          // A mirror a crashed worker left half made is made again.
          WorkspaceFiles.deleteTree(mirror);
          Files.createDirectories(mirror.getParent());
          try (Git git = Git.cloneRepository().setFs(TrustedGit.FS).setBare(true).setURI(repository)
              .setDirectory(mirror.toFile()).setCloneAllBranches(true).call()) {
            StoredConfig config = git.getRepository().getConfig();
            config.setInt("gc", null, "auto", 0);
            config.setInt("gc", null, "autopacklimit", 0);
            config.save();
          }
          Files.writeString(mirror.resolve(COMPLETE_MARKER), repository + "\n");
          return mirror;
        }
        try (Repository repo = openMirror(mirror); Git git = Git.wrap(repo)) {
          git.fetch().setRemote(repository).setRemoveDeletedRefs(true)
              .setRefSpecs(new RefSpec("+refs/heads/*:refs/heads/*")).call();
        }
        return mirror;
      } catch (GitAPIException | RuntimeException e) {
        throw new StepException(StepException.Kind.REPOSITORY_UNAVAILABLE,
            "cannot fetch " + repository + " into the worker's mirror " + mirror + ": " + e.getMessage(), e);
      } catch (IOException e) {
        throw new StepException(StepException.Kind.IO, "cannot write the worker's mirror " + mirror + ": " + e.getMessage(), e);
      }
    }
  }

  private static Repository openMirror(Path mirror) throws IOException {
    return new FileRepositoryBuilder().setFS(TrustedGit.FS).setGitDir(mirror.toFile()).setBare().setMustExist(true).build();
  }
}
