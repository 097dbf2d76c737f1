package dev.durableloops.bench;

import dev.durableloops.activities.GitStore;
import dev.durableloops.activities.GitWorkspace;
import dev.durableloops.activities.LoopPaths;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Git cost of one accepted and one rejected attempt on a large repository: change 10 files, commit
 * the attempt and take a checkpoint, change 10 files again, commit and discard it (hard reset and
 * clean) — through our workspace (its public API, {@link GitWorkspace}: JGit for refs, commits and
 * the store, the git command line for the walks of the work tree), and through the git command line
 * alone doing the same.
 */
public final class GitBench {

  private GitBench() {}

  /** Milliseconds per round with {@link GitWorkspace} (method name kept from when it was JGit alone). */
  public static List<Double> jgit(Path data, Path origin, int repeats) throws Exception {
    GitWorkspace ws = new GitWorkspace(new LoopPaths(data));
    GitWorkspace.Prepared p = ws.prepare("loop-git", new WorkspaceSpec(origin.toString(), "main"), null, null);
    String head = p.commit();
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      touch(p.dir(), r, "kept");
      GitWorkspace.Attempt kept = ws.commitAttempt("loop-git", 2 * r + 1, head, "kept " + r);
      ws.checkpoint("loop-git", r + 1, kept.commit());
      head = kept.commit();
      touch(p.dir(), r, "thrown");
      ws.commitAttempt("loop-git", 2 * r + 2, head, "thrown " + r);
      ws.reconcile("loop-git", head);
      times.add((System.nanoTime() - start) / 1e6);
    }
    return times;
  }

  /** Milliseconds per round with the git command line. */
  public static List<Double> cli(Path data, Path origin, int repeats) throws Exception {
    Path dir = data.resolve("clone");
    Files.createDirectories(data);
    git(data, "clone", "-q", origin.toString(), dir.toString());
    git(dir, "checkout", "-q", "--detach");
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      touch(dir, r, "kept");
      git(dir, "add", "-A");
      git(dir, "-c", "user.name=b", "-c", "user.email=b@x.invalid", "commit", "-q", "--allow-empty", "-m", "kept " + r);
      git(dir, "update-ref", "refs/loops/x/attempts/" + (2 * r + 1), "HEAD");
      git(dir, "tag", "-f", "loops/x/cp-" + (r + 1), "HEAD");
      git(dir, "update-ref", "refs/heads/loops/x", "HEAD");
      git(dir, "reset", "-q", "--hard", "HEAD");
      touch(dir, r, "thrown");
      git(dir, "add", "-A");
      git(dir, "-c", "user.name=b", "-c", "user.email=b@x.invalid", "commit", "-q", "--allow-empty", "-m", "thrown " + r);
      git(dir, "update-ref", "refs/loops/x/attempts/" + (2 * r + 2), "HEAD");
      git(dir, "reset", "-q", "--hard", "loops/x/cp-" + (r + 1));
      git(dir, "clean", "-fdq");
      times.add((System.nanoTime() - start) / 1e6);
    }
    return times;
  }

  /**
   * Milliseconds for a new worker to build a loop's workspace from scratch ({@link GitWorkspace#prepare}
   * on an empty data directory: clone, work branch, reconcile, push to the git store), once per run.
   * The git store is shared, as between the workers of a deployment, and a first worker has prepared
   * the loop already (unmeasured), so the store holds the repository: what a loop moving to a new
   * worker costs.
   */
  public static List<Double> newWorkspace(Path data, Path origin, int runs) throws Exception {
    GitStore store = GitStore.under(data.resolve("first"));
    WorkspaceSpec spec = new WorkspaceSpec(origin.toString(), "main");
    new GitWorkspace(new LoopPaths(data.resolve("first")), store).prepare("loop-clone", spec, null, null);
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      GitWorkspace ws = new GitWorkspace(new LoopPaths(data.resolve("run-" + r)), store);
      long start = System.nanoTime();
      ws.prepare("loop-clone", spec, null, null);
      times.add((System.nanoTime() - start) / 1e6);
    }
    return times;
  }

  /**
   * Milliseconds for {@code git clone -q} of the same repository into a new directory, once per run.
   *
   * @param hardLinks whether git may hard-link the origin's objects (its default for a local path);
   *     {@code false} adds {@code --no-hardlinks}, the fair floor for a worker, which must not link
   *     a workspace's objects to the user's repository
   */
  public static List<Double> plainClone(Path data, Path origin, int runs, boolean hardLinks) throws Exception {
    Files.createDirectories(data);
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      long start = System.nanoTime();
      if (hardLinks) {
        git(data, "clone", "-q", origin.toString(), data.resolve("run-" + r).toString());
      } else {
        git(data, "clone", "-q", "--no-hardlinks", origin.toString(), data.resolve("run-" + r).toString());
      }
      times.add((System.nanoTime() - start) / 1e6);
    }
    return times;
  }

  private static void touch(Path dir, int round, String what) throws Exception {
    for (int i = 0; i < 10; i++) {
      Path file = dir.resolve("src/d" + i + "/f" + (i * 100) + ".txt");
      Files.writeString(file, what + " " + round + "\n", java.nio.file.StandardOpenOption.APPEND);
    }
  }

  private static void git(Path cwd, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed: " + out);
    }
  }
}
