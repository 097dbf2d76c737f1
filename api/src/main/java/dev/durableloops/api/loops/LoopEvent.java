package dev.durableloops.api.loops;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * One server-sent event of {@code GET /api/loops/{id}/events}, as the OpenAPI description shows it.
 * Documentation only: {@link LoopEvents} writes each event as the {@code text/event-stream} lines
 * {@code id:}, {@code event:} and {@code data:} (one line of JSON), and sends a comment every 15 s.
 *
 * @param id the event's number; send it back as {@code Last-Event-ID} to resume after it
 * @param event {@code state} (data is a {@link LoopView}) or {@code output} (data is a
 *     {@link LoopOutput})
 * @param data the event's JSON
 * @param retry the reconnection time the server asks for, in ms ({@code retry:})
 */
@Schema(name = "LoopEvent", description = "One server-sent event of the loop's stream: the fields of its 'id:', 'event:' and 'data:' (and 'retry:') lines")
record LoopEvent(
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "12", description = "Send back as Last-Event-ID to resume after this event")
    String id,
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"state", "output"},
        description = "'state': data is a LoopView; 'output': data is a LoopOutput") String event,
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, oneOf = {LoopView.class, LoopOutput.class},
        description = "The event's JSON (one 'data:' line)") Object data,
    @Schema(example = "2000", description = "Reconnection time the server asks for, in ms ('retry:' line)") Long retry) {}
