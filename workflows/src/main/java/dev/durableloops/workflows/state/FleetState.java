package dev.durableloops.workflows.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A fan-out parent's fleet (a loop with {@code fanOut}; DESIGN.md, "Fleets"), in its state as
 * {@code fleet}: the budget its running children hold and every child it started. Absent for other
 * loops.
 */
public final class FleetState {

  /** USD reserved by the children running now: each holds its own cost cap until it ends and its real cost is settled. */
  public double reservedUsd;

  /** Every child started, oldest first. */
  public List<Child> children = new ArrayList<>();

  /**
   * One child loop.
   *
   * @param loopId the child's workflow id, {@code <parent>-t<k>}
   * @param taskId the backlog task it works on
   * @param status {@code RUNNING}, {@code LANDED}, {@code BOUNCED}, {@code FAILED} (ended without an accepted change)
   *     or {@code CANCELLED} (by the parent's rollback; its reservation counts as its cost)
   * @param checkpoint the parent's checkpoint its landing became, or {@code null}
   * @param costUsd what it spent, settled when it ended ({@code 0} while running)
   */
  public record Child(String loopId, String taskId, String status, Integer checkpoint, double costUsd) {}
}
