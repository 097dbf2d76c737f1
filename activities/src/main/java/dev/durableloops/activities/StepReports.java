package dev.durableloops.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.durableloops.workflows.Texts;
import dev.durableloops.workflows.steps.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the worker reads from a step's output and files: the maker's result file, a check's JUnit
 * reports and metric, a discover command's tasks. Everything here is the step's writing: secrets
 * are replaced ({@link Redaction}) after it is decoded (JSON and XML escapes would otherwise hide a
 * secret from the replacement) and before it is cut (a cut secret would escape as a prefix).
 */
final class StepReports {

  /** Tasks kept from a discover command. */
  static final int MAX_TASKS = 100;

  /** Characters kept of one task's title. */
  static final int MAX_TASK_CHARS = 1_000;

  /** Characters of a task's id at most. */
  static final int MAX_TASK_ID_CHARS = 200;

  /** Characters of a task's detail at most. */
  static final int MAX_DETAIL_CHARS = 4_000;

  /** Characters kept of a maker's summary: as many as of its output's tail. */
  static final int MAX_SUMMARY_CHARS = CommandRunner.TAIL_CHARS;

  /** Bytes of a check's output searched for its metric (the end of the output). */
  static final int METRIC_WINDOW = 1 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private StepReports() {}

  /** What a maker wrote to {@code LOOP_RESULT_FILE}. */
  record MakerReport(String summary, double costUsd, long tokens) {
    /**
     * The report in {@code workspace}'s {@link MemoryFiles#RESULT}, read without following a link, secrets in
     * the summary replaced before it is cut to {@value #MAX_SUMMARY_CHARS} characters.
     *
     * @throws StepException {@code UNSAFE_WORKSPACE} when it or {@code .loop} is a link ({@link WorkspaceFiles#read})
     */
    static MakerReport read(Path workspace, Redaction redaction) {
      Optional<String> text = WorkspaceFiles.read(workspace, MemoryFiles.RESULT);
      if (text.isEmpty()) {
        return new MakerReport(null, 0, 0);
      }
      try {
        JsonNode node = JSON.readTree(text.get());
        String summary = node.hasNonNull("summary") ? Texts.truncate(redaction.apply(node.get("summary").asText()), MAX_SUMMARY_CHARS) : null;
        double cost = node.hasNonNull("costUsd") ? Math.max(0, node.get("costUsd").asDouble()) : 0;
        long tokens = node.hasNonNull("tokens") ? Math.max(0, node.get("tokens").asLong()) : 0;
        return new MakerReport(summary, Double.isFinite(cost) ? cost : 0, tokens);
      } catch (IOException | RuntimeException e) {
        // The parser's own message quotes the file (a secret's first characters, say): only where it broke is told.
        return new MakerReport(e instanceof com.fasterxml.jackson.core.JsonProcessingException json && json.getLocation() != null
            ? "unreadable LOOP_RESULT_FILE: not JSON at line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr()
            : "unreadable LOOP_RESULT_FILE: " + e.getClass().getSimpleName(), 0, 0);
      }
    }
  }

  /** The JUnit reports matching {@code glob} in {@code ws}, read with secrets replaced ({@link JUnitReports#read}). */
  static JUnitReports.Summary readReports(Path ws, String glob, Redaction redaction) {
    if (glob == null || glob.isBlank()) {
      return new JUnitReports.Summary(0, List.of(), List.of());
    }
    try {
      return JUnitReports.read(JUnitReports.find(ws, glob), redaction);
    } catch (IOException e) {
      // The message may name a file the step made.
      return new JUnitReports.Summary(0, List.of(), List.of(redaction.apply(glob + ": " + e.getMessage())));
    }
  }

  /**
   * The last number {@code pattern} finds in the last {@value #METRIC_WINDOW} characters of {@code log}
   * (its first group when it has one), or {@code null}.
   *
   * @throws StepException {@code BAD_SPEC} when {@code pattern} is not a regular expression
   */
  static Double readMetric(Path log, String pattern) {
    Pattern compiled;
    try {
      compiled = Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw new StepException(StepException.Kind.BAD_SPEC, "metric pattern '" + pattern + "' is not a regular expression: " + e.getDescription());
    }
    String text = read(log);
    if (text.length() > METRIC_WINDOW) {
      text = Texts.tail(text, METRIC_WINDOW);
    }
    Matcher m = compiled.matcher(text);
    Double last = null;
    while (m.find()) {
      try {
        last = Double.parseDouble(m.groupCount() >= 1 ? m.group(1) : m.group());
      } catch (NumberFormatException e) {
        // Not a number: keep the last one that was.
      }
    }
    return last;
  }

  /**
   * The tasks of a discover command's stdout: a JSON array (strings, or objects with {@code id},
   * {@code title} or {@code task}, {@code detail}), else one task per non-blank line; at most
   * {@value #MAX_TASKS}. Secrets are replaced in each decoded field, before it is cut.
   */
  static List<Task> parseTasks(String stdout, Redaction redaction) {
    String text = stdout.strip();
    List<Task> tasks = new ArrayList<>();
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
      } catch (IOException e) {
        tasks.clear();
      }
    }
    if (tasks.isEmpty()) {
      text.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> tasks.add(task(l, l, null, redaction)));
    }
    return tasks.stream().limit(MAX_TASKS).toList();
  }

  private static Task task(String id, String title, String detail, Redaction redaction) {
    return new Task(Texts.truncate(redaction.apply(id), MAX_TASK_ID_CHARS), Texts.truncate(redaction.apply(title), MAX_TASK_CHARS),
        detail == null ? null : Texts.truncate(redaction.apply(detail), MAX_DETAIL_CHARS));
  }

  /** A file's text (UTF-8), or {@code ""} when it does not exist. */
  static String read(Path file) {
    if (file == null || !Files.exists(file)) {
      return "";
    }
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
