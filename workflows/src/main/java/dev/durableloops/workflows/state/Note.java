package dev.durableloops.workflows.state;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A note or rule a human adds to the loop's memory; it is written into {@code .loop/STATE.md} and
 * the prompt of every later iteration.
 *
 * @param text the note, at most 10,000 characters
 * @param author who wrote it; optional
 * @param at ISO-8601 instant it was recorded, set by the workflow
 */
public record Note(@NotBlank @Size(max = 10_000) String text, @Size(max = 200) String author, String at) {}
