package dev.durableloops.api;

/** A request the loop's current state refuses (nothing pending, loop ended); answered 409. */
public final class LoopConflictException extends RuntimeException {
  public LoopConflictException(String message) {
    super(message);
  }
}
