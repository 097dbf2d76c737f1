package dev.durableloops.activities;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Unified diffs between two commits of any repository (a workspace or the git store), with JGit's
 * default line comparison, so an attempt's {@code diffHash} is the same wherever it is computed.
 */
public final class Diffs {

  /**
   * A unified diff and its stat line.
   *
   * @param text the unified diff, empty when the trees are equal
   * @param stat e.g. {@code 2 files changed, +10 -3}
   */
  public record Diff(String text, String stat) {}

  private Diffs() {}

  /**
   * The diff from {@code from} to {@code to}.
   *
   * @throws StepException {@code COMMIT_MISSING} when either commit is not in {@code repo}
   */
  static Diff between(Repository repo, String from, String to) throws IOException {
    ObjectId a = tree(repo, from);
    ObjectId b = tree(repo, to);
    if (a == null || b == null) {
      throw new StepException(StepException.Kind.COMMIT_MISSING, "unknown commit " + (a == null ? from : to));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int files = 0;
    int added = 0;
    int removed = 0;
    try (RevWalk walk = new RevWalk(repo);
        DiffFormatter formatter = new DiffFormatter(out)) {
      formatter.setRepository(repo);
      formatter.setDiffComparator(RawTextComparator.DEFAULT);
      List<DiffEntry> entries = formatter.scan(walk.parseTree(a), walk.parseTree(b));
      for (DiffEntry entry : entries) {
        files++;
        for (Edit edit : formatter.toFileHeader(entry).toEditList()) {
          added += edit.getLengthB();
          removed += edit.getLengthA();
        }
      }
      formatter.format(entries);
    }
    String stat = files + (files == 1 ? " file" : " files") + " changed, +" + added + " -" + removed;
    return new Diff(out.toString(StandardCharsets.UTF_8), stat);
  }

  /** The first parent of {@code commit}, or {@code null} for a root commit or an unknown one. */
  static String firstParent(Repository repo, String commit) throws IOException {
    ObjectId id = resolveCommit(repo, commit);
    if (id == null) {
      return null;
    }
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(id);
      return c.getParentCount() == 0 ? null : c.getParent(0).name();
    }
  }

  /** The commit {@code name} names, or {@code null} when the repository does not have it. */
  static ObjectId resolveCommit(Repository repo, String name) throws IOException {
    try {
      return name == null ? null : repo.resolve(name + "^{commit}");
    } catch (org.eclipse.jgit.errors.MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
      return null;
    }
  }

  private static ObjectId tree(Repository repo, String commit) throws IOException {
    try {
      return commit == null ? null : repo.resolve(commit + "^{tree}");
    } catch (org.eclipse.jgit.errors.MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
      return null;
    }
  }
}
