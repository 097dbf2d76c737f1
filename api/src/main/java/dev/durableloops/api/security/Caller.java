package dev.durableloops.api.security;

import java.util.Set;
import java.util.TreeSet;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The authenticated caller of the request in progress: their name and roles ({@code VIEWER},
 * {@code OPERATOR}, {@code APPROVER}, from the {@code ROLE_*} authorities).
 *
 * @param name the caller's name; {@code null} without an authenticated caller
 * @param roles the caller's roles; empty without an authenticated caller
 */
public record Caller(String name, Set<String> roles) {

  /** The caller of the request this thread serves. */
  public static Caller current() {
    var authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication == null || !authentication.isAuthenticated()) {
      return new Caller(null, Set.of());
    }
    Set<String> roles = new TreeSet<>();
    for (GrantedAuthority a : authentication.getAuthorities()) {
      String authority = a.getAuthority();
      if (authority != null && authority.startsWith("ROLE_")) {
        roles.add(authority.substring("ROLE_".length()));
      }
    }
    return new Caller(authentication.getName(), Set.copyOf(roles));
  }
}
