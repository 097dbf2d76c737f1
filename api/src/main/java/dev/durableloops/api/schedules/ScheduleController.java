package dev.durableloops.api.schedules;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * {@code /api/schedules}: loops on a cadence, each a Temporal Schedule. Errors are problem+json
 * like the rest of the API: 400 naming the field, 404 for an unknown schedule, 409 for a taken name.
 */
@RestController
@ConditionalOnProperty(name = "durable-loops.serve-api", havingValue = "true", matchIfMissing = true)
@RequestMapping(path = "/api/schedules", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "schedules", description = "Start loops on a cadence (Temporal Schedules)")
class ScheduleController {

  private final LoopSchedules schedules;

  ScheduleController(LoopSchedules schedules) {
    this.schedules = schedules;
  }

  /** Creates a schedule: 201 with it, {@code Location} its URL. */
  @Operation(operationId = "createSchedule", summary = "Create a schedule that starts a loop from a spec on a cron expression or an interval")
  @ApiResponse(responseCode = "201", description = "Created; Location is the schedule's URL")
  @ApiResponse(responseCode = "409", description = "A schedule with that id exists")
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ScheduleView> create(@Valid @RequestBody ScheduleRequest request) {
    ScheduleView created = schedules.create(request);
    return ResponseEntity.created(URI.create(created.links().get("self"))).body(created);
  }

  @Operation(operationId = "listSchedules", summary = "List schedules with their next and recent runs")
  @ApiResponse(responseCode = "200", description = "The schedules")
  @GetMapping
  List<ScheduleView> list() {
    return schedules.list();
  }

  @Operation(operationId = "getSchedule", summary = "One schedule with its next and recent runs")
  @ApiResponse(responseCode = "200", description = "The schedule")
  @ApiResponse(responseCode = "404", description = "No such schedule")
  @GetMapping("/{id}")
  ScheduleView get(@PathVariable String id) {
    return schedules.get(id);
  }

  /** Pauses; the body's optional {@code note} says why. */
  @Operation(operationId = "pauseSchedule", summary = "Pause a schedule (body: optional {\"note\": \"why\"})")
  @ApiResponse(responseCode = "200", description = "Paused")
  @ApiResponse(responseCode = "404", description = "No such schedule")
  @PostMapping("/{id}/pause")
  ScheduleView pause(@PathVariable String id, @RequestBody(required = false) Map<String, String> body) {
    return schedules.pause(id, body == null ? null : body.get("note"));
  }

  @Operation(operationId = "unpauseSchedule", summary = "Unpause a schedule")
  @ApiResponse(responseCode = "200", description = "Unpaused")
  @ApiResponse(responseCode = "404", description = "No such schedule")
  @PostMapping("/{id}/unpause")
  ScheduleView unpause(@PathVariable String id) {
    return schedules.unpause(id);
  }

  @Operation(operationId = "triggerSchedule", summary = "Start a run now (the overlap policy applies)")
  @ApiResponse(responseCode = "200", description = "Triggered")
  @ApiResponse(responseCode = "404", description = "No such schedule")
  @PostMapping("/{id}/trigger")
  ScheduleView trigger(@PathVariable String id) {
    return schedules.trigger(id);
  }

  @Operation(operationId = "deleteSchedule", summary = "Delete a schedule; the loops it started stay")
  @ApiResponse(responseCode = "204", description = "Deleted")
  @ApiResponse(responseCode = "404", description = "No such schedule")
  @DeleteMapping("/{id}")
  ResponseEntity<Void> delete(@PathVariable String id) {
    schedules.delete(id);
    return ResponseEntity.noContent().build();
  }
}
