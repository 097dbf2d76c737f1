package dev.durableloops.workflows.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.durableloops.workflows.LoopWorkflow;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * A user's definition of a loop: the request body of {@code POST /api/loops} and the input of
 * {@link LoopWorkflow#run}. Field names are part of the public contract (see DESIGN.md).
 *
 * @param name slug of 1–40 characters {@code [a-z0-9-]}, starting with a letter or digit; the loop
 *     id is {@code loop-<name>}, with {@code -2}, {@code -3} … appended when taken
 * @param goal what the loop is for, in plain language; reaches commands only through
 *     {@code LOOP_GOAL} and the prompt file, never spliced into a command line
 * @param workspace the repository the loop works on
 * @param discover optional command whose stdout lines (or JSON array of strings) are the tasks; no
 *     output means no work is left and the loop succeeds
 * @param plan optional command that writes the prompt to {@code LOOP_PROMPT_FILE}; default: a
 *     prompt composed from goal, task, reflections, notes and the last evidence
 * @param make the maker: the agent command that changes the code, and how many attempts at once
 *     (required)
 * @param checks the checkers, run in order against every attempt (at least one)
 * @param review optional second agent judging the attempt; exit 0 approves
 * @param reflect optional command whose stdout replaces the built-in Reflexion note
 * @param gate the approval policy; default {@link GateSpec#DEFAULT}
 * @param caps the budget; default {@link Caps#DEFAULT}
 * @param env extra environment variables for every command (at most 50; names
 *     {@code [A-Z_][A-Z0-9_]*}, not {@code LOOP_*}); a value may name configured secrets as
 *     {@code ${secret:NAME}}, resolved by the worker when the command runs, so the value never enters
 *     Temporal history; a secret must be granted to the role of whoever started the loop and to its
 *     repository ({@code durable-loops.secret-grants.NAME}; without a grant: loops an APPROVER started)
 * @param passEnv names of the worker's own environment variables passed through to commands (the
 *     environment is otherwise scrubbed down to PATH, HOME, locale and the like); only names the
 *     worker lists as passable ({@code durable-loops.passable-env}), never the platform's own
 *     ({@code DURABLE_LOOPS_*}, {@code TEMPORAL_*}, {@code SPRING_*}, {@code JAVA_*} …): others are a
 *     400 from the API and fail the loop in its first step when it was started on Temporal directly
 * @param deliver how the result is handed over; default {@link DeliverSpec#DEFAULT} (push
 *     {@code loops/<id>} when the loop succeeds)
 * @param notifications webhooks of this loop and the approval reminder's timing; default
 *     {@link NotifySpec#DEFAULT}
 * @param sandbox how commands are confined (network, allowed destinations, writable paths); default
 *     {@link SandboxSpec#DEFAULT}
 * @param fanOut run the backlog's tasks as child loops landing through a merge queue (needs
 *     {@code discover}); absent: one task at a time in this loop
 */
public record LoopSpec(
    @NotBlank
        @Size(max = 40)
        @Pattern(regexp = "[a-z0-9][a-z0-9-]*", message = "must be a slug: lowercase letters, digits and '-'")
        String name,
    @NotBlank @Size(max = 10_000) String goal,
    @NotNull @Valid WorkspaceSpec workspace,
    @Valid StepSpec discover,
    @Valid StepSpec plan,
    @NotNull @Valid MakeSpec make,
    @NotEmpty @Size(max = 20) List<@NotNull @Valid CheckSpec> checks,
    @Valid StepSpec review,
    @Valid StepSpec reflect,
    @Valid GateSpec gate,
    @Valid Caps caps,
    @Size(max = 50)
        Map<@Pattern(regexp = "(?!LOOP_)[A-Z_][A-Z0-9_]{0,63}", message = "must be an environment variable name [A-Z_][A-Z0-9_]*, not LOOP_*") String,
            @NotNull @Size(max = 4_000) String> env,
    @Size(max = 50)
        List<@Pattern(regexp = "(?!LOOP_)[A-Z_][A-Z0-9_]{0,63}", message = "must be an environment variable name [A-Z_][A-Z0-9_]*, not LOOP_*") String> passEnv,
    @Valid DeliverSpec deliver,
    @Valid NotifySpec notifications,
    @Valid SandboxSpec sandbox,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Valid FanOutSpec fanOut) {

  /** A spec with no extra environment, one attempt per iteration and no fan-out. */
  public LoopSpec(
      String name, String goal, WorkspaceSpec workspace, StepSpec discover, StepSpec plan, StepSpec make,
      List<CheckSpec> checks, StepSpec review, StepSpec reflect, GateSpec gate, Caps caps) {
    this(name, goal, workspace, discover, plan, MakeSpec.of(make), checks, review, reflect, gate, caps, null, null, null, null, null,
        null);
  }

  /** A spec with one attempt per iteration and no fan-out (the shape before fleets). */
  public LoopSpec(
      String name, String goal, WorkspaceSpec workspace, StepSpec discover, StepSpec plan, StepSpec make,
      List<CheckSpec> checks, StepSpec review, StepSpec reflect, GateSpec gate, Caps caps, Map<String, String> env,
      List<String> passEnv, DeliverSpec deliver, NotifySpec notifications, SandboxSpec sandbox) {
    this(name, goal, workspace, discover, plan, MakeSpec.of(make), checks, review, reflect, gate, caps, env, passEnv, deliver,
        notifications, sandbox, null);
  }

  /**
   * Returns this spec with every optional part that has a default filled in: {@code gate},
   * {@code caps}, each step's timeout and each check's {@code required} flag. Pure and idempotent,
   * so the workflow may call it on every run.
   */
  public LoopSpec normalized() {
    return new LoopSpec(
        name,
        goal,
        workspace,
        discover == null ? null : discover.withDefaultTimeout(StepSpec.DEFAULT_TIMEOUT),
        plan == null ? null : plan.withDefaultTimeout(StepSpec.DEFAULT_TIMEOUT),
        make == null ? null : make.withDefaultTimeout(StepSpec.DEFAULT_MAKE_TIMEOUT),
        checks == null ? List.of() : checks.stream().map(CheckSpec::normalized).toList(),
        review == null ? null : review.withDefaultTimeout(StepSpec.DEFAULT_TIMEOUT),
        reflect == null ? null : reflect.withDefaultTimeout(StepSpec.DEFAULT_TIMEOUT),
        gate == null ? GateSpec.DEFAULT : gate.normalized(),
        caps == null ? Caps.DEFAULT : caps.normalized(),
        env == null ? Map.of() : env,
        passEnv == null ? List.of() : passEnv,
        deliver == null ? DeliverSpec.DEFAULT : deliver.normalized(),
        notifications == null ? NotifySpec.DEFAULT : notifications.normalized(),
        sandbox == null ? SandboxSpec.DEFAULT : sandbox.normalized(),
        fanOut == null ? null : fanOut.normalized());
  }
}
