package dev.durableloops.activities;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The git command line on a workspace the worker checked ({@link TrustedGit#check}): the operations
 * that walk the whole work tree — stage everything ({@code add --all}), write the index's tree, hard
 * reset, clean — which git does from its index's stat cache in C: a round of two attempts, a
 * checkpoint and a discard on 10,000 files fell from 439 to 128 ms (BENCHMARKS.md, "The work tree's
 * walks with the git command line"); and a clone of a repository on a local path. Refs,
 * commits, diffs and the git store stay with JGit.
 *
 * <p>What a step can write is data to git, never instructions:
 *
 * <ul>
 *   <li><b>Nothing of the worker's or the step's environment</b> reaches git: its environment is
 *       built from nothing ({@link #environment}) — no system or global config
 *       ({@code GIT_CONFIG_NOSYSTEM}, {@code GIT_CONFIG_GLOBAL=/dev/null}), no {@code GIT_DIR},
 *       {@code GIT_EXEC_PATH}, {@code GIT_CONFIG_PARAMETERS} or {@code LD_*} of anyone's, no home.
 *   <li><b>The repository's config is the worker's</b>: {@link TrustedGit#open} replaced
 *       {@code .git/config} with its projection before git runs, so no filter driver, textconv,
 *       merge driver, {@code core.sshCommand}, {@code core.editor}, {@code include}, {@code extensions}
 *       or sparse checkout is defined, and a {@code .gitattributes} naming {@code filter=x} names
 *       nothing git can run. The work tree and git directory are given explicitly
 *       ({@code --git-dir}, {@code --work-tree}), so {@code core.worktree} and {@code gitdir:} files
 *       are not consulted; {@link #SAFETY} repeats the rules that matter on the command line, which
 *       wins over any file: hooks at {@code /dev/null}, no fsmonitor, no transport, no commit-graph
 *       or multi-pack-index (a step-written graph could give a commit another tree), no automatic gc.
 *   <li><b>No other program by name.</b> {@code PATH} and {@code GIT_EXEC_PATH} are
 *       {@code /dev/null}: the commands used are built into git, and a git subprocess has nowhere to
 *       come from (a command a setting named by absolute path would still run through
 *       {@code /bin/sh}: the config projection and {@link #SAFETY} are what leave none; a local clone
 *       starts {@code upload-pack}, see {@code cloneLocal}). That matters for one case:
 *       {@code add} runs {@code git status} inside a submodule
 *       a step checked out (a gitlink whose directory holds a {@code .git}), and that repository's
 *       config is the step's (filters!); here it fails to start, {@code add} fails with it, and
 *       {@link GitWorkspace} stages with JGit instead, which never runs anything.
 *   <li><b>The index is the worker's own</b> ({@link #index}): a file beside the work tree, outside
 *       anything a step may write, given as {@code GIT_INDEX_FILE} to git and to JGit. A step's
 *       {@code .git/index} (odd paths, {@code ../} entries, extensions) is never read; the worker
 *       copies its own over it after a reset ({@link #publishIndex}) so the agent's git sees a clean
 *       tree.
 *   <li>{@code GIT_NO_REPLACE_OBJECTS}: a step's {@code refs/replace/*} cannot swap a commit for another.
 * </ul>
 *
 * <p>The git binary is the first {@code git} on the worker's {@code PATH} when this class loads
 * (entries of the worker's {@code PATH} are never writable by a step: {@code WritablePaths}).
 */
final class GitCommandLine {

  /** Longest one git command may run before it is killed and fails. */
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * Settings given on every command line (they override every config file): hooks, fsmonitor,
   * commit-graph and multi-pack-index, replace refs, submodule recursion, sparse checkout and
   * automatic maintenance off. Transports are off too ({@code protocol.allow=never}) but for a clone's
   * own ({@link #cloneLocal}).
   */
  static final List<String> SAFETY = List.of(
      "-c", "core.hooksPath=/dev/null",
      "-c", "core.fsmonitor=false",
      "-c", "core.commitGraph=false",
      "-c", "core.multiPackIndex=false",
      "-c", "core.sparseCheckout=false",
      "-c", "core.useReplaceRefs=false",
      "-c", "submodule.recurse=false",
      "-c", "gc.auto=0",
      "-c", "maintenance.auto=false");

  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}");

  /**
   * Most of a git command's output kept, in bytes: its end. A step decides how much git writes (a
   * warning per file naming it, {@code .gitattributes} {@code eol=crlf} on many files) and that
   * output lands in a failure message and the log.
   */
  static final int OUTPUT_LIMIT = 64 * 1024;

  private static volatile String binary;

  private GitCommandLine() {}

  /** What one git command did: its exit code and its output (stdout and stderr together). */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  /**
   * The worker's own index of a work tree: {@code <workTree>.index} beside it (for a loop,
   * {@code <loop dir>/workspace.index}), in the loop's directory, which no step writes.
   */
  static Path index(Path workTree) {
    Path absolute = workTree.toAbsolutePath().normalize();
    return absolute.resolveSibling(absolute.getFileName() + ".index");
  }

  /** Removes the worker's index of {@code workTree} (and a lock a killed git left): for a new clone. */
  static void forgetIndex(Path workTree) {
    try {
      Files.deleteIfExists(index(workTree));
      Files.deleteIfExists(lock(workTree));
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot remove " + index(workTree) + ": " + e.getMessage(), e);
    }
  }

  /** The lock file git makes beside the worker's index while writing it. */
  static Path lock(Path workTree) {
    return index(workTree).resolveSibling(index(workTree).getFileName() + ".lock");
  }

  /**
   * Stages every addition, change and deletion of the work tree ({@code add --all}); not ignored
   * files, not {@code .loop/}.
   *
   * @return git's result: a failure is the caller's to handle (a checked-out submodule fails it)
   */
  static Result addAll(Path workTree) {
    return run(workTree, List.of("add", "--all"));
  }

  /**
   * Writes the tree of the worker's index.
   *
   * @throws StepException {@code IO} when git fails (an object the index names is missing)
   */
  static ObjectId writeTree(Path workTree) {
    Result result = require(workTree, List.of("write-tree"));
    String last = result.output().strip();
    last = last.substring(last.lastIndexOf('\n') + 1);
    if (!OBJECT_ID.matcher(last).matches()) {
      throw new StepException(StepException.Kind.IO, "git write-tree in " + workTree + " gave no tree id: " + result.output());
    }
    return ObjectId.fromString(last);
  }

  /**
   * Makes the index and the files match {@code commit} ({@code reset --hard}); HEAD moves to it too,
   * so the caller detaches HEAD first (a reset on a branch would move the branch).
   *
   * @throws StepException {@code IO} when git fails
   */
  static void resetHard(Path workTree, ObjectId commit) {
    require(workTree, List.of("reset", "-q", "--hard", commit.name()));
  }

  /**
   * Removes untracked files and directories, nested repositories included ({@code clean -ffd});
   * ignored files (and {@code .loop/}) stay.
   *
   * @throws StepException {@code IO} when git fails
   */
  static void clean(Path workTree) {
    require(workTree, List.of("clean", "-ffdq"));
  }

  /**
   * Copies the worker's index over the workspace's {@code .git/index} (a new file renamed over the
   * name, so never written through a link), for the agent's own git commands.
   *
   * @throws StepException {@code IO} when it cannot be written
   */
  static void publishIndex(Path workTree) {
    Path source = index(workTree);
    Path gitDir = workTree.resolve(".git");
    if (!Files.exists(source)) {
      return;
    }
    Path temp = null;
    try {
      temp = Files.createTempFile(gitDir, ".index-", ".tmp");
      Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(temp, gitDir.resolve("index"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot write " + gitDir.resolve("index") + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        temp.toFile().delete();
      }
    }
  }

  /**
   * Clones the repository at the local path {@code origin} into {@code dir} without a checkout,
   * through git's own protocol ({@code --no-local}: {@code upload-pack} runs in {@code origin}, the
   * user's repository, and sends one pack), without templates (no sample hooks) and with the same
   * clean environment. Never a local clone's copy: that hard-links the objects (a step could write
   * the clone's objects, and through a link the user's repository), and with {@code --no-hardlinks}
   * copies loose objects one file each — 81 MiB and 2.3 s against 1.9 MiB and 0.4 s for a pack on the
   * bench's 20,000-file repository (by hand: BENCHMARKS.md, "The work tree's walks with the git
   * command line"), and every loose object costs {@link TrustedGit#checkAll} an {@code lstat}.
   * {@code dir} must not exist.
   *
   * @param branch the branch HEAD names, or {@code null} for the origin's HEAD
   * @return git's result: a failure is the caller's to handle
   */
  static Result cloneLocal(Path origin, Path dir, String branch) {
    List<String> args = new ArrayList<>(List.of("clone", "-q", "--no-checkout", "--no-local", "--template="));
    if (branch != null) {
      args.add("--branch");
      args.add(branch);
    }
    args.add("--");
    args.add(origin.toString());
    args.add(dir.toString());
    List<String> command = new ArrayList<>();
    command.add(binary());
    command.addAll(SAFETY);
    // A clone from a path uses the file transport (upload-pack from git's own exec path); no other.
    command.addAll(List.of("-c", "protocol.allow=never", "-c", "protocol.file.allow=always"));
    command.addAll(args);
    Map<String, String> env = environment(null);
    // upload-pack is a program of git's own: found through git's compiled-in exec path.
    env.remove("GIT_EXEC_PATH");
    return exec(dir.getParent(), command, env);
  }

  /**
   * The whole environment git runs with: nothing inherited. {@code index} is the
   * {@code GIT_INDEX_FILE}, or {@code null} for none.
   */
  static Map<String, String> environment(Path index) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_SYSTEM", "/dev/null");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_ATTR_NOSYSTEM", "1");
    env.put("GIT_NO_REPLACE_OBJECTS", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_EXEC_PATH", "/dev/null");
    env.put("PATH", "/dev/null");
    env.put("HOME", "/dev/null");
    env.put("XDG_CONFIG_HOME", "/dev/null");
    env.put("LC_ALL", "C");
    if (index != null) {
      env.put("GIT_INDEX_FILE", index.toString());
    }
    return env;
  }

  private static Result require(Path workTree, List<String> args) {
    Result result = run(workTree, args);
    if (!result.ok()) {
      throw new StepException(StepException.Kind.IO,
          "git " + args.get(0) + " in " + workTree + " failed (exit " + result.exit() + "): " + result.output().strip());
    }
    return result;
  }

  /** Runs {@code git --git-dir=<workTree>/.git --work-tree=<workTree> <SAFETY> <args>} in the work tree. */
  static Result run(Path workTree, List<String> args) {
    Path dir = workTree.toAbsolutePath().normalize();
    Path refs = dir.resolve(".git").resolve("refs");
    if (!Files.exists(refs, LinkOption.NOFOLLOW_LINKS)) {
      // Git takes a directory without refs/ for no repository; JGit reads packed refs without it.
      try {
        Files.createDirectories(refs);
      } catch (IOException e) {
        throw new StepException(StepException.Kind.IO, "cannot create " + refs + ": " + e.getMessage(), e);
      }
    }
    List<String> command = new ArrayList<>();
    command.add(binary());
    command.add("--git-dir=" + dir.resolve(".git"));
    command.add("--work-tree=" + dir);
    command.addAll(SAFETY);
    command.addAll(List.of("-c", "protocol.allow=never"));
    command.addAll(args);
    return exec(dir, command, environment(index(dir)));
  }

  private static Result exec(Path cwd, List<String> command, Map<String, String> env) {
    Path out = null;
    try {
      out = Files.createTempFile("durable-loops-git", ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().clear();
      pb.environment().putAll(env);
      Process process = pb.start();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new StepException(StepException.Kind.IO, "git " + command.get(command.size() - 1) + " did not finish within " + TIMEOUT);
      }
      return new Result(process.exitValue(), tail(out));
    } catch (IOException e) {
      throw new StepException(StepException.Kind.IO, "cannot run git in " + cwd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepException(StepException.Kind.IO, "interrupted while git ran in " + cwd, e);
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }

  /**
   * The last {@link #OUTPUT_LIMIT} bytes of {@code file}, decoded as UTF-8 with bytes that are none
   * replaced: git writes the names of a step's files as they are (a name that is no UTF-8 must not
   * turn a finished command into a failure to read its output).
   */
  static String tail(Path file) throws IOException {
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      long size = channel.size();
      long from = Math.max(0, size - OUTPUT_LIMIT);
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (size - from));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) >= 0) {
        // reads until the buffer is full or the file ends
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      return from == 0 ? text : "[" + from + " bytes of output left out]\n" + text;
    }
  }

  /**
   * The absolute path of the first executable {@code git} on the worker's {@code PATH}.
   *
   * @throws StepException {@code IO} when there is none
   */
  static String binary() {
    String found = binary;
    if (found != null) {
      return found;
    }
    String path = System.getenv("PATH");
    for (String entry : (path == null ? "" : path).split(File.pathSeparator)) {
      if (entry.isEmpty() || !entry.startsWith("/")) {
        continue;
      }
      Path candidate = Path.of(entry, "git");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        binary = candidate.toString();
        return binary;
      }
    }
    throw new StepException(StepException.Kind.IO, "no git on the worker's PATH: the worker needs the git command line");
  }

  /** Whether {@code origin} names a repository on a local path (a directory), which {@link #cloneLocal} can clone. */
  static boolean isLocalDirectory(String origin) {
    if (origin == null || origin.isBlank() || !origin.startsWith("/")) {
      return false;
    }
    return Files.isDirectory(Path.of(origin));
  }
}
