package dev.durableloops.api.loops;

import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The loops API ({@code /api/loops}); see DESIGN.md for the table of endpoints. Errors are RFC 9457
 * problem+json ({@link dev.durableloops.api.ApiExceptionHandler}).
 */
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
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<StartResponse> start(@Valid @RequestBody LoopSpec spec) {
    StartResponse started = starter.start(spec);
    return ResponseEntity.created(URI.create(started.links().get("self"))).body(started);
  }

  /** Lists loops, newest first; {@code ?status=AWAITING_APPROVAL} filters. */
  @GetMapping
  List<LoopSummary> list(@RequestParam(required = false) LoopStatus status) {
    return reader.list(status);
  }

  /** The loop's state. */
  @GetMapping("/{id}")
  LoopView get(@PathVariable String id) {
    return reader.get(id);
  }

  /** Server-sent events: a {@code state} event with the whole state whenever it changes. */
  @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(@PathVariable String id) {
    reader.get(id);
    return events.subscribe(id);
  }

  /**
   * Approves or rejects the pending attempt (the {@code decide} Update): 200 with the result. When
   * no worker is up it is sent as the {@code decision} Signal instead: 202.
   */
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
   * Rolls the loop back to checkpoint N (the {@code rollback} Update): 200 once the workspace and
   * state are back; 409 when the checkpoint does not exist or the loop has ended.
   */
  @PostMapping(path = "/{id}/rollback", consumes = MediaType.APPLICATION_JSON_VALUE)
  RollbackResult rollback(@PathVariable String id, @Valid @RequestBody RollbackRequest request) {
    return commands.rollback(id, request);
  }

  /** Starts a new loop from checkpoint N of this one: 201 like a start. */
  @PostMapping(path = "/{id}/fork", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<StartResponse> fork(@PathVariable String id, @Valid @RequestBody ForkRequest request) {
    StartResponse started = forks.fork(id, request);
    return ResponseEntity.created(URI.create(started.links().get("self"))).body(started);
  }

  /** Pauses the loop before its next iteration: 202. */
  @PostMapping("/{id}/pause")
  ResponseEntity<Map<String, String>> pause(@PathVariable String id) {
    commands.pause(id);
    return accepted(id, "pause requested; the loop pauses before its next iteration");
  }

  /** Resumes a paused loop: 202. */
  @PostMapping("/{id}/resume")
  ResponseEntity<Map<String, String>> resume(@PathVariable String id) {
    commands.resume(id);
    return accepted(id, "resume requested");
  }

  /** Cancels the loop (Temporal cancellation; the running step's process group is killed): 202. */
  @PostMapping("/{id}/cancel")
  ResponseEntity<Map<String, String>> cancel(@PathVariable String id) {
    commands.cancel(id);
    return accepted(id, "cancellation requested");
  }

  /** Adds a human note to the loop's memory: 202. */
  @PostMapping(path = "/{id}/notes", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, String>> note(@PathVariable String id, @Valid @RequestBody NoteRequest note) {
    commands.addNote(id, note);
    return accepted(id, "note added; it reaches the maker from the next iteration on");
  }

  /** The diff of checkpoint N against its parent, as {@code text/x-diff}. */
  @GetMapping(path = "/{id}/checkpoints/{n}/diff", produces = "text/x-diff")
  String diff(@PathVariable String id, @PathVariable int n) {
    return diffs.checkpoint(id, n);
  }

  /** The diff of iteration N's attempt against the checkpoint it started from, as {@code text/x-diff}. */
  @GetMapping(path = "/{id}/attempts/{n}/diff", produces = "text/x-diff")
  String attemptDiff(@PathVariable String id, @PathVariable int n) {
    return diffs.attempt(id, n);
  }

  /** The names of the loop's step logs (e.g. {@code iter-0003-make.log}), from the git store. */
  @GetMapping("/{id}/logs")
  List<String> logs(@PathVariable String id) {
    return logs.list(id);
  }

  /** One step log as {@code text/plain} (its last 1 MiB), from the git store. */
  @GetMapping(path = "/{id}/logs/{name}", produces = MediaType.TEXT_PLAIN_VALUE)
  byte[] log(@PathVariable String id, @PathVariable String name) {
    return logs.read(id, name);
  }

  private static ResponseEntity<Map<String, String>> accepted(String id, String message) {
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("id", id, "message", message));
  }
}
