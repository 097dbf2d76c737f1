package dev.durableloops.api.loops;

/**
 * The answer of a request the loop takes asynchronously (202): a Signal was sent, or cancellation
 * requested.
 *
 * @param id the loop id
 * @param message what happens next, in one sentence
 */
public record Accepted(String id, String message) {}
