package dev.durableloops.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.steps.Task;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tasks a discover command printed. Its output is the step's writing: secrets are replaced
 * ({@link Redaction}) in each decoded field (JSON escapes would otherwise hide a secret), before it
 * is cut (a cut secret would escape as a prefix).
 */
final class DiscoveredTasks {

  /** Tasks kept from a discover command. */
  static final int MAX_TASKS = 100;

  /** Characters kept of one task's title. */
  static final int MAX_TASK_CHARS = 1_000;

  /** Characters of a task's id at most. */
  static final int MAX_TASK_ID_CHARS = 200;

  /** Characters of a task's detail at most. */
  static final int MAX_DETAIL_CHARS = 4_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DiscoveredTasks() {}

  /**
   * The tasks of a discover command's stdout: a JSON array (strings, or objects with {@code id},
   * {@code title} or {@code task}, {@code detail}), else one task per non-blank line; at most
   * {@value #MAX_TASKS}. {@code []} is no task.
   */
  static List<Task> parse(String stdout, Redaction redaction) {
    String text = stdout.strip();
    List<Task> tasks = new ArrayList<>();
    boolean json = false;
    if (text.startsWith("[")) {
      try {
        for (JsonNode node : JSON.readTree(text)) {
          if (node.isObject()) {
            String title = node.has("title") ? node.get("title").asText() : node.has("task") ? node.get("task").asText() : node.toString();
            String id = node.hasNonNull("id") ? node.get("id").asText() : title;
            tasks.add(task(id, title, node.hasNonNull("detail") ? node.get("detail").asText() : null, redaction));
          } else {
            tasks.add(task(node.asText(), node.asText(), null, redaction));
          }
        }
        json = true;
      } catch (IOException e) {
        tasks.clear();
      }
    }
    // An empty JSON array is no task (no work left), not a line "[]".
    if (!json) {
      text.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> tasks.add(task(l, l, null, redaction)));
    }
    return tasks.stream().limit(MAX_TASKS).toList();
  }

  private static Task task(String id, String title, String detail, Redaction redaction) {
    return new Task(Texts.truncate(redaction.apply(id), MAX_TASK_ID_CHARS), Texts.truncate(redaction.apply(title), MAX_TASK_CHARS),
        detail == null ? null : Texts.truncate(redaction.apply(detail), MAX_DETAIL_CHARS));
  }
}
