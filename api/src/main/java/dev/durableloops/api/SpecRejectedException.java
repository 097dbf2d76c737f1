package dev.durableloops.api;

/** A loop spec that is well-formed but not allowed here; answered 400 naming the field. */
class SpecRejectedException extends RuntimeException {

  private final String field;

  SpecRejectedException(String field, String message) {
    super(message);
    this.field = field;
  }

  String field() {
    return field;
  }
}
