package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge queue's git work on real repositories: the merge, the conflict's evidence and the compare-and-swap. */
class StoreLandingTest {

  @TempDir Path tmp;

  private static RevCommit commit(Git git, String file, String text, String message) throws Exception {
    Files.writeString(git.getRepository().getWorkTree().toPath().resolve(file), text);
    git.add().addFilepattern(".").call();
    return git.commit().setMessage(message).setAuthor(GitWorkspace.IDENT).setCommitter(GitWorkspace.IDENT).call();
  }

  @Test
  void theCompareAndSwapRefusesAStaleHeadAndMovesFromTheRightOne() throws Exception {
    Path repo = TestRepos.create(tmp.resolve("repo"), Map.of("a.txt", "a\n"));
    try (Git git = Git.open(repo.toFile())) {
      RevCommit base = git.log().call().iterator().next();
      RevCommit first = commit(git, "a.txt", "b\n", "first");
      RevCommit second = commit(git, "a.txt", "c\n", "second");
      git.branchCreate().setName("next").setStartPoint(second).call();
      git.reset().setMode(org.eclipse.jgit.api.ResetCommand.ResetType.HARD).setRef(first.name()).call();
      Path store = tmp.resolve("store.git");
      Git.cloneRepository().setURI(repo.toUri().toString()).setDirectory(store.toFile()).setBare(true).setCloneAllBranches(true).call().close();
      String ref = "refs/heads/main";
      // The store's branch is at 'first': a swap expecting 'base' (a stale head) is refused and moves nothing.
      assertThat(StoreLanding.compareAndSwap(store, ref, base, second)).isFalse();
      assertThat(StoreLanding.read(store, ref)).isEqualTo(first.getId());
      // Expecting what it is, it moves, and reads back as moved.
      assertThat(StoreLanding.compareAndSwap(store, ref, first, second)).isTrue();
      assertThat(StoreLanding.read(store, ref)).isEqualTo(second.getId());
    }
  }

  @Test
  void aConflictNamesTheFilesAndTheLandedChangeAndACleanMergeIsOneCommitWithTheTrailer() throws Exception {
    Path repo = TestRepos.create(tmp.resolve("repo"), Map.of("a.txt", "a\n", "b.txt", "b\n"));
    try (Git git = Git.open(repo.toFile())) {
      Repository r = git.getRepository();
      RevCommit base = git.log().call().iterator().next();
      RevCommit landed = commit(git, "a.txt", "landed\n", "land loop-x-t1: the first");
      git.checkout().setName(base.name()).call();
      RevCommit child = commit(git, "a.txt", "child\n", "child");
      StoreLanding.Merge conflict = StoreLanding.merge(r, landed, child, "m");
      assertThat(conflict.commit()).isNull();
      assertThat(conflict.conflicts()).containsExactly("a.txt");
      assertThat(conflict.cause()).isEqualTo(landed.name() + " land loop-x-t1: the first");

      git.checkout().setName(base.name()).call();
      RevCommit other = commit(git, "b.txt", "other\n", "other");
      StoreLanding.Merge clean = StoreLanding.merge(r, landed, other, StoreLanding.message("land loop-x-t2", "loop-x-t2", other.name()));
      assertThat(clean.conflicts()).isEmpty();
      try (var walk = new org.eclipse.jgit.revwalk.RevWalk(r)) {
        RevCommit merged = walk.parseCommit(clean.commit());
        assertThat(merged.getParents()).extracting(ObjectId::name).containsExactly(landed.name());
      }
      assertThat(StoreLanding.landedSince(r, clean.commit(), landed, "loop-x-t2", other.name())).isEqualTo(clean.commit());
      assertThat(StoreLanding.landedSince(r, clean.commit(), landed, "loop-x-t3", other.name())).isNull();
    }
  }
}
