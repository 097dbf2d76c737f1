package dev.durableloops.api;

import dev.durableloops.activities.StepException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Every error as RFC 9457 problem+json with a stable {@code type} under {@value #TYPE_BASE}. Field
 * errors carry {@code errors: [{field, message}]} with the JSON path of the field
 * ({@code caps.maxIterations}, {@code checks[0].timeout}). No stack trace or internal message
 * reaches a client; unexpected errors are logged here and answered with a generic 500.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  /** Prefix of every problem type. */
  public static final String TYPE_BASE = "https://durable-loops.dev/problems/";

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

  /** Temporal's answers that mean "not now": the server is down, slow, or lacks the call. */
  private static final java.util.Set<io.grpc.Status.Code> TEMPORAL_UNAVAILABLE = java.util.Set.of(
      io.grpc.Status.Code.UNAVAILABLE, io.grpc.Status.Code.DEADLINE_EXCEEDED, io.grpc.Status.Code.UNIMPLEMENTED);

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<Map<String, String>> errors = new ArrayList<>();
    for (FieldError e : ex.getBindingResult().getFieldErrors()) {
      errors.add(Map.of("field", e.getField(), "message", String.valueOf(e.getDefaultMessage())));
    }
    ex.getBindingResult().getGlobalErrors()
        .forEach(e -> errors.add(Map.of("field", e.getObjectName(), "message", String.valueOf(e.getDefaultMessage()))));
    errors.sort((a, b) -> a.get("field").compareTo(b.get("field")));
    String detail = errors.isEmpty() ? "the request is invalid"
        : errors.get(0).get("field") + ": " + errors.get(0).get("message")
            + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "");
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail);
    problem.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(problem);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    String field = null;
    String reason = "the body is not valid JSON";
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof BodyTooLargeException tooLarge) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
            .body(problem(HttpStatus.CONTENT_TOO_LARGE, "too-large", "Request body too large", tooLarge.getMessage()));
      }
    }
    for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
      if (t instanceof JacksonException je) {
        field = path(je);
        String original = je.getOriginalMessage() == null ? "" : je.getOriginalMessage();
        if (original.startsWith("Unrecognized property") || original.contains("Unrecognized field")) {
          reason = "unknown field";
        } else if (!field.isEmpty()) {
          reason = "wrong type or value";
        }
        break;
      }
    }
    ProblemDetail problem =
        problem(HttpStatus.BAD_REQUEST, "unreadable-body", "Unreadable request body",
            field == null || field.isEmpty() ? reason : field + ": " + reason);
    if (field != null && !field.isEmpty()) {
      problem.setProperty("errors", List.of(Map.of("field", field, "message", reason)));
    }
    return ResponseEntity.badRequest().body(problem);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException ex) {
    ProblemDetail problem =
        problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", ex.getName() + ": invalid value");
    problem.setProperty("errors", List.of(Map.of("field", ex.getName(), "message", "invalid value")));
    return ResponseEntity.badRequest().body(problem);
  }

  @ExceptionHandler(SpecRejectedException.class)
  ResponseEntity<ProblemDetail> rejected(SpecRejectedException ex) {
    ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", ex.field() + ": " + ex.getMessage());
    problem.setProperty("errors", List.of(Map.of("field", ex.field(), "message", ex.getMessage())));
    return ResponseEntity.badRequest().body(problem);
  }

  @ExceptionHandler(LoopNotFoundException.class)
  ResponseEntity<ProblemDetail> notFound(LoopNotFoundException ex) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "not-found", "Not found", ex.getMessage()));
  }

  @ExceptionHandler(LoopConflictException.class)
  ResponseEntity<ProblemDetail> conflict(LoopConflictException ex) {
    return ResponseEntity.status(HttpStatus.CONFLICT).body(problem(HttpStatus.CONFLICT, "conflict", "Conflict", ex.getMessage()));
  }

  @ExceptionHandler(WorkerUnavailableException.class)
  ResponseEntity<ProblemDetail> noWorker(WorkerUnavailableException ex) {
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "no-worker", "No worker", ex.getMessage()));
  }

  @ExceptionHandler(StepException.class)
  ResponseEntity<ProblemDetail> store(StepException ex) {
    if (ex.kind() == StepException.Kind.COMMIT_MISSING) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "not-found", "Not found", ex.getMessage()));
    }
    log.warn("git store: {}", ex.getMessage());
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "store-unavailable", "Git store unavailable",
            "the git store cannot be read right now; try again"));
  }

  /**
   * A query string Tomcat cannot decode (an empty parameter name, broken percent-encoding) is the
   * caller's error, not the server's (found by {@code deploy/fuzz.sh}).
   */
  @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
  ResponseEntity<ProblemDetail> badQuery(org.apache.tomcat.util.http.InvalidParameterException ex) {
    return ResponseEntity.badRequest()
        .body(problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", "the query string is malformed"));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof io.grpc.StatusRuntimeException grpc && TEMPORAL_UNAVAILABLE.contains(grpc.getStatus().getCode())) {
        log.warn("Temporal did not answer: {}", grpc.getStatus());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "temporal-unavailable", "Temporal unavailable",
                "the Temporal server cannot answer this right now; try again"));
      }
    }
    log.error("unexpected error answering a request", ex);
    return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
        .body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error", "the server could not answer; see its log"));
  }

  static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create(TYPE_BASE + type));
    problem.setTitle(title);
    return problem;
  }

  private static String path(JacksonException e) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : e.getPath()) {
      if (ref.getPropertyName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
