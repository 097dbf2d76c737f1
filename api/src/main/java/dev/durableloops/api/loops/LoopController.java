package dev.durableloops.api.loops;

import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The loops API ({@code /api/loops}), described in OpenAPI at {@code /v3/api-docs}. Errors are RFC
 * 9457 problem+json ({@link dev.durableloops.api.ApiExceptionHandler}).
 */
@Tag(name = "loops", description = "Start, watch, steer and inspect loops")
@ConditionalOnProperty(name = "durable-loops.serve-api", havingValue = "true", matchIfMissing = true)
@RestController
@RequestMapping(path = "/api/loops", produces = MediaType.APPLICATION_JSON_VALUE)
class LoopController {

  private final LoopStarter starter;
  private final LoopReader reader;
  private final LoopCommands commands;
  private final LoopForks forks;
  private final LoopDiffs diffs;
  private final LoopLogs logs;
  private final LoopEvents events;

  LoopController(LoopStarter starter, LoopReader reader, LoopCommands commands, LoopForks forks, LoopDiffs diffs, LoopLogs logs,
      LoopEvents events) {
    this.starter = starter;
    this.reader = reader;
    this.commands = commands;
    this.forks = forks;
    this.diffs = diffs;
    this.logs = logs;
    this.events = events;
  }

  /** Starts a loop: 201 with the id and links, {@code Location} the loop's URL. */
  @Operation(operationId = "startLoop", summary = "Start a loop from a loop spec")
  @ApiResponse(responseCode = "201", description = "Started; Location is the loop's URL")
  @ApiResponse(responseCode = "409", description = "Every loop id this name allows is taken")
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<StartResponse> start(@Valid @RequestBody LoopSpec spec) {
    StartResponse started = starter.start(spec);
    return ResponseEntity.created(URI.create(started.links().get("self"))).body(started);
  }

  /**
   * Lists loops, newest first; {@code ?status=AWAITING_APPROVAL} and {@code ?repository=<as
   * started>} filter.
   */
  @Operation(operationId = "listLoops", summary = "List loops from Temporal visibility, newest first; filter by status and repository")
  @ApiResponse(responseCode = "200", description = "The loops, newest first")
  @GetMapping
  List<LoopSummary> list(@RequestParam(required = false) LoopStatus status, @RequestParam(required = false) String repository) {
    return reader.list(status, repository == null || repository.isBlank() ? null : repository);
  }

  /** The loop's state. */
  @Operation(operationId = "getLoop", summary = "The loop's state (live from the workflow, or recorded when no worker answers)")
  @ApiResponse(responseCode = "200", description = "The loop's state")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @GetMapping("/{id}")
  LoopView get(@PathVariable String id) {
    return reader.get(id);
  }

  /**
   * Server-sent events: {@code state} (a {@link LoopView}) whenever the state changes and
   * {@code output} (a {@link LoopOutput}) whenever the running step's output changes, each with an
   * id; {@code Last-Event-ID} resumes after that id (a value that is not a number is ignored, and
   * the stream starts afresh).
   */
  @Operation(operationId = "watchLoop",
      summary = "Server-sent 'state' (LoopView) and 'output' (LoopOutput) events as they change; resumes after Last-Event-ID")
  @ApiResponse(responseCode = "200", description = "A stream of server-sent events, open until the client leaves; a comment every 15 s keeps it open",
      content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(implementation = LoopEvent.class)))
  @ApiResponse(responseCode = "404", description = "No such loop")
  @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(@PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
    reader.output(id);
    return events.subscribe(id, eventId(lastEventId));
  }

  /** What the running step has printed so far (heartbeat details of its activity), from whichever worker runs it. */
  @Operation(operationId = "getLoopOutput", summary = "The running step's output tail, live (from its activity's heartbeat details)")
  @ApiResponse(responseCode = "200", description = "The running step's output, or running: false")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @GetMapping("/{id}/output")
  LoopOutput output(@PathVariable String id) {
    return reader.output(id);
  }

  private static Long eventId(String header) {
    if (header == null || !header.strip().matches("[0-9]{1,18}")) {
      return null;
    }
    return Long.parseLong(header.strip());
  }

  /**
   * Approves or rejects the pending attempt (the {@code decide} Update): 200 with the result. When
   * no worker is up it is sent as the {@code decision} Signal instead: 202.
   */
  @Operation(operationId = "decide", summary = "Approve or reject the pending attempt (the 'decide' Update)")
  @ApiResponse(responseCode = "200", description = "Recorded", content = @Content(schema = @Schema(implementation = DecisionResult.class)))
  @ApiResponse(responseCode = "202", description = "No worker is up: sent as the 'decision' Signal",
      content = @Content(schema = @Schema(implementation = Accepted.class)))
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended, nothing is pending, or the diff hash is not the pending attempt's")
  @PostMapping(path = "/{id}/decision", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> decide(@PathVariable String id, @Valid @RequestBody Decision decision) {
    DecisionResult result = commands.decide(id, decision);
    if (result == null) {
      return accepted(id, "no worker is up; the decision was sent as the 'decision' signal and applies when a worker "
          + "returns (it is ignored if it does not name the pending attempt)");
    }
    return ResponseEntity.ok(result);
  }

  /**
   * Extends the budget of a loop {@code AWAITING_BUDGET} (the {@code extend} Update): 200 with the
   * budget; 202 when no worker is up (sent as the {@code extendBudget} Signal); 409 when the loop is
   * not waiting for one or the new limits leave it at its cap.
   */
  @Operation(operationId = "extendBudget", summary = "Extend the budget of a loop waiting for it: new maxIterations, maxDuration and/or maxCostUsd (the 'extend' Update)")
  @ApiResponse(responseCode = "200", description = "Extended", content = @Content(schema = @Schema(implementation = Budget.class)))
  @ApiResponse(responseCode = "202", description = "No worker is up: sent as the 'extendBudget' Signal",
      content = @Content(schema = @Schema(implementation = Accepted.class)))
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended, is not waiting for a budget, or the new limits leave it at its cap")
  @PostMapping(path = "/{id}/extend", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> extend(@PathVariable String id, @Valid @RequestBody BudgetExtension extension) {
    Budget budget = commands.extend(id, extension);
    if (budget == null) {
      return accepted(id, "no worker is up; the extension was sent as the 'extendBudget' signal and applies when a worker returns");
    }
    return ResponseEntity.ok(budget);
  }

  /**
   * Rolls the loop back to checkpoint N (the {@code rollback} Update): 200 once the workspace and
   * state are back; 409 when the checkpoint does not exist or the loop has ended.
   */
  @Operation(operationId = "rollbackLoop", summary = "Roll back to checkpoint N, state and workspace together (the 'rollback' Update)")
  @ApiResponse(responseCode = "200", description = "Rolled back")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended or has no such checkpoint")
  @PostMapping(path = "/{id}/rollback", consumes = MediaType.APPLICATION_JSON_VALUE)
  RollbackResult rollback(@PathVariable String id, @Valid @RequestBody RollbackRequest request) {
    return commands.rollback(id, request);
  }

  /** Starts a new loop from checkpoint N of this one: 201 like a start. */
  @Operation(operationId = "forkLoop", summary = "Start a new loop from checkpoint N of this one")
  @ApiResponse(responseCode = "201", description = "Started; Location is the new loop's URL")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has no such checkpoint, or every loop id the name allows is taken")
  @PostMapping(path = "/{id}/fork", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<StartResponse> fork(@PathVariable String id, @Valid @RequestBody ForkRequest request) {
    StartResponse started = forks.fork(id, request);
    return ResponseEntity.created(URI.create(started.links().get("self"))).body(started);
  }

  /** Starts a new loop from attempt K of best-of-N iteration N of this one (a loser too): 201 like a start. */
  @Operation(operationId = "forkAttempt", summary = "Start a new loop from attempt K of best-of-N iteration N of this one")
  @ApiResponse(responseCode = "201", description = "Started; Location is the new loop's URL")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has no such finished attempt, or every loop id the name allows is taken")
  @PostMapping(path = "/{id}/attempts/{n}/{k}/fork")
  ResponseEntity<StartResponse> forkAttempt(@PathVariable String id, @PathVariable int n, @PathVariable int k,
      @Valid @RequestBody(required = false) AttemptForkRequest request) {
    StartResponse started = forks.forkAttempt(id, n, k, request == null ? null : request.name());
    return ResponseEntity.created(URI.create(started.links().get("self"))).body(started);
  }

  /** Pauses the loop before its next iteration: 202. */
  @Operation(operationId = "pauseLoop", summary = "Pause the loop before its next iteration (Signal)")
  @ApiResponse(responseCode = "202", description = "Requested")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended")
  @PostMapping("/{id}/pause")
  ResponseEntity<Accepted> pause(@PathVariable String id) {
    commands.pause(id);
    return accepted(id, "pause requested; the loop pauses before its next iteration");
  }

  /** Resumes a paused loop: 202. */
  @Operation(operationId = "resumeLoop", summary = "Resume a paused loop (Signal)")
  @ApiResponse(responseCode = "202", description = "Requested")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended")
  @PostMapping("/{id}/resume")
  ResponseEntity<Accepted> resume(@PathVariable String id) {
    commands.resume(id);
    return accepted(id, "resume requested");
  }

  /** Cancels the loop (Temporal cancellation; the running step's process group is killed): 202. */
  @Operation(operationId = "cancelLoop", summary = "Cancel the loop; the running step's processes are killed")
  @ApiResponse(responseCode = "202", description = "Requested")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended")
  @PostMapping("/{id}/cancel")
  ResponseEntity<Accepted> cancel(@PathVariable String id) {
    commands.cancel(id);
    return accepted(id, "cancellation requested");
  }

  /** Adds a human note to the loop's memory: 202. */
  @Operation(operationId = "addNote", summary = "Add a human note to the loop's memory (Signal)")
  @ApiResponse(responseCode = "202", description = "Requested")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @ApiResponse(responseCode = "409", description = "The loop has ended")
  @PostMapping(path = "/{id}/notes", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Accepted> note(@PathVariable String id, @Valid @RequestBody NoteRequest note) {
    commands.addNote(id, note);
    return accepted(id, "note added; it reaches the maker from the next iteration on");
  }

  /** The diff of checkpoint N against its parent, as {@code text/x-diff}. */
  @Operation(operationId = "getCheckpointDiff", summary = "The diff of checkpoint N against its parent, from the git store")
  @ApiResponse(responseCode = "200", description = "The diff (raw bytes, UTF-8 text)",
      content = @Content(mediaType = "text/x-diff", schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "No such loop, or the git store has no such diff")
  @GetMapping(path = "/{id}/checkpoints/{n}/diff", produces = "text/x-diff")
  String diff(@PathVariable String id, @PathVariable int n) {
    return diffs.checkpoint(id, n);
  }

  /** The diff of iteration N's attempt against the checkpoint it started from, as {@code text/x-diff}. */
  @Operation(operationId = "getAttemptDiff", summary = "The diff of iteration N's attempt against the checkpoint it started from, from the git store")
  @ApiResponse(responseCode = "200", description = "The diff (raw bytes, UTF-8 text)",
      content = @Content(mediaType = "text/x-diff", schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "No such loop, or the git store has no such diff")
  @GetMapping(path = "/{id}/attempts/{n}/diff", produces = "text/x-diff")
  String attemptDiff(@PathVariable String id, @PathVariable int n) {
    return diffs.attempt(id, n);
  }

  /**
   * The diff of attempt K of iteration N (an iteration of several attempts, {@code make.attempts})
   * against the checkpoint it started from, as {@code text/x-diff}.
   */
  @Operation(operationId = "getBestOfNAttemptDiff", summary = "The diff of attempt K of iteration N (best-of-N) against the checkpoint it started from, from the git store")
  @ApiResponse(responseCode = "200", description = "The diff (raw bytes, UTF-8 text)",
      content = @Content(mediaType = "text/x-diff", schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "No such loop, or the git store has no such diff")
  @GetMapping(path = "/{id}/attempts/{n}/{k}/diff", produces = "text/x-diff")
  String attemptDiff(@PathVariable String id, @PathVariable int n, @PathVariable int k) {
    return diffs.attempt(id, n, k);
  }

  /** The names of the loop's step logs (e.g. {@code iter-0003-make.log}), from the git store. */
  @Operation(operationId = "listLogs", summary = "The names of the loop's step logs, from the git store")
  @ApiResponse(responseCode = "200", description = "The log names, e.g. iter-0003-make.log")
  @ApiResponse(responseCode = "404", description = "No such loop")
  @GetMapping("/{id}/logs")
  List<String> logs(@PathVariable String id) {
    return logs.list(id);
  }

  /** One step log as {@code text/plain} (its last 1 MiB), from the git store. */
  @Operation(operationId = "getLog", summary = "One step log (its last 1 MiB), from the git store")
  @ApiResponse(responseCode = "200", description = "The log's last 1 MiB (raw bytes, UTF-8 text)",
      content = @Content(mediaType = MediaType.TEXT_PLAIN_VALUE, schema = @Schema(type = "string", format = "binary")))
  @ApiResponse(responseCode = "404", description = "No such loop, or the git store has no such log")
  @GetMapping(path = "/{id}/logs/{name}", produces = MediaType.TEXT_PLAIN_VALUE)
  byte[] log(@PathVariable String id, @PathVariable String name) {
    return logs.read(id, name);
  }

  private static ResponseEntity<Accepted> accepted(String id, String message) {
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Accepted(id, message));
  }
}
