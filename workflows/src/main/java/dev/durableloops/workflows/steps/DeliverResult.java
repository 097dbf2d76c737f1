package dev.durableloops.workflows.steps;

/**
 * Result of {@code Deliver}: what was handed over and where. A failed push or command is reported
 * here (the loop's result stands; the delivery is what failed), not thrown.
 *
 * @param checkpoint the checkpoint delivered ({@code 0}: the base commit)
 * @param onSuccess whether it was the delivery of a succeeded loop
 * @param commit the commit delivered (40 hex)
 * @param branch the branch pushed, or {@code null} when nothing was pushed
 * @param pushed whether the push succeeded
 * @param pushOutput what the push said (git's porcelain lines or its error), at most 2,000 characters
 * @param exitCode the command's exit code ({@code -1} when it timed out), or {@code null} without a command
 * @param url the last {@code http(s)://} URL the command printed (a pull request, say), or {@code null}
 * @param outputTail the command's last output lines, at most 2,000 characters, or {@code null}
 * @param error why the delivery failed, or {@code null} when it did not
 * @param at ISO-8601 instant it ended, the worker's clock
 */
public record DeliverResult(
    int checkpoint,
    boolean onSuccess,
    String commit,
    String branch,
    boolean pushed,
    String pushOutput,
    Integer exitCode,
    String url,
    String outputTail,
    String error,
    String at) {

  /** Whether everything asked for was done. */
  public boolean succeeded() {
    return error == null;
  }
}
