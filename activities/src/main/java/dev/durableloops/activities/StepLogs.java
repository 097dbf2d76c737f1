package dev.durableloops.activities;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The worker's own files of a step's output (its log, its stdout kept apart), under the loop's
 * directory: written by the command runner, never by the step itself, so read plainly.
 */
final class StepLogs {

  private StepLogs() {}

  /**
   * A file's text (UTF-8), or {@code ""} when {@code file} is {@code null} or does not exist.
   *
   * @throws UncheckedIOException when it exists and cannot be read
   */
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
