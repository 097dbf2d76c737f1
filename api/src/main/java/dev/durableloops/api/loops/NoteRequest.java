package dev.durableloops.api.loops;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/loops/{id}/notes}.
 *
 * @param text the note or rule, at most 10,000 characters
 * @param author optional
 */
public record NoteRequest(@NotBlank @Size(max = 10_000) String text, @Size(max = 200) String author) {}
