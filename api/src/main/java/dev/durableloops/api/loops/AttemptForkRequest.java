package dev.durableloops.api.loops;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/loops/{id}/attempts/{n}/{k}/fork} (optional).
 *
 * @param name the new loop's name (slug); default {@code <source name>-fork}
 */
public record AttemptForkRequest(
    @Size(max = 40) @Pattern(regexp = "[a-z0-9][a-z0-9-]*", message = "must be a slug: lowercase letters, digits and '-'") String name) {}
