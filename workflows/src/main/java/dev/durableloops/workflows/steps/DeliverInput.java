package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;

/**
 * Input of {@code Deliver}.
 *
 * @param context the loop at the commit to deliver (its head: the last checkpoint)
 * @param workspace the loop's repository, where the branch is pushed
 * @param deliver what to do (normalized)
 * @param checkpoint the checkpoint delivered ({@code 0}: the base commit)
 * @param onSuccess whether the loop has succeeded (else a checkpoint's delivery)
 */
public record DeliverInput(StepContext context, WorkspaceSpec workspace, DeliverSpec deliver, int checkpoint, boolean onSuccess) {}
