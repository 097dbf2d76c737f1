package dev.durableloops.activities;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What step commands may see and produce. Commands start from an empty environment plus the
 * {@link #inherited} names of the worker's own environment, the names a spec lists in
 * {@code passEnv}, the spec's {@code env} (with {@code ${secret:NAME}} resolved from
 * {@link #secrets} here, at activity time, so secret values never enter Temporal history) and the
 * {@code LOOP_*} variables. Output beyond {@link #outputCapBytes} kills the command.
 *
 * @param outputCapBytes bytes of output (log and stdout files together) a command may write before
 *     it is killed; default {@value #DEFAULT_OUTPUT_CAP}
 * @param inherited names passed from the worker's environment to every command; default
 *     {@link #DEFAULT_INHERITED}
 * @param secrets secret values by name, from configuration ({@code durable-loops.secrets.*})
 * @param sandbox how commands are confined; default {@link Sandbox#standard()}
 * @param passable names besides {@code inherited} a spec's {@code passEnv} may name
 *     ({@code durable-loops.passable-env}); default none. A platform variable
 *     ({@link EnvRules#platformVariable}) is never passed, listed or not.
 */
public record CommandPolicy(long outputCapBytes, List<String> inherited, Map<String, String> secrets, Sandbox sandbox,
    List<String> passable) {

  /** A policy that passes nothing beyond {@code inherited}. */
  public CommandPolicy(long outputCapBytes, List<String> inherited, Map<String, String> secrets, Sandbox sandbox) {
    this(outputCapBytes, inherited, secrets, sandbox, List.of());
  }

  /** A policy with the {@link Sandbox#standard()} sandbox. */
  public CommandPolicy(long outputCapBytes, List<String> inherited, Map<String, String> secrets) {
    this(outputCapBytes, inherited, secrets, Sandbox.standard());
  }

  /** 64 MiB. */
  public static final long DEFAULT_OUTPUT_CAP = 64L << 20;

  /** What a shell and the usual agent CLIs need to run, and nothing secret. */
  public static final List<String> DEFAULT_INHERITED =
      List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR");

  /** {@code ${secret:NAME}} in an env value. */
  public static final Pattern SECRET = Pattern.compile("\\$\\{secret:([A-Za-z0-9_.-]+)}");

  /**
   * The defaults, with no secrets and {@link Sandbox#standard()}, made at the first call: finding
   * that sandbox starts processes (the sandbox runtime's server and a trial run, ~0.3 s on 2 cores),
   * which a worker whose policy comes from its configuration must not pay (it did, at every start,
   * while this was a constant: a class's static initializer runs at its first use).
   */
  public static CommandPolicy standard() {
    return Standard.POLICY;
  }

  /** Holds {@link #standard()}: initialized when first read (JLS 12.4.1), so only by its callers. */
  private static final class Standard {
    static final CommandPolicy POLICY = new CommandPolicy(DEFAULT_OUTPUT_CAP, DEFAULT_INHERITED, Map.of());
  }

  /**
   * The environment of a command, before the {@code LOOP_*} variables.
   *
   * @throws StepException {@code BAD_SPEC} naming a secret that is not configured; {@code NOT_ALLOWED}
   *     for a {@code passEnv} name that is a platform variable or neither inherited nor passable
   */
  Map<String, String> environment(Map<String, String> worker, List<String> passEnv, Map<String, String> specEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : inherited) {
      if (worker.containsKey(name) && !EnvRules.platformVariable(name)) {
        env.put(name, worker.get(name));
      }
    }
    for (String name : passEnv == null ? List.<String>of() : passEnv) {
      if (EnvRules.platformVariable(name) || !(inherited.contains(name) || passable.contains(name))) {
        throw new StepException(StepException.Kind.NOT_ALLOWED,
            "passEnv names '" + name + "', which this worker does not pass to steps (durable-loops.passable-env)");
      }
      if (worker.containsKey(name)) {
        env.put(name, worker.get(name));
      }
    }
    if (specEnv != null) {
      specEnv.forEach((name, value) -> env.put(name, resolve(name, value)));
    }
    return env;
  }

  private String resolve(String name, String value) {
    Matcher m = SECRET.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String secret = secrets.get(m.group(1));
      if (secret == null) {
        throw new StepException(StepException.Kind.BAD_SPEC,
            "env " + name + " names secret '" + m.group(1) + "', which is not configured (durable-loops.secrets." + m.group(1) + ")");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(secret));
    }
    m.appendTail(out);
    return out.toString();
  }
}
