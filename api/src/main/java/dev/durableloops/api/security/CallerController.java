package dev.durableloops.api.security;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Arrays;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * {@code GET /api/me}: who the caller is and what it may do, so the page can put the decisions this
 * viewer can make first.
 */
@RestController
@ConditionalOnProperty(name = "durable-loops.serve-api", havingValue = "true", matchIfMissing = true)
@Tag(name = "caller")
class CallerController {

  /**
   * The authenticated caller.
   *
   * @param name the token's name ({@code api-token}, a named token, or the JWT subject)
   * @param roles the caller's roles among {@code VIEWER}, {@code OPERATOR}, {@code APPROVER}
   */
  record Caller(String name, List<String> roles) {}

  @Operation(operationId = "getCaller", summary = "Who the caller is and its roles")
  @ApiResponse(responseCode = "200", description = "The caller")
  @GetMapping(path = "/api/me", produces = MediaType.APPLICATION_JSON_VALUE)
  Caller me(Authentication authentication) {
    List<String> roles = authentication.getAuthorities().stream()
        .map(a -> a.getAuthority())
        .filter(a -> a.startsWith("ROLE_"))
        .map(a -> a.substring("ROLE_".length()))
        .filter(a -> Arrays.stream(Role.values()).anyMatch(r -> r.name().equals(a)))
        .sorted()
        .toList();
    return new Caller(authentication.getName(), roles);
  }
}
