package dev.durableloops.workflows.steps;

/**
 * One task a {@code discover} command found: a stdout line (then id and title are the line), or
 * an element of a JSON array, either a string or {@code {"id": "...", "title": "...", "detail":
 * "..."}} (id defaults to the title).
 *
 * @param id stable identity across discoveries, at most 200 characters; a backlog loop sets aside
 *     and reports tasks by it
 * @param title one line, at most 1,000 characters
 * @param detail more for the maker, at most 4,000 characters, or {@code null}
 */
public record Task(String id, String title, String detail) {

  /** What the maker is given: the title, and the detail below it when there is one. */
  public String text() {
    return detail == null || detail.isBlank() ? title : title + "\n\n" + detail;
  }
}
