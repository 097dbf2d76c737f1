package dev.durableloops.api.rules;

import dev.durableloops.activities.SpecRefusedException;
import dev.durableloops.activities.SpecRules;
import dev.durableloops.api.LoopsProperties;
import dev.durableloops.api.SpecRejectedException;
import dev.durableloops.api.security.Caller;
import dev.durableloops.workflows.spec.LoopSpec;
import java.util.Collection;
import org.springframework.stereotype.Component;

/**
 * The API's side of the spec policy: the same rules the worker checks before a loop's first step
 * ({@link SpecRules}: repository roots and hosts, passEnv, secret grants by role and repository,
 * branch, check names, metric patterns), answered as a 400 naming the field.
 */
@Component
public class SpecPolicy {

  private final SpecRules rules;

  SpecPolicy(LoopsProperties properties) {
    this.rules = properties.specRules();
  }

  /**
   * Checks {@code spec} for the caller of the request in progress.
   *
   * @throws SpecRejectedException naming the field at fault
   */
  public void check(LoopSpec spec) {
    check(spec, Caller.current().roles());
  }

  /**
   * Checks {@code spec} for a loop started by someone with {@code roles}.
   *
   * @throws SpecRejectedException naming the field at fault
   */
  public void check(LoopSpec spec, Collection<String> roles) {
    try {
      rules.check(spec, roles);
    } catch (SpecRefusedException e) {
      throw new SpecRejectedException(e.field(), e.reason());
    }
  }
}
