package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.steps.Task;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a discover command's stdout means: a JSON array, lines, and an empty array as no work left. */
class DiscoveredTasksTest {

  private static final Redaction NONE = new Redaction(Map.of());

  @Test
  void anEmptyJsonArrayIsNoTaskAndLinesAndArraysAreTasks() {
    assertThat(DiscoveredTasks.parse("[]\n", NONE)).isEmpty();
    assertThat(DiscoveredTasks.parse("", NONE)).isEmpty();
    assertThat(DiscoveredTasks.parse("one\ntwo\n", NONE)).extracting(Task::id).containsExactly("one", "two");
    assertThat(DiscoveredTasks.parse("[{\"id\": \"a\", \"title\": \"Do a\"}]", NONE)).extracting(Task::title).containsExactly("Do a");
    assertThat(DiscoveredTasks.parse("[not json", NONE)).extracting(Task::id).containsExactly("[not json");
  }
}
