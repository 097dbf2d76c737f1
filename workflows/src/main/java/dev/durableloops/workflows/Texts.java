package dev.durableloops.workflows;

/**
 * Text helpers shared by the workflow and the API, so each lives once: shortening user text for
 * summaries, memos and history, and short commit ids for humans.
 */
public final class Texts {

  private Texts() {}

  /**
   * {@code text} cut to at most {@code max} characters, ending in {@code …} when cut.
   *
   * @param text any text, or {@code null} (returned as is)
   * @param max the length at most, in characters (UTF-16 units); at least 1
   */
  public static String truncate(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 1) + "…";
  }

  /**
   * The end of {@code text}, at most {@code max} characters: what is kept of a command's output,
   * whose last lines matter. No mark where it was cut (a tail begins wherever the cut falls; a
   * secret cut there is for the caller to replace, {@code Redaction.tail}).
   *
   * @param text any text, or {@code null} (returned as is)
   * @param max the length at most, in characters (UTF-16 units); at least 0
   */
  public static String tail(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(text.length() - max);
  }

  /** The first 10 characters of a commit id, or {@code none} for {@code null}. */
  public static String shortId(String commit) {
    return commit == null ? "none" : commit.substring(0, Math.min(10, commit.length()));
  }
}
