package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The part of a loop's state only its readers need: where the run stands right now. Continue-as-new
 * writes it along (it is part of {@link LoopState}) but the next run starts it afresh. One run owns
 * one instance and changes it in place; Jackson reads and writes its public fields, whose names are
 * the JSON property names, unwrapped into {@link LoopState}.
 */
public final class LiveState {

  /** The goal. */
  public String goal;

  /** The step in progress. */
  public Phase phase = Phase.PREPARE;

  /** The attempt waiting for a human, or {@code null}. */
  public PendingDecision pendingDecision;

  /** ISO-8601 instant (workflow time) the current phase began, or {@code null} before the first. */
  public String phaseSince;

  /**
   * The task queue of the worker holding the workspace ({@code <task-queue>@<worker-id>}), or
   * {@code null} when any worker serves the loop's steps (JSON {@code worker}).
   */
  @JsonProperty("worker")
  public String taskQueue;
}
