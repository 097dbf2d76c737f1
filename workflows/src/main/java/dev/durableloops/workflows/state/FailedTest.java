package dev.durableloops.workflows.state;

/**
 * A failing test read from a JUnit XML report.
 *
 * @param id {@code classname.name} (or {@code name} when the report has no class name)
 * @param message the failure or error message, first 500 characters
 */
public record FailedTest(String id, String message) {}
