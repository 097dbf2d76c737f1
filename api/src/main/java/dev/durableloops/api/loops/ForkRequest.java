package dev.durableloops.api.loops;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/loops/{id}/fork}.
 *
 * @param checkpoint the checkpoint of the source loop to start from; {@code 0} is its base commit
 * @param name the new loop's name (slug); default {@code <source name>-fork}
 */
public record ForkRequest(
    @NotNull @Min(0) Integer checkpoint,
    @Size(max = 40) @Pattern(regexp = "[a-z0-9][a-z0-9-]*", message = "must be a slug: lowercase letters, digits and '-'") String name) {}
