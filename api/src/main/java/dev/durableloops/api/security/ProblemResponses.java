package dev.durableloops.api.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Refusals as problem+json: 401 (no or an unknown token, with {@code WWW-Authenticate: Bearer}) and
 * 403 (a known caller without the role). Logged with the method, path and caller, never the token.
 */
final class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e) throws IOException {
    boolean presented = request.getHeader("Authorization") != null;
    log.warn("refused {} {} from {}: {}", request.getMethod(), request.getRequestURI(), request.getRemoteAddr(),
        presented ? "unknown bearer token" : "no bearer token");
    response.setHeader("WWW-Authenticate", "Bearer");
    BodyLimitFilter.problem(response, HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
        "this API needs 'Authorization: Bearer <token>'; the token is in <data dir>/api-token unless configured");
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e) throws IOException {
    var caller = SecurityContextHolder.getContext().getAuthentication();
    String name = caller == null ? "?" : caller.getName();
    log.warn("refused {} {} to {}: missing role", request.getMethod(), request.getRequestURI(), name);
    BodyLimitFilter.problem(response, HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
        name + " may not " + request.getMethod() + " " + request.getRequestURI() + ": that needs the role " + needed(request));
  }

  private static String needed(HttpServletRequest request) {
    return EndpointRoles.needed(request).map(Role::name).orElse("none: no role may");
  }
}
