package dev.durableloops.activities;

import dev.durableloops.workflows.steps.AttemptIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;

/**
 * The workspace of one attempt when an iteration makes several ({@link AttemptIds}): a repository of
 * its own in {@code <data>/loops/<loopId>/attempts/<k>/workspace} that borrows the loop clone's
 * objects instead of cloning them, through an {@code objects/info/alternates} file the worker writes
 * naming {@code <data>/loops/<loopId>/workspace/.git/objects}. So N attempts cost N work trees, not N
 * clones. Attempt commits are made in the attempt's own object directory and pushed to the store
 * under {@code refs/loops/<loopId>/attempts/<n>/<k>}, from where the loop clone fetches the winner.
 *
 * <p>{@link TrustedGit} refuses alternates in a workspace, since a step could write one to borrow
 * objects from elsewhere. It allows exactly the file {@link #expectedAlternates} names, with exactly
 * that content, in an attempt's workspace; a step that rewrites it fails the next step with
 * {@code UNSAFE_WORKSPACE}.
 */
final class AttemptWorkspaces {

  private AttemptWorkspaces() {}

  /**
   * The one alternates line an attempt workspace may hold, or {@code null} when {@code workTree} is
   * not an attempt's ({@code …/loops/<loopId>/attempts/<k>/workspace}, with the loop's clone beside).
   */
  static String expectedAlternates(Path workTree) {
    Path abs = workTree.toAbsolutePath().normalize();
    Path number = abs.getParent();
    Path attempts = number == null ? null : number.getParent();
    Path loopDir = attempts == null ? null : attempts.getParent();
    if (loopDir == null || !"workspace".equals(abs.getFileName().toString())
        || !"attempts".equals(attempts.getFileName().toString()) || !number.getFileName().toString().matches("[1-8]")) {
      return null;
    }
    return loopWorkspace(abs).resolve(".git").resolve("objects") + "\n";
  }

  /** The loop clone an attempt workspace borrows from. */
  static Path loopWorkspace(Path attemptWorkTree) {
    return attemptWorkTree.toAbsolutePath().normalize().getParent().getParent().getParent().resolve("workspace");
  }

  /**
   * Makes {@code dir} an attempt workspace (an empty repository whose alternates name the loop
   * clone's objects) unless it is one; the loop clone must exist and is checked first
   * ({@link TrustedGit#check}), since git would follow its alternates in turn.
   *
   * @throws StepException {@code COMMIT_MISSING} when the loop has no clone on this worker,
   *     {@code UNSAFE_WORKSPACE} when the clone is not one the worker trusts, {@code IO} otherwise
   */
  static void ensure(Path dir) {
    Path loop = loopWorkspace(dir);
    if (!TrustedGit.hasGitDirectory(loop)) {
      throw new StepException(StepException.Kind.COMMIT_MISSING, "the loop of attempt workspace " + dir + " has no workspace on this worker");
    }
    TrustedGit.check(loop);
    if (TrustedGit.hasGitDirectory(dir)) {
      // A step may have removed the worker's alternates (a changed one was refused by the check before this):
      // written again, so the attempt reaches the loop's objects.
      Path alternates = dir.resolve(".git").resolve("objects").resolve("info").resolve("alternates");
      if (!java.nio.file.Files.exists(alternates, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectories(alternates.getParent());
          WorkspaceFiles.replace(alternates, expectedAlternates(dir));
        } catch (IOException e) {
          throw new StepException(StepException.Kind.IO, "cannot restore the alternates of " + dir + ": " + e.getMessage(), e);
        }
      }
      return;
    }
    // A half-made attempt workspace is thrown away: it holds nothing the store has not got.
    WorkspaceFiles.deleteTree(dir);
    GitCommandLine.forgetIndex(dir);
    TrustedGit.distrust(dir);
    try {
      Files.createDirectories(dir);
      try (Git ignored = Git.init().setFs(TrustedGit.FS).setDirectory(dir.toFile()).call()) {
        // Created; the alternates come next.
      }
      Path info = Files.createDirectories(dir.resolve(".git").resolve("objects").resolve("info"));
      WorkspaceFiles.replace(info.resolve("alternates"), expectedAlternates(dir));
    } catch (GitAPIException | IOException e) {
      WorkspaceFiles.deleteTree(dir);
      throw new StepException(StepException.Kind.IO, "cannot create attempt workspace " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code file} is a plain file (one name, no link) holding exactly {@code expected}. */
  static boolean holds(Path file, String expected) {
    try {
      return WorkspaceFiles.isPlainFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(expected);
    } catch (IOException e) {
      return false;
    }
  }
}
