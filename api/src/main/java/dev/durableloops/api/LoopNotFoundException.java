package dev.durableloops.api;

/** A loop id (or checkpoint) that does not exist; answered 404. */
public final class LoopNotFoundException extends RuntimeException {
  public LoopNotFoundException(String message) {
    super(message);
  }
}
