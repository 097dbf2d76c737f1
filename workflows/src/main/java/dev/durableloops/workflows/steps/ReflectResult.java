package dev.durableloops.workflows.steps;

/**
 * Result of {@code Reflect}.
 *
 * @param text the note, at most 4,000 characters
 * @param fromCommand whether the configured reflect command wrote it
 */
public record ReflectResult(String text, boolean fromCommand) {}
