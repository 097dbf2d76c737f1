package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.LoopIds;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of one attempt's workspace when an iteration makes several ({@code make.attempts}):
 * {@code <loopId>/attempt-<k>}, the loop id a workspace step's {@link StepContext} carries to work in
 * attempt {@code k}'s workspace instead of the loop's. The {@code /} cannot occur in a loop id
 * ({@link LoopIds#PATTERN}), so no loop's id is ever an attempt's. The worker keeps the workspace in
 * {@code <data>/loops/<loopId>/attempts/<k>/workspace}, sharing the loop clone's objects.
 */
public final class AttemptIds {

  private static final Pattern ATTEMPT = Pattern.compile("(.+)/attempt-([1-8])");

  /**
   * Attempt {@code k}'s id in loop {@code loopId}.
   *
   * @param k the attempt number, 1-based (at most {@code MakeSpec.MAX_ATTEMPTS})
   */
  public static String of(String loopId, int k) {
    return loopId + "/attempt-" + k;
  }

  /**
   * The loop and attempt number of an attempt id.
   *
   * @param loopId the loop's id (well-formed)
   * @param number the attempt, 1–8
   */
  public record Attempt(String loopId, int number) {}

  /** The attempt {@code id} names, or {@code null} when it is no attempt id (a loop's own, or malformed). */
  public static Attempt parse(String id) {
    if (id == null) {
      return null;
    }
    Matcher m = ATTEMPT.matcher(id);
    if (!m.matches() || !LoopIds.isWellFormed(m.group(1))) {
      return null;
    }
    return new Attempt(m.group(1), Integer.parseInt(m.group(2)));
  }

  private AttemptIds() {}
}
