package dev.durableloops.api.security;

import dev.durableloops.api.LoopsProperties;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DefaultOAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.OpaqueTokenAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security for the API, the codec endpoint and the pages.
 *
 * <ul>
 *   <li>{@code /api/**} and {@code /codec/**}: a bearer token, stateless, no cookies (so no CSRF):
 *       a named token ({@link NamedTokens}, the API token among them) or, when an OAuth2 resource
 *       server is configured ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri}), a JWT
 *       whose {@code roles} claim names the roles. The role each endpoint needs is the table in
 *       {@link EndpointRoles}; a request no row matches is refused. Refusals are 401 or 403
 *       problem+json ({@link ProblemResponses}).
 *   <li>The pages, {@code /v3/api-docs}, Swagger UI and {@code /actuator/**}: open (the pages send
 *       the token from their own storage; the management endpoints carry no loop data). Every
 *       response gets the security headers, the pages a content security policy that allows only
 *       this origin's scripts.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

  private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

  /** Only this origin's scripts, styles, images and connections (fetch and server-sent events). */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  @Bean
  @Order(1)
  SecurityFilterChain api(HttpSecurity http, AuthenticationManagerResolver<HttpServletRequest> managers) throws Exception {
    ProblemResponses problems = new ProblemResponses();
    http.securityMatcher("/api/**", "/codec/**")
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(auth -> {
          for (EndpointRoles.Rule rule : EndpointRoles.RULES) {
            auth.requestMatchers(rule.matchers()).hasRole(rule.role().name());
          }
          auth.anyRequest().denyAll();
        })
        .oauth2ResourceServer(o -> o.authenticationManagerResolver(managers).authenticationEntryPoint(problems))
        .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
        .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)));
    return http.build();
  }

  @Bean
  @Order(2)
  SecurityFilterChain open(HttpSecurity http) throws Exception {
    http.securityMatcher("/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html", "/actuator/**")
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
    return http.build();
  }

  @Bean
  @Order(3)
  SecurityFilterChain pages(HttpSecurity http) throws Exception {
    http.csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
        .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)));
    return http.build();
  }

  /**
   * Picks how to check a bearer token: as a JWT when a JWT decoder is configured and the token has
   * a JWT's three parts, else as a named token.
   */
  @Bean
  AuthenticationManagerResolver<HttpServletRequest> bearerManagers(NamedTokens tokens, ObjectProvider<JwtDecoder> jwt,
      LoopsProperties properties) {
    AuthenticationManager named = new OpaqueTokenAuthenticationProvider(introspector(tokens))::authenticate;
    JwtDecoder decoder = jwt.getIfAvailable();
    AuthenticationManager jwts = null;
    if (decoder != null) {
      JwtAuthenticationProvider provider = new JwtAuthenticationProvider(decoder);
      JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
      converter.setJwtGrantedAuthoritiesConverter(token -> authorities(token.getClaim(properties.jwtRolesClaim())));
      provider.setJwtAuthenticationConverter(converter);
      jwts = provider::authenticate;
      log.info("API accepts JWTs (roles from claim '{}') besides named tokens", properties.jwtRolesClaim());
    }
    AuthenticationManager jwtManager = jwts;
    return request -> {
      String header = request.getHeader("Authorization");
      String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
      return jwtManager != null && token.chars().filter(c -> c == '.').count() == 2 ? jwtManager : named;
    };
  }

  private static OpaqueTokenIntrospector introspector(NamedTokens tokens) {
    return token -> tokens.authenticate(token)
        .map(caller -> new DefaultOAuth2AuthenticatedPrincipal(caller.name(), Map.of("sub", caller.name()),
            caller.roles().stream().map(r -> (GrantedAuthority) new SimpleGrantedAuthority(r.authority())).toList()))
        .orElseThrow(() -> new BadOpaqueTokenException("unknown token"));
  }

  private static Collection<GrantedAuthority> authorities(Object claim) {
    if (!(claim instanceof Collection<?> names)) {
      return List.of();
    }
    return names.stream()
        .map(n -> Role.valueOf(n.toString().toUpperCase(Locale.ROOT)))
        .map(r -> (GrantedAuthority) new SimpleGrantedAuthority(r.authority()))
        .toList();
  }
}
