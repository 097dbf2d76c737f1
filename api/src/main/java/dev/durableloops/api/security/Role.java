package dev.durableloops.api.security;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a caller may do. Roles are granted one by one (an approver is not implicitly an operator),
 * so a reviewer can be given {@code VIEWER, APPROVER} and an automation {@code VIEWER, OPERATOR}.
 */
public enum Role {
  /** Read loops, their state, diffs, logs and events; decode payloads at the codec endpoint. */
  VIEWER,
  /** Start, pause, resume, cancel and fork loops, add notes. */
  OPERATOR,
  /** Decide on pending attempts, roll back. */
  APPROVER;

  /** Every role: what the API token of {@code durable-loops.api-token} / {@code <data>/api-token} has. */
  static final Set<Role> ALL = EnumSet.allOf(Role.class);

  /** The Spring Security authority, {@code ROLE_<name>}. */
  String authority() {
    return "ROLE_" + name();
  }
}
