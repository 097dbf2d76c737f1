package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Where a loop works. The loop clones {@code repository} into its own directory under the data
 * directory; the user's repository is never modified.
 *
 * @param repository an absolute path to a git repository or a git URL
 * @param branch the base branch; default: the repository's default branch (its {@code HEAD})
 */
public record WorkspaceSpec(@NotBlank @Size(max = 2_000) String repository, @Size(max = 200) String branch) {}
