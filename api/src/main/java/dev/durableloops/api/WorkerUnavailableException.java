package dev.durableloops.api;

/** No worker polls the loop task queue, and the request cannot be answered without one; 503. */
class WorkerUnavailableException extends RuntimeException {
  WorkerUnavailableException(String message) {
    super(message);
  }
}
