package dev.durableloops.activities;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one list of environment variables the platform treats specially; {@code docs/security.md}
 * quotes it.
 *
 * <ul>
 *   <li><b>Platform variables</b> ({@link #platformVariable}): the platform's own settings and
 *       credentials and what steers the worker's JVM, git, ssh and the dynamic linker. A step never
 *       gets them from the worker: they are dropped from the inherited names and {@code passEnv}
 *       may not name them, whatever the worker's configuration lists.</li>
 *   <li><b>The environment of processes outside the sandbox</b> ({@link #outside}): the supervisor,
 *       {@code srt} (Node.js, its shells, {@code bwrap}, {@code socat}) and {@code bwrap} run before
 *       any confinement exists, so they get a fixed environment the worker builds from its own
 *       ({@link #OUTSIDE}), never a name or value from a spec. The step's own environment is handed
 *       over only inside the sandbox, by {@link StepEnvironment#LAUNCHER}. This is by construction, not by a
 *       deny list: there is no list of "host-steering" names ({@code PERL5OPT}, {@code LD_PRELOAD},
 *       {@code NODE_OPTIONS}, {@code BASH_ENV}…) to keep complete.</li>
 *   <li><b>Variables that redirect git</b> ({@link #GIT_REDIRECTING}): removed from the worker's
 *       own environment when it runs {@code git push}.</li>
 * </ul>
 *
 * <p>A spec's {@code env} may set any name, {@code LD_PRELOAD} or {@code PERL5OPT} included: its
 * values reach the sandboxed command alone, where they can do nothing the command could not do
 * itself.
 */
public final class EnvRules {

  private EnvRules() {}

  /**
   * Name prefixes of platform variables ({@code PREFIX} itself or {@code PREFIX_*}):
   * {@code DURABLE_LOOPS_*}, {@code DURABLELOOPS_*}, {@code TEMPORAL_*}, {@code SPRING_*},
   * {@code JAVA_*}, {@code JDK_*} (so {@code JDK_JAVA_OPTIONS}), {@code _JAVA_*}, {@code MAVEN_*},
   * {@code GIT_*}, {@code CATALINA_*}, {@code LD_*} (the dynamic linker: preloads, audit modules,
   * library paths).
   */
  public static final List<String> PLATFORM_PREFIXES = List.of("DURABLE_LOOPS", "DURABLELOOPS", "TEMPORAL", "SPRING", "JAVA", "JDK",
      "_JAVA", "MAVEN", "GIT", "CATALINA", "LD");

  /** Exact names of platform variables: the JVM's class path, the worker's ssh agent. */
  public static final Set<String> PLATFORM_NAMES = Set.of("CLASSPATH", "SSH_AUTH_SOCK", "SSH_AGENT_PID");

  /**
   * The names of the worker's own environment that processes outside the sandbox get (with the
   * worker's values, never a spec's): what finds programs, where the user's home and temporary
   * files are, and the locale.
   */
  public static final List<String> OUTSIDE = List.of("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL");

  /** Variables of the worker's environment that would point {@code git push} elsewhere than its own repository. */
  public static final List<String> GIT_REDIRECTING = List.of("GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
      "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES");

  /** Whether {@code name} is a platform variable (letter case ignored), which no step gets from the worker. */
  public static boolean platformVariable(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (PLATFORM_NAMES.contains(upper)) {
      return true;
    }
    for (String prefix : PLATFORM_PREFIXES) {
      if (upper.equals(prefix) || upper.startsWith(prefix + "_")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The fixed environment of a process outside the sandbox: the {@link #OUTSIDE} names from the
   * worker's {@code worker} environment ({@code PATH} defaults to {@code /usr/local/bin:/usr/bin:/bin},
   * {@code HOME} to {@code user.home}).
   */
  static Map<String, String> outside(Map<String, String> worker) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String name : OUTSIDE) {
      String value = worker.get(name);
      if (value != null && value.indexOf('\0') < 0) {
        env.put(name, value);
      }
    }
    env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.putIfAbsent("HOME", System.getProperty("user.home"));
    return env;
  }
}
