package dev.durableloops.api.loops;

import java.util.Map;

/**
 * The answer of {@code POST /api/loops}.
 *
 * @param id the loop id ({@code loop-<name>}, suffixed when taken)
 * @param runId the Temporal run id
 * @param links {@code self} (API), {@code web} (the page), {@code temporal} (the Temporal UI)
 */
public record StartResponse(String id, String runId, Map<String, String> links) {}
