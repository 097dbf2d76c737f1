package dev.durableloops.activities;

import dev.durableloops.workflows.steps.AttemptIds;
import dev.durableloops.workflows.LoopIds;
import java.nio.file.Path;

/**
 * The data directory layout: {@code <data>/loops/<loopId>/workspace} (the clone) and
 * {@code <data>/loops/<loopId>/logs/} (step output, one file per iteration and step); an attempt's
 * ({@link AttemptIds}) the same under {@code <data>/loops/<loopId>/attempts/<k>/}.
 */
public final class LoopPaths {

  private final Path dataDir;

  /**
   * @param dataDir the data directory; made absolute
   */
  public LoopPaths(Path dataDir) {
    this.dataDir = dataDir.toAbsolutePath().normalize();
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The directory of one loop.
   *
   * @throws StepException {@code BAD_ID} when the id could escape the data directory
   */
  public Path loopDir(String loopId) {
    // An attempt's directory lies inside its loop's ({@link AttemptIds}): loops/<id>/attempts/<k>.
    AttemptIds.Attempt attempt = AttemptIds.parse(loopId);
    if (attempt != null) {
      return loopDir(attempt.loopId()).resolve("attempts").resolve(Integer.toString(attempt.number()));
    }
    if (!LoopIds.isWellFormed(loopId) || loopId.contains("..")) {
      throw new StepException(StepException.Kind.BAD_ID, "loop id '" + loopId + "' is not usable as a directory name");
    }
    return dataDir.resolve("loops").resolve(loopId);
  }

  /** The loop's clone. */
  public Path workspace(String loopId) {
    return loopDir(loopId).resolve("workspace");
  }

  /** The log file of one step, e.g. {@code logs/iter-0003-make.log}. */
  public Path log(String loopId, int iteration, String step) {
    return loopDir(loopId).resolve("logs").resolve(String.format("iter-%04d-%s.log", iteration, step));
  }
}
