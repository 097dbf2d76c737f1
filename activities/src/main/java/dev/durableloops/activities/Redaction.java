package dev.durableloops.activities;

import dev.durableloops.workflows.state.FailedTest;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Replaces the values of configured secrets ({@code durable-loops.secrets.*}) by
 * {@code [secret:NAME]} in what leaves a worker: live output, output tails in results (they enter
 * Temporal history) and logs recorded in the git store. Values shorter than {@value #MIN_LENGTH}
 * characters are left alone (they would blank ordinary words); longer values first, so a secret
 * that contains another is replaced whole. Public for the API, which replaces secrets in the notes
 * and rules people send before they enter a loop.
 */
public final class Redaction {

  /** Shortest secret value that is replaced. */
  static final int MIN_LENGTH = 4;

  private final List<Map.Entry<String, String>> secrets;

  /** Replaces the values of {@code secrets} (name to value). */
  public Redaction(Map<String, String> secrets) {
    this.secrets = secrets.entrySet().stream()
        .filter(e -> e.getValue() != null && e.getValue().length() >= MIN_LENGTH)
        .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getValue().length()).reversed())
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .toList();
  }

  /** {@code text} with every secret value replaced; {@code null} stays {@code null}. */
  public String apply(String text) {
    if (text == null || secrets.isEmpty()) {
      return text;
    }
    String out = text;
    for (Map.Entry<String, String> secret : secrets) {
      out = out.replace(secret.getValue(), "[secret:" + secret.getKey() + "]");
    }
    return out;
  }

  /**
   * An output tail (the end of a longer output, cut at its start) with every secret value replaced,
   * and a secret cut by the tail's start too: when the tail begins with the last
   * {@value #MIN_LENGTH} or more characters of a secret, they are replaced as well.
   */
  public String tail(String text) {
    String out = apply(text);
    if (out == null) {
      return null;
    }
    for (Map.Entry<String, String> secret : secrets) {
      String value = secret.getValue();
      for (int k = value.length() - 1; k >= MIN_LENGTH; k--) {
        if (out.startsWith(value.substring(value.length() - k))) {
          out = "[secret:" + secret.getKey() + "]" + out.substring(k);
          break;
        }
      }
    }
    return out;
  }

  /** Failed tests with secrets in their names and messages replaced: they enter history. */
  List<FailedTest> tests(List<FailedTest> failed) {
    return failed.stream().map(t -> new FailedTest(apply(t.id()), apply(t.message()))).toList();
  }

  /**
   * {@code e} with secrets in its message replaced; a cause that holds one is dropped (the failure
   * enters history with its causes).
   */
  StepException failure(StepException e) {
    String message = apply(e.getMessage());
    Throwable cause = e.getCause();
    boolean causeClean = cause == null || clean(String.valueOf(cause));
    if (Objects.equals(message, e.getMessage()) && causeClean) {
      return e;
    }
    return new StepException(e.kind(), message, causeClean ? cause : null);
  }

  /**
   * What the activity boundary throws for an unexpected {@code e}: {@code e} itself (its type,
   * retried by Temporal) unless its text or its cause's holds a secret; then a retryable
   * {@link ApplicationFailure} with the redacted message, typed by {@code e}'s class as Temporal
   * would type {@code e}. Activity completion exceptions (cancellation) pass unchanged.
   */
  RuntimeException failure(RuntimeException e) {
    if (e instanceof ActivityCompletionException || clean(e + " " + e.getCause())) {
      return e;
    }
    return ApplicationFailure.newFailure(apply(String.valueOf(e.getMessage())), e.getClass().getName());
  }

  private boolean clean(String text) {
    return text.equals(apply(text));
  }

  /** Rewrites {@code file} in place when it holds a secret value; logs are at most the output cap. */
  void applyTo(Path file) throws IOException {
    if (secrets.isEmpty() || file == null || !Files.exists(file)) {
      return;
    }
    String text = Files.readString(file, StandardCharsets.ISO_8859_1);
    String redacted = text;
    for (Map.Entry<String, String> secret : secrets) {
      // Latin-1 maps bytes one to one, so a UTF-8 secret is found byte for byte and nothing else changes.
      String value = new String(secret.getValue().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      redacted = redacted.replace(value, "[secret:" + secret.getKey() + "]");
    }
    if (!redacted.equals(text)) {
      Files.writeString(file, redacted, StandardCharsets.ISO_8859_1);
    }
  }
}
