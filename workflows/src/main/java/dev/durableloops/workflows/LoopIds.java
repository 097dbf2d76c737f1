package dev.durableloops.workflows;

import java.util.regex.Pattern;

/**
 * What a loop id (the workflow id) may be: {@code loop-<slug>} and its suffixes, and never a path —
 * checked once here for the API (a malformed id is an unknown loop) and the data directory (an id
 * names a directory).
 */
public final class LoopIds {

  /** Letters, digits, {@code .}, {@code _} and {@code -}, starting with a letter or digit; 1–200 characters. */
  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private LoopIds() {}

  /** Whether {@code id} has the shape of a loop id. */
  public static boolean isWellFormed(String id) {
    return id != null && PATTERN.matcher(id).matches();
  }
}
