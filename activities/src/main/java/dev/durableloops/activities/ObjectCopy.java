package dev.durableloops.activities;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Copies git objects from one repository into another on the same machine, loose, skipping
 * whatever the target already has: the push to a git store on a path ({@link StoreTransport}).
 * Submodule entries (gitlinks) are not followed.
 */
final class ObjectCopy {

  private ObjectCopy() {}

  /**
   * Copies {@code tip} and every commit, tree and blob it reaches that {@code target} lacks through
   * {@code inserter} (the caller flushes it); a commit the target has ends the walk along its line.
   */
  static void commits(RevWalk walk, ObjectReader source, ObjectInserter inserter, Repository target, ObjectId tip)
      throws IOException {
    ArrayDeque<ObjectId> todo = new ArrayDeque<>(List.of(tip));
    Set<ObjectId> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      ObjectId id = todo.pop();
      if (!seen.add(id) || target.getObjectDatabase().has(id)) {
        continue;
      }
      RevCommit commit = walk.parseCommit(id);
      RevCommit first = commit.getParentCount() > 0 ? commit.getParent(0) : null;
      if (first != null && target.getObjectDatabase().has(first)) {
        // The target has the parent and so (git's connectivity rule) everything it reaches: only
        // what differs from the parent's tree can be missing, as git's push negotiation assumes too.
        changedTree(source, inserter, target, commit.getTree(), walk.parseCommit(first).getTree());
      } else {
        tree(source, inserter, target, commit.getTree());
      }
      for (RevCommit parent : commit.getParents()) {
        todo.push(parent);
      }
      object(source, inserter, commit, Constants.OBJ_COMMIT);
    }
  }

  private static void tree(ObjectReader source, ObjectInserter inserter, Repository target, ObjectId tree) throws IOException {
    if (target.getObjectDatabase().has(tree)) {
      return;
    }
    try (TreeWalk entries = new TreeWalk(source)) {
      entries.addTree(tree);
      while (entries.next()) {
        ObjectId id = entries.getObjectId(0);
        int mode = entries.getRawMode(0) & FileMode.TYPE_MASK;
        if (mode == FileMode.TYPE_TREE) {
          tree(source, inserter, target, id);
        } else if (mode != FileMode.TYPE_GITLINK && !target.getObjectDatabase().has(id)) {
          object(source, inserter, id, Constants.OBJ_BLOB);
        }
      }
    }
    object(source, inserter, tree, Constants.OBJ_TREE);
  }

  /**
   * Copies {@code tree} and what it reaches that differs from {@code base}, a tree the target has
   * with all it reaches: an attempt's ten changed files cost ten lookups, not one per file of every
   * changed directory (measured ~1,000 lookups of loose objects, ~4 ms, per attempt on 10,000 files).
   */
  private static void changedTree(ObjectReader source, ObjectInserter inserter, Repository target, ObjectId tree, ObjectId base)
      throws IOException {
    if (tree.equals(base) || target.getObjectDatabase().has(tree)) {
      return;
    }
    try (TreeWalk entries = new TreeWalk(source)) {
      entries.addTree(tree);
      entries.addTree(base);
      while (entries.next()) {
        int mode = entries.getRawMode(0) & FileMode.TYPE_MASK;
        ObjectId id = entries.getObjectId(0);
        if (mode == FileMode.TYPE_MISSING || mode == FileMode.TYPE_GITLINK || id.equals(entries.getObjectId(1))) {
          continue;
        }
        if (mode == FileMode.TYPE_TREE) {
          if ((entries.getRawMode(1) & FileMode.TYPE_MASK) == FileMode.TYPE_TREE) {
            changedTree(source, inserter, target, id, entries.getObjectId(1));
          } else {
            tree(source, inserter, target, id);
          }
        } else if (!target.getObjectDatabase().has(id)) {
          object(source, inserter, id, Constants.OBJ_BLOB);
        }
      }
    }
    object(source, inserter, tree, Constants.OBJ_TREE);
  }

  private static void object(ObjectReader source, ObjectInserter inserter, ObjectId id, int type) throws IOException {
    var loader = source.open(id, type);
    try (var in = loader.openStream()) {
      inserter.insert(type, loader.getSize(), in);
    }
  }
}
