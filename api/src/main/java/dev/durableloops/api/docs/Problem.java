package dev.durableloops.api.docs;

import io.swagger.v3.oas.annotations.media.Schema;
import java.net.URI;
import java.util.List;

/**
 * The body of every error, as the OpenAPI description shows it: Spring's {@code ProblemDetail}
 * (RFC 9457 {@code application/problem+json}) as the app serializes it, with the one property of
 * our own, {@code errors}. Documentation only: the app answers with {@code ProblemDetail}
 * ({@link dev.durableloops.api.ApiExceptionHandler}, and the 401/403/413 written by the security
 * filters); this record gives a generated client a typed model of that body.
 *
 * @param type the problem's stable type, {@code https://durable-loops.dev/problems/<name>} (for
 *     example {@code invalid-request}, {@code not-found}, {@code conflict}, {@code unauthorized},
 *     {@code forbidden}, {@code too-large}, {@code no-worker}, {@code temporal-unavailable}), or
 *     {@code about:blank} for an error Spring answers itself (405, 406, 415)
 * @param title a short summary of the type
 * @param status the HTTP status code
 * @param detail what went wrong in this case, in one sentence (never a stack trace)
 * @param instance the request path, when Spring sets it
 * @param errors 400 only: each field at fault, sorted by field
 */
@Schema(name = "Problem", description = "RFC 9457 problem details (Spring's ProblemDetail) of every error response")
public record Problem(
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uri", example = "https://durable-loops.dev/problems/not-found",
        description = "Stable problem type: https://durable-loops.dev/problems/<name>, or about:blank for an error Spring answers itself")
    URI type,
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Not found", description = "Short summary of the type") String title,
    @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "404", description = "The HTTP status code") int status,
    @Schema(example = "no loop with id loop-x", description = "What went wrong in this case") String detail,
    @Schema(description = "The request path, when set") String instance,
    @Schema(description = "400 only: each field at fault, sorted by field") List<InvalidField> errors) {

  /**
   * One field at fault in a 400.
   *
   * @param field the JSON path of the field in the request body ({@code caps.maxIterations},
   *     {@code checks[0].timeout}) or the name of the query or path parameter
   * @param message why it was refused ({@code must not be blank}, {@code unknown field}, …)
   */
  @Schema(name = "InvalidField", description = "A field of the request at fault")
  public record InvalidField(
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "caps.maxIterations",
          description = "JSON path of the body field, or the parameter's name") String field,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "must be greater than or equal to 1",
          description = "Why it was refused") String message) {}
}
