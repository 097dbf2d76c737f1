package dev.durableloops.api;

/** A loop spec that is well-formed but not allowed here; answered 400 naming the field. */
public final class SpecRejectedException extends RuntimeException {

  private final String field;

  public SpecRejectedException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
