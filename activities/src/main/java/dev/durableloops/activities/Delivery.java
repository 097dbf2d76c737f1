package dev.durableloops.activities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The push of {@code Deliver}: {@code git push} of one commit to a branch of the loop's
 * repository, with the git command line so the worker's own git credentials (credential helpers,
 * ssh agent) apply as they do for a person. The worker's environment is passed, never to the
 * agent's commands; prompts are off, so a missing credential fails instead of hanging.
 *
 * <p>git runs in a bare repository of the worker's own ({@link GitWorkspace#deliveryRepository}),
 * never in the workspace: the workspace's {@code .git/config} ({@code url.*.insteadOf},
 * {@code remote.*.receivepack}, {@code core.sshCommand}, {@code include.path} …) and hooks
 * ({@code pre-push}, {@code reference-transaction}) are a step's writing and are not read. Only the
 * worker's own configuration (system and global) applies. Pushing with JGit instead would keep git
 * away from the workspace as well, but lose the credential helpers the command line is here for.
 */
final class Delivery {

  /** Characters of a push's output kept in its result: as many as of a command's output tail. */
  static final int MAX_OUTPUT_CHARS = CommandRunner.TAIL_CHARS;

  /** Longest a push may take. */
  static final Duration PUSH_TIMEOUT = Duration.ofMinutes(5);

  private static final Pattern URL = Pattern.compile("https?://[^\\s\"'<>)]+");

  private Delivery() {}

  /**
   * What a push did.
   *
   * @param ok whether git accepted it
   * @param output git's porcelain output or its error, whole: the caller replaces secrets in it before
   *     cutting it to {@link #MAX_OUTPUT_CHARS} (a secret cut first would escape as a prefix)
   */
  record Push(boolean ok, String output) {}

  /**
   * Pushes {@code commit} to {@code repository} as {@code refs/heads/<branch>}, from {@code gitDir}
   * (a bare repository whose objects include the commit's).
   *
   * @param force whether to overwrite the branch (the loop's own {@code loops/<id>} branch); any
   *     other branch only moves forward
   */
  static Push push(Path gitDir, String repository, String commit, String branch, boolean force, Runnable beat) {
    List<String> command = new java.util.ArrayList<>(List.of("git", "push", "--porcelain"));
    if (force) {
      command.add("--force");
    }
    command.add(repository);
    command.add(commit + ":refs/heads/" + branch);
    return git(gitDir, command, beat);
  }

  /**
   * Reads {@code refs/heads/<branch>} of {@code repository} back after a push
   * ({@code git ls-remote}, as the push ran): a push counts once the repository confirms it has
   * {@code commit} there. Never throws.
   *
   * @return {@code null} when the repository's branch is at {@code commit}, else why not (it names
   *     another commit, none, or the read failed)
   */
  static String unconfirmed(Path gitDir, String repository, String commit, String branch, Runnable beat) {
    Push read = git(gitDir, List.of("git", "ls-remote", repository, "refs/heads/" + branch), beat);
    if (!read.ok()) {
      return "cannot read " + branch + " back from the repository: " + read.output();
    }
    for (String line : read.output().split("\n")) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length == 2 && parts[1].equals("refs/heads/" + branch)) {
        return parts[0].equals(commit) ? null : "the repository's " + branch + " is at " + parts[0] + " after the push, not " + commit;
      }
    }
    return "the repository has no branch " + branch + " after the push";
  }

  /** Runs {@code command} (git) in {@code gitDir} with the worker's own git settings only; its output whole. */
  private static Push git(Path gitDir, List<String> command, Runnable beat) {
    Path out = null;
    try {
      out = java.nio.file.Files.createTempFile("durable-loops-push", ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(gitDir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Map<String, String> env = pb.environment();
      EnvRules.GIT_REDIRECTING.forEach(env::remove);
      env.put("GIT_DIR", gitDir.toString());
      env.put("GIT_TERMINAL_PROMPT", "0");
      env.put("GIT_ASKPASS", "true");
      Process p = pb.start();
      long deadline = System.nanoTime() + PUSH_TIMEOUT.toNanos();
      // Heartbeats while git talks to the remote, so a slow push is not taken for a lost worker.
      while (!p.waitFor(CommandRunner.POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          return new Push(false, command.get(1) + " did not finish within " + PUSH_TIMEOUT);
        }
        beat.run();
      }
      String text = java.nio.file.Files.readString(out, StandardCharsets.UTF_8).strip();
      return new Push(p.exitValue() == 0, text);
    } catch (IOException e) {
      return new Push(false, "cannot run git " + command.get(1) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Push(false, "interrupted while running git " + command.get(1));
    } finally {
      if (out != null) {
        out.toFile().delete();
      }
    }
  }

  /** The last {@code http(s)://} URL in {@code text}, or {@code null}. */
  static String lastUrl(String text) {
    Matcher m = URL.matcher(text == null ? "" : text);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    return last;
  }
}
