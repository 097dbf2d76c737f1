package dev.durableloops.api;

import java.io.IOException;

/**
 * Thrown while reading a request body past {@code durable-loops.max-body-size}; answered 413
 * problem+json by {@link ApiExceptionHandler}.
 */
public final class BodyTooLargeException extends IOException {

  /**
   * @param max the cap, bytes
   */
  public BodyTooLargeException(long max) {
    super("the body is larger than " + max + " bytes");
  }
}
