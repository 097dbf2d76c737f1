package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Reflection;

import java.util.List;

/**
 * The part of the loop state projected into {@code .loop/STATE.md}, {@code .loop/REFLECTIONS.md} and
 * the prompt. Rendering the same view always gives the same files.
 *
 * @param status the loop status
 * @param checkpoints the checkpoints
 * @param reflections the Reflexion notes, oldest first
 * @param notes the human notes
 * @param lastEvidence the last iteration's evidence
 * @param rules the repository's rules in force for this loop (written to {@code .loop/RULES.md})
 * @param budget caps and usage
 */
public record MemoryView(
    LoopStatus status,
    List<Checkpoint> checkpoints,
    List<Reflection> reflections,
    List<Note> notes,
    List<CheckEvidence> lastEvidence,
    Budget budget,
    List<String> rules) {}
