package dev.durableloops.api.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Which role each endpoint needs: the one table that both the security rules
 * ({@link SecurityConfiguration}) and the 403 message ({@link ProblemResponses}) read, so the role a
 * refusal names is the role the rule checked. The first rule whose method and path match decides;
 * a request no rule matches is refused.
 */
final class EndpointRoles {

  private EndpointRoles() {}

  /**
   * One row of the table.
   *
   * @param method the HTTP method, or {@code null} for any
   * @param patterns path patterns ({@code *} one segment, {@code **} any rest)
   * @param role the role needed
   */
  record Rule(HttpMethod method, List<String> patterns, Role role) {

    /** The request matchers of this row, one per pattern. */
    RequestMatcher[] matchers() {
      return patterns.stream().map(p -> PathPatternRequestMatcher.withDefaults().matcher(method, p)).toArray(RequestMatcher[]::new);
    }

    boolean matches(HttpServletRequest request) {
      for (RequestMatcher matcher : matchers()) {
        if (matcher.matches(request)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The table, in the order the rules are tried. */
  static final List<Rule> RULES = List.of(
      new Rule(HttpMethod.GET, List.of("/api/**"), Role.VIEWER),
      new Rule(HttpMethod.POST, List.of("/api/loops/*/decision", "/api/loops/*/rollback", "/api/loops/*/extend"), Role.APPROVER),
      new Rule(HttpMethod.POST, List.of("/api/**"), Role.OPERATOR),
      new Rule(HttpMethod.DELETE, List.of("/api/schedules/*"), Role.OPERATOR),
      new Rule(HttpMethod.PUT, List.of("/api/rules/*"), Role.OPERATOR),
      new Rule(null, List.of("/codec/**"), Role.VIEWER));

  /** The role {@code request} needs, or empty when no rule lets anyone make it. */
  static Optional<Role> needed(HttpServletRequest request) {
    return RULES.stream().filter(rule -> rule.matches(request)).map(Rule::role).findFirst();
  }
}
