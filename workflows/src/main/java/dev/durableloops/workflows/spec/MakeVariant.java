package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * One attempt's maker in {@code make.variants}: e.g. Claude Code against Codex against Aider, or one
 * agent with different prompts.
 *
 * @param name a short slug naming the variant in the selection report (1–40 characters
 *     {@code [a-z0-9-]}); absent: {@code attempt-<k>}
 * @param command the attempt's maker command line, run with {@code sh -c}
 */
public record MakeVariant(
    @Size(max = 40) @Pattern(regexp = "[a-z0-9][a-z0-9-]*", message = "must be a slug: lowercase letters, digits and '-'") String name,
    @NotBlank @Size(max = 10_000) String command) {}
