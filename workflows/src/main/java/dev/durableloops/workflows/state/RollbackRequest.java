package dev.durableloops.workflows.state;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * The payload of the {@code rollback} Update and of {@code POST /api/loops/{id}/rollback}.
 *
 * @param checkpoint the checkpoint to go back to; {@code 0} is the base commit
 * @param reason why, in plain language; recorded as a reflection so the abandoned path still
 *     teaches something
 */
public record RollbackRequest(@NotNull @Min(0) Integer checkpoint, @Size(max = 2_000) String reason) {}
