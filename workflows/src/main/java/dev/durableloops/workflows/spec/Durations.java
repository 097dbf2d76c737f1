package dev.durableloops.workflows.spec;

import java.time.Duration;
import java.time.Period;

/**
 * ISO-8601 durations as the loop spec writes them. Accepts {@link Duration} forms ({@code PT30M},
 * {@code P2DT3H}) and day-only {@link Period} forms ({@code P3D}); years, months and weeks are
 * refused because their length in seconds is not fixed.
 */
public final class Durations {

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when it is not an ISO-8601 duration, or is zero or negative
   */
  public static Duration parse(String text) {
    Duration d;
    try {
      d = Duration.parse(text);
    } catch (RuntimeException e) {
      try {
        Period p = Period.parse(text);
        if (p.getYears() != 0 || p.getMonths() != 0) {
          throw new IllegalArgumentException("years and months have no fixed length; use days");
        }
        d = Duration.ofDays(p.getDays());
      } catch (RuntimeException e2) {
        throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 duration such as PT30M or P3D");
      }
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("'" + text + "' must be a positive duration");
    }
    return d;
  }
}
