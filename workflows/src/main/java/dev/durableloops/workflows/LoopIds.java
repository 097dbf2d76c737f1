package dev.durableloops.workflows;

import java.util.regex.Pattern;

/**
 * What a loop id (the workflow id) may be: {@code loop-<slug>} and its suffixes, and never a path —
 * checked once here for the API (a malformed id is an unknown loop) and the data directory (an id
 * names a directory). A loop a Temporal Schedule started has the schedule's workflow id plus the
 * time Temporal appends ({@code loop-nightly-2026-11-24T06:00:00Z}); git ref names and directories
 * use its {@link #storeName(String) store name}, with {@code -} for each {@code :}.
 */
public final class LoopIds {

  /** Letters, digits, {@code .}, {@code _}, {@code :} and {@code -}, starting with a letter or digit; 1–200 characters. */
  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,199}");

  /**
   * The name a loop has in the git store, its refs and the data directory: the workflow id with
   * {@code -} for each {@code :} (which git ref names cannot hold); the id itself for every loop
   * not started by a schedule.
   */
  public static String storeName(String workflowId) {
    return workflowId.replace(':', '-');
  }

  private LoopIds() {}

  /** Whether {@code id} has the shape of a loop id. */
  public static boolean isWellFormed(String id) {
    return id != null && PATTERN.matcher(id).matches();
  }
}
