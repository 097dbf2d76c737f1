package dev.durableloops.activities;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.durableloops.workflows.Texts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a maker wrote to {@code LOOP_RESULT_FILE}: {@code {"summary": "...", "costUsd": 0.42,
 * "tokens": 1234}}, every field optional. The file is the step's writing: secrets are replaced
 * ({@link Redaction}) after the JSON is decoded (its escapes would otherwise hide a secret) and
 * before the summary is cut (a cut secret would escape as a prefix).
 *
 * @param summary the maker's summary, at most {@value #MAX_SUMMARY_CHARS} characters, or {@code null}
 * @param costUsd what the maker spent, USD; 0 when missing, negative or not finite
 * @param tokens tokens the maker used; 0 when missing or negative
 */
record MakerReport(String summary, double costUsd, long tokens) {

  /** Characters kept of a maker's summary: as many as of its output's tail. */
  static final int MAX_SUMMARY_CHARS = CommandRunner.TAIL_CHARS;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The report in {@code workspace}'s {@link MemoryFiles#RESULT}, read without following a link. A
   * missing file is an empty report; a file that is not JSON gives a summary saying where it broke.
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
      return new MakerReport(e instanceof JsonProcessingException json && json.getLocation() != null
          ? "unreadable LOOP_RESULT_FILE: not JSON at line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr()
          : "unreadable LOOP_RESULT_FILE: " + e.getClass().getSimpleName(), 0, 0);
    }
  }
}
