package dev.durableloops.activities;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.filter.PathFilterGroup;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * The git work of a landing ({@code Land}, {@link LandingActivitiesImpl}), with JGit and nothing of
 * Temporal: merging a child's head onto the parent's head in memory (one squashed commit on the
 * parent's head, its message carrying a {@value #TRAILER} trailer that names the child and its
 * head), naming the landed change behind a conflict, and moving the parent's branch in a git store
 * on a path by compare-and-swap, read back before it counts.
 */
final class StoreLanding {

  /** The trailer of a landed commit: {@code Landed-From: <child loop id> <child head>}. */
  static final String TRAILER = "Landed-From:";

  /** How far back {@link #landedSince} looks along the first parents. */
  private static final int LOOK_BACK = 500;

  private StoreLanding() {}

  /**
   * A merge of a child onto a head.
   *
   * @param commit the merged commit (its only parent the head), or {@code null} on a conflict
   * @param conflicts the files that did not merge, sorted; empty when merged
   * @param cause the newest commit since the merge base on the head's side that changed a
   *     conflicting file, as {@code <40 hex> <subject>}; {@code null} when merged or none
   */
  record Merge(ObjectId commit, List<String> conflicts, String cause) {}

  /** Merges {@code child} onto {@code head} in {@code repo} (objects only; no ref, no files). */
  static Merge merge(Repository repo, ObjectId head, ObjectId child, String message) throws IOException {
    ResolveMerger merger = (ResolveMerger) MergeStrategy.RECURSIVE.newMerger(repo, true);
    if (!merger.merge(head, child)) {
      TreeSet<String> files = new TreeSet<>(merger.getUnmergedPaths());
      if (merger.getFailingPaths() != null) {
        files.addAll(merger.getFailingPaths().keySet());
      }
      List<String> conflicts = List.copyOf(files);
      return new Merge(null, conflicts, cause(repo, head, child, conflicts));
    }
    try (ObjectInserter inserter = repo.newObjectInserter()) {
      CommitBuilder commit = new CommitBuilder();
      PersonIdent now = new PersonIdent(GitWorkspace.IDENT, java.time.Instant.now());
      commit.setTreeId(merger.getResultTreeId());
      commit.setParentId(head);
      commit.setAuthor(now);
      commit.setCommitter(now);
      commit.setMessage(message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();
      return new Merge(id, List.of(), null);
    }
  }

  /** The message of a landed commit: a subject, then the {@value #TRAILER} trailer. */
  static String message(String subject, String childLoopId, String childHead) {
    return subject + "\n\n" + TRAILER + " " + childLoopId + " " + childHead + "\n";
  }

  private static String cause(Repository repo, ObjectId head, ObjectId child, List<String> files) throws IOException {
    if (files.isEmpty()) {
      return null;
    }
    try (RevWalk walk = new RevWalk(repo)) {
      walk.setRevFilter(RevFilter.MERGE_BASE);
      walk.markStart(walk.parseCommit(head));
      walk.markStart(walk.parseCommit(child));
      RevCommit base = walk.next();
      walk.reset();
      walk.setRevFilter(RevFilter.ALL);
      walk.setTreeFilter(org.eclipse.jgit.treewalk.filter.AndTreeFilter.create(PathFilterGroup.createFromStrings(files), TreeFilter.ANY_DIFF));
      walk.markStart(walk.parseCommit(head));
      if (base != null) {
        walk.markUninteresting(walk.parseCommit(base));
      }
      RevCommit newest = walk.next();
      return newest == null ? null : newest.name() + " " + newest.getShortMessage();
    }
  }

  /**
   * The commit on the first-parent line of {@code head} (back to {@code stop}, exclusive, or
   * {@value #LOOK_BACK} commits) whose message carries the trailer for this child and head, or
   * {@code null}: a landing already done.
   */
  static ObjectId landedSince(Repository repo, ObjectId head, ObjectId stop, String childLoopId, String childHead) throws IOException {
    String trailer = TRAILER + " " + childLoopId + " " + childHead;
    try (RevWalk walk = new RevWalk(repo)) {
      RevCommit c = walk.parseCommit(head);
      for (int i = 0; i < LOOK_BACK && c != null && !c.equals(stop); i++) {
        if (c.getFullMessage().contains(trailer)) {
          return c.copy();
        }
        c = c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0));
      }
      return null;
    }
  }

  /** The store's branch {@code ref} as it is now (read afresh), or {@code null}. */
  static ObjectId read(Path store, String ref) throws IOException {
    try (Repository repo = open(store)) {
      Ref r = repo.exactRef(ref);
      return r == null ? null : r.getObjectId();
    }
  }

  /**
   * Moves {@code ref} in the store from {@code expected} to {@code next}, only if it still points at
   * {@code expected} (a compare-and-swap of the ref, under git's ref lock), then reads it back.
   * The store must already have {@code next}'s objects.
   *
   * @return whether the store's ref is at {@code next} now; {@code false}: another head won the race
   */
  static boolean compareAndSwap(Path store, String ref, ObjectId expected, ObjectId next) throws IOException {
    try (Repository repo = open(store)) {
      RefUpdate update = repo.updateRef(ref);
      update.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
      update.setNewObjectId(next);
      update.setRefLogMessage("land", false);
      RefUpdate.Result result = update.update();
      if (result != RefUpdate.Result.FAST_FORWARD && result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
          && result != RefUpdate.Result.NO_CHANGE) {
        return false;
      }
    }
    return next.equals(read(store, ref));
  }

  private static Repository open(Path store) throws IOException {
    return new FileRepositoryBuilder().setGitDir(store.toFile()).setMustExist(true).build();
  }

  /** Conflicts as a list for a result (never {@code null}). */
  static List<String> list(List<String> files) {
    return files == null ? List.of() : new ArrayList<>(files);
  }
}
