package dev.durableloops.api;

/** A loop id (or checkpoint) that does not exist; answered 404. */
class LoopNotFoundException extends RuntimeException {
  LoopNotFoundException(String message) {
    super(message);
  }
}
