package dev.durableloops.activities;

/**
 * A loop spec asks for what {@link SpecRules} does not allow: the field at fault and why, in words a
 * user can act on. The API answers it as a 400 problem naming the field; the worker's Prepare fails
 * the loop with it ({@code NOT_ALLOWED}, not retried).
 */
public class SpecRefusedException extends RuntimeException {

  private final String field;
  private final String reason;

  /**
   * @param field the spec field at fault, e.g. {@code passEnv[0]} or {@code env.TOKEN}
   * @param reason why, e.g. {@code names a platform variable}
   */
  public SpecRefusedException(String field, String reason) {
    super(field + " " + reason);
    this.field = field;
    this.reason = reason;
  }

  /** The spec field at fault. */
  public String field() {
    return field;
  }

  /** Why it is refused, without the field name. */
  public String reason() {
    return reason;
  }
}
