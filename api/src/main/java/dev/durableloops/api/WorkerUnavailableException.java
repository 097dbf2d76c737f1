package dev.durableloops.api;

/** No worker polls the loop task queue, and the request cannot be answered without one; 503. */
public final class WorkerUnavailableException extends RuntimeException {
  public WorkerUnavailableException(String message) {
    super(message);
  }
}
