package dev.durableloops.workflows;

import java.time.Duration;

/**
 * The worker holding a loop's workspace, as its steps are sent there: its own task queue and how
 * long its command steps may go without a heartbeat before the loop takes it for lost.
 *
 * @param queue the worker's own task queue ({@code <task-queue>@<worker-id>}), or {@code null}: any
 *     worker of the loop's task queue
 * @param heartbeatTimeout the heartbeat timeout the worker asked for in its {@code Prepare}
 *     ({@code durable-loops.worker.heartbeat-timeout}), or {@code null} for {@link Steps#HEARTBEAT_TIMEOUT}
 */
record Host(String queue, Duration heartbeatTimeout) {

  /** No particular worker: the loop's own task queue and the default heartbeat timeout. */
  static final Host ANY = new Host(null, null);

  /** Shortest heartbeat timeout a worker may ask for: a command beats every 2 s ({@code StepPulse}). */
  static final Duration MIN_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

  /** Longest heartbeat timeout a worker may ask for. */
  static final Duration MAX_HEARTBEAT_TIMEOUT = Duration.ofMinutes(10);

  /**
   * The host a {@code Prepare} reported.
   *
   * @param heartbeatTimeout ISO-8601 ({@code PT3S}) or {@code null}; a value that does not parse or
   *     lies outside {@link #MIN_HEARTBEAT_TIMEOUT}…{@link #MAX_HEARTBEAT_TIMEOUT} counts as
   *     {@code null} (the default), so a worker cannot switch its steps' liveness check off
   */
  static Host of(String queue, String heartbeatTimeout) {
    Duration timeout = null;
    if (queue != null && heartbeatTimeout != null) {
      try {
        Duration parsed = Duration.parse(heartbeatTimeout);
        if (parsed.compareTo(MIN_HEARTBEAT_TIMEOUT) >= 0 && parsed.compareTo(MAX_HEARTBEAT_TIMEOUT) <= 0) {
          timeout = parsed;
        }
      } catch (java.time.format.DateTimeParseException e) {
        // The default, as the parameter says.
      }
    }
    return new Host(queue, timeout);
  }

  /** The heartbeat timeout of this host's command steps. */
  Duration heartbeatTimeoutOrDefault() {
    return heartbeatTimeout == null ? Steps.HEARTBEAT_TIMEOUT : heartbeatTimeout;
  }
}
