package dev.durableloops.workflows.state;

/**
 * A Reflexion note: why an iteration failed and what to do differently.
 *
 * @param iteration the iteration it is about ({@code 0} for notes not tied to one)
 * @param text plain language, Markdown allowed, at most a few KB
 * @param signature the failure signature (12 hex) of that iteration, or {@code null}
 * @param repeated whether the same signature occurred in the iteration before
 */
public record Reflection(int iteration, String text, String signature, boolean repeated) {}
