package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.durableloops.workflows.steps.DeliverResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of a loop's state that continue-as-new carries to the next run: what the loop has done
 * and learned. One run owns one instance and changes it in place (through {@code LoopProgress});
 * Jackson reads and writes its public fields, whose names are the JSON property names, unwrapped
 * into {@link LoopState}. A field added here is carried and shown with no other change.
 *
 * <p>Lists are {@code null} only in states read from older runs that lacked them.
 */
public final class CarriedState {

  /** The commit the loop started from. */
  public String baseCommit;

  /** The last checkpoint's commit (the base commit before the first). */
  public String headCommit;

  /** Accepted attempts, oldest first. */
  public List<Checkpoint> checkpoints = new ArrayList<>();

  /** Reflexion notes, oldest first. */
  public List<Reflection> reflections = new ArrayList<>();

  /** Human notes, oldest first. */
  public List<Note> notes = new ArrayList<>();

  /** The caps in force (extensions included) and how much of them is used. */
  public Budget budget;

  /** The last iteration's check evidence. */
  public List<CheckEvidence> lastEvidence = List.of();

  /** The timeline, oldest first (JSON {@code iterations}). */
  @JsonProperty("iterations")
  public List<TimelineRow> timeline = new ArrayList<>();

  /** How many rejected iterations in a row had the current failure signature. */
  public int repeatedFailures;

  /** The best checkpoint's metric, or {@code null}. */
  public Double bestMetric;

  /**
   * Reflections written since the loop began, counting those compaction has since folded into a
   * summary; {@link Checkpoint#reflections()} counts the same way, so a checkpoint's reflections can
   * be told apart after compaction ({@code 0} in states carried by older runs: then it equals the
   * number of reflections listed).
   */
  public int reflectionsWritten;

  /**
   * A backlog loop's tasks (a loop with {@code discover}): done, in progress, set aside, then left,
   * at most {@value LoopState#MAX_TASKS}; empty for other loops.
   */
  public List<BacklogTask> tasks = new ArrayList<>();

  /** The loop's deliveries ({@code Deliver}: pushed branch, command, URL), oldest first, at most 20. */
  public List<DeliverResult> deliveries = new ArrayList<>();

  /** The rules of the loop's repository it started with ({@code .loop/RULES.md}); empty when there were none. */
  public List<String> rules = new ArrayList<>();

  /**
   * How the worker holding the workspace confines the loop's commands, in words
   * ({@code PrepareResult#sandbox}); {@code null} before the first Prepare or from older workers.
   */
  public String sandbox;

  /** A fan-out parent's children and the budget they hold ({@code fanOut}); {@code null} (absent from the JSON) for other loops. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public FleetState fleet;
}
