package dev.durableloops.api;

/** A request the loop's current state refuses (nothing pending, loop ended); answered 409. */
class LoopConflictException extends RuntimeException {
  LoopConflictException(String message) {
    super(message);
  }
}
