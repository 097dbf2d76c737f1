package dev.durableloops.activities;

import dev.durableloops.workflows.spec.LoopSpec;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spec policy: what a loop spec may ask for on this installation, beyond its shape (Bean
 * Validation checks that). One source of truth: the API checks a spec with it when it is posted
 * (400 naming the field), and the worker checks it again in the loop's first step, Prepare, so a
 * loop started on Temporal directly gets the same answer ({@link LoopGuard}).
 *
 * <ul>
 *   <li>a local repository must be an absolute path that, with every symlink resolved, lies under one
 *       of the allowed roots (the data directory and {@code durable-loops.allowed-roots}); {@code ..}
 *       segments and {@code file:} URLs are refused;
 *   <li>a remote repository must use an allowed scheme and name an allowed host;
 *   <li>{@code make.attempts}, when {@code make.variants} are given too, must equal their number;
 *   <li>{@code fanOut} needs {@code discover} (its tasks are what fans out);
 *   <li>the base branch must be a plain ref name; check names must be unique, metric patterns must
 *       compile; commands and env values hold no NUL;
 *   <li>{@code passEnv} may name neither a platform variable ({@link #platformVariable}) nor
 *       anything outside the worker's inherited and passable names ({@code durable-loops.passable-env});
 *   <li>{@code sandbox.writable} paths must lie under the worker's writable roots
 *       ({@code durable-loops.sandbox.writable-roots}, default none); the worker checks the rest when
 *       it binds them (links, the data directory, {@code PATH} entries…: {@link Sandbox});
 *   <li>{@code env} may name any variable: its values reach only the sandboxed command
 *       ({@link EnvRules});
 *   <li>every {@code ${secret:NAME}} in {@code env} must be configured and granted to the loop: to one
 *       of its starter's roles and, when the grant lists repositories, to its repository
 *       ({@link SecretGrant}; a secret without a grant is usable only by loops an {@code APPROVER}
 *       started).
 * </ul>
 */
public final class SpecRules {

  /**
   * Who may use a secret ({@code durable-loops.secret-grants.<NAME>.*}).
   *
   * @param roles roles of whom a loop must have been started by for its spec to use the secret (any
   *     one of them); {@code null} or empty means {@link #DEFAULT_ROLES}
   * @param repositories repositories whose loops may use it: a URL exactly as the spec names it, or
   *     a local directory under which the repository (symlinks resolved) must lie; {@code null} or
   *     empty means every repository the policy allows
   */
  public record SecretGrant(List<String> roles, List<String> repositories) {

    /** The roles a secret without a grant, or a grant without roles, is usable by. */
    public static final List<String> DEFAULT_ROLES = List.of("APPROVER");

    /** The grant of a secret that has none configured: {@code APPROVER}-started loops, any repository. */
    public static final SecretGrant DEFAULT = new SecretGrant(DEFAULT_ROLES, List.of());

    List<String> rolesOrDefault() {
      return roles == null || roles.isEmpty() ? DEFAULT_ROLES : roles;
    }
  }

  /**
   * The worker's settings the rules read.
   *
   * @param roots directories local repositories must lie under (the data directory among them)
   * @param remoteHosts hosts remote repository URLs may name (lower case)
   * @param remoteSchemes URL schemes remote repositories may use
   * @param inheritedEnv names every command gets from the worker anyway; {@code passEnv} may repeat them
   * @param passableEnv further names {@code passEnv} may name ({@code durable-loops.passable-env})
   * @param secretNames the names of the configured secrets
   * @param secretGrants who may use which secret, by secret name
   * @param writableRoots directories a spec's {@code sandbox.writable} paths must lie under
   *     ({@code durable-loops.sandbox.writable-roots}); empty: none may be named. The worker checks
   *     the rest when it binds them ({@link Sandbox}: links, the data directory, {@code PATH}…)
   */
  public record Settings(List<Path> roots, List<String> remoteHosts, List<String> remoteSchemes, List<String> inheritedEnv,
      List<String> passableEnv, Set<String> secretNames, Map<String, SecretGrant> secretGrants, List<Path> writableRoots) {

    /** Settings with no writable roots. */
    public Settings(List<Path> roots, List<String> remoteHosts, List<String> remoteSchemes, List<String> inheritedEnv,
        List<String> passableEnv, Set<String> secretNames, Map<String, SecretGrant> secretGrants) {
      this(roots, remoteHosts, remoteSchemes, inheritedEnv, passableEnv, secretNames, secretGrants, List.of());
    }
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SpecRules.class);

  /** The roles a start grant can name. */
  static final Set<String> ROLES = Set.of("VIEWER", "OPERATOR", "APPROVER");

  private static final Pattern SCP_LIKE = Pattern.compile("^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!//).+");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._/-]{1,200}");

  private final Settings settings;
  private final List<Path> roots;

  /**
   * Rules over {@code settings}; roots that do not exist (yet) are left out. Settings that can
   * never take effect (a platform variable listed as passable, a grant naming no configured secret
   * or an unknown role) are logged as warnings: they fail closed.
   */
  public SpecRules(Settings settings) {
    this.settings = settings;
    this.roots = settings.roots().stream().map(SpecRules::real).filter(Objects::nonNull).toList();
    settings.passableEnv().stream().filter(SpecRules::platformVariable).forEach(name ->
        log.warn("durable-loops.passable-env lists {}, one of the platform's own variables: it is never passed to a step", name));
    settings.secretGrants().forEach((name, grant) -> {
      if (!settings.secretNames().contains(name)) {
        log.warn("durable-loops.secret-grants.{} names no configured secret (durable-loops.secrets.{})", name, name);
      }
      grant.rolesOrDefault().stream().filter(r -> !ROLES.contains(r)).forEach(r ->
          log.warn("durable-loops.secret-grants.{}.roles names '{}', which is not a role (VIEWER, OPERATOR, APPROVER)", name, r));
    });
  }

  /** Whether {@code name} is one of the platform's own variables ({@link EnvRules#platformVariable}), which no step may see. */
  public static boolean platformVariable(String name) {
    return EnvRules.platformVariable(name);
  }

  /**
   * Checks {@code spec} for a loop started by someone with {@code roles}.
   *
   * @param roles the starter's roles ({@code VIEWER}, {@code OPERATOR}, {@code APPROVER}); empty for
   *     a loop without a valid start grant
   * @throws SpecRefusedException naming the field at fault
   */
  public void check(LoopSpec spec, Collection<String> roles) {
    noNul("goal", spec.goal());
    noNul("make.command", spec.make().command());
    checkAttempts(spec.make());
    for (int i = 0; i < spec.checks().size(); i++) {
      noNul("checks[" + i + "].command", spec.checks().get(i).command());
    }
    Map<String, Optional<dev.durableloops.workflows.spec.StepSpec>> steps = new LinkedHashMap<>();
    steps.put("discover", Optional.ofNullable(spec.discover()));
    steps.put("plan", Optional.ofNullable(spec.plan()));
    steps.put("review", Optional.ofNullable(spec.review()));
    steps.put("reflect", Optional.ofNullable(spec.reflect()));
    steps.forEach((name, step) -> step.ifPresent(s -> noNul(name + ".command", s.command())));
    if (spec.env() != null) {
      spec.env().forEach((k, v) -> noNul("env." + k, v));
    }
    if (spec.fanOut() != null && spec.discover() == null) {
      throw new SpecRefusedException("fanOut", "needs discover: the tasks fanned out to child loops are the ones discover finds");
    }
    checkRepository(spec.workspace().repository());
    String branch = spec.workspace().branch();
    if (branch != null && !branch.isEmpty()
        && (!BRANCH.matcher(branch).matches() || branch.startsWith("-") || branch.startsWith("/") || branch.contains("..")
            || branch.endsWith("/") || branch.endsWith(".lock"))) {
      throw new SpecRefusedException("workspace.branch", "must be a plain branch name");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.checks().size(); i++) {
      var check = spec.checks().get(i);
      if (!names.add(check.name())) {
        throw new SpecRefusedException("checks[" + i + "].name", "'" + check.name() + "' is used by two checks");
      }
      if (check.metric() != null) {
        try {
          Pattern.compile(check.metric().pattern());
        } catch (RuntimeException e) {
          throw new SpecRefusedException("checks[" + i + "].metric.pattern", "is not a regular expression");
        }
      }
    }
    checkPassEnv(spec.passEnv());
    checkWritable(spec.sandbox() == null ? List.of() : spec.sandbox().normalized().writable());
    checkSecrets(spec, roles == null ? Set.of() : roles);
  }

  /**
   * {@code make.attempts} and {@code make.variants} given together must agree: one attempt per
   * variant. Each variant's command holds no NUL.
   */
  private static void checkAttempts(dev.durableloops.workflows.spec.MakeSpec make) {
    if (make.variants() == null) {
      return;
    }
    for (int i = 0; i < make.variants().size(); i++) {
      var variant = make.variants().get(i);
      noNul("make.variants[" + i + "].command", variant == null ? null : variant.command());
    }
    if (make.attempts() != null && make.attempts() != make.variants().size()) {
      throw new SpecRefusedException("make.attempts", "is " + make.attempts() + " but make.variants names "
          + make.variants().size() + " makers; give one attempt per variant, or leave attempts out");
    }
  }

  /** Each {@code sandbox.writable} path must lie under one of the worker's writable roots (by name; the worker resolves links). */
  private void checkWritable(List<String> writable) {
    List<Path> allowed = settings.writableRoots() == null ? List.of()
        : settings.writableRoots().stream().map(p -> p.toAbsolutePath().normalize()).toList();
    for (int i = 0; i < writable.size(); i++) {
      String entry = writable.get(i);
      String field = "sandbox.writable[" + i + "]";
      if (allowed.isEmpty()) {
        throw new SpecRefusedException(field, "names " + entry
            + ", but this worker allows no writable path outside the workspace (durable-loops.sandbox.writable-roots lists the directories it allows)");
      }
      Path path;
      try {
        path = Path.of(entry);
      } catch (RuntimeException e) {
        throw new SpecRefusedException(field, "is not a path");
      }
      if (!path.isAbsolute() || allowed.stream().noneMatch(path.normalize()::startsWith)) {
        throw new SpecRefusedException(field, "names " + entry + ", which is outside the worker's writable roots (durable-loops.sandbox.writable-roots)");
      }
    }
  }

  private void checkPassEnv(List<String> passEnv) {
    if (passEnv == null) {
      return;
    }
    for (int i = 0; i < passEnv.size(); i++) {
      String name = passEnv.get(i);
      if (name == null) {
        continue;
      }
      if (platformVariable(name)) {
        throw new SpecRefusedException("passEnv[" + i + "]", "names '" + name + "', one of the platform's own variables, which no step may see");
      }
      if (!settings.inheritedEnv().contains(name) && !settings.passableEnv().contains(name)) {
        throw new SpecRefusedException("passEnv[" + i + "]", "names '" + name
            + "', which this worker does not pass to steps (durable-loops.passable-env lists the names it does)");
      }
    }
  }

  private void checkSecrets(LoopSpec spec, Collection<String> roles) {
    if (spec.env() == null) {
      return;
    }
    for (Map.Entry<String, String> e : spec.env().entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      Matcher m = CommandPolicy.SECRET.matcher(e.getValue());
      while (m.find()) {
        String name = m.group(1);
        String field = "env." + e.getKey();
        if (!settings.secretNames().contains(name)) {
          throw new SpecRefusedException(field, "names secret '" + name + "', which is not configured");
        }
        SecretGrant grant = settings.secretGrants().getOrDefault(name, SecretGrant.DEFAULT);
        List<String> allowed = grant.rolesOrDefault();
        if (roles.stream().noneMatch(allowed::contains)) {
          throw new SpecRefusedException(field, "names secret '" + name + "', which only loops started by " + String.join(" or ", allowed)
              + " may use (durable-loops.secret-grants." + name + ".roles); this loop's starter has "
              + (roles.isEmpty() ? "no role" : "roles " + new TreeSet<>(roles)));
        }
        if (grant.repositories() != null && !grant.repositories().isEmpty()
            && grant.repositories().stream().noneMatch(r -> sameOrUnder(spec.workspace().repository(), r))) {
          throw new SpecRefusedException(field, "names secret '" + name + "', which loops on this repository may not use"
              + " (durable-loops.secret-grants." + name + ".repositories)");
        }
      }
    }
  }

  /** Whether {@code repository} is {@code allowed}, or a local directory under it (symlinks resolved). */
  private static boolean sameOrUnder(String repository, String allowed) {
    if (repository.equals(allowed)) {
      return true;
    }
    if (!allowed.startsWith("/") || !repository.startsWith("/")) {
      return false;
    }
    Path repo = real(Path.of(repository));
    Path root = real(Path.of(allowed));
    return repo != null && root != null && repo.startsWith(root);
  }

  /**
   * Checks a repository as the spec names it and returns what to reach it by: for a local path its
   * real path (every symlink resolved, now), for a remote URL the URL. Called when a loop starts and
   * again right before the worker pushes to it, so a directory swapped for a symlink after the start
   * does not lead outside the roots.
   *
   * @throws SpecRefusedException on {@code workspace.repository}
   */
  public String checkRepository(String repository) {
    String field = "workspace.repository";
    String lower = repository.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      throw new SpecRefusedException(field, "file: URLs are not accepted; give the absolute path");
    }
    Matcher scp = SCP_LIKE.matcher(repository);
    if (repository.contains("://") || scp.matches()) {
      String scheme;
      String host;
      if (scp.matches()) {
        scheme = "ssh";
        host = scp.group(1);
      } else {
        try {
          URI uri = new URI(repository);
          scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
          host = uri.getHost();
        } catch (URISyntaxException e) {
          throw new SpecRefusedException(field, "is not a valid URL");
        }
      }
      if (!settings.remoteSchemes().contains(scheme)) {
        throw new SpecRefusedException(field, "scheme '" + scheme + "' is not allowed (durable-loops.allowed-remote-schemes)");
      }
      if (host == null || !settings.remoteHosts().contains(host.toLowerCase(Locale.ROOT))) {
        throw new SpecRefusedException(field, "host '" + host + "' is not allowed (durable-loops.allowed-remote-hosts)");
      }
      return repository;
    }
    Path path;
    try {
      path = Path.of(repository);
    } catch (RuntimeException e) {
      throw new SpecRefusedException(field, "is not a path");
    }
    if (!path.isAbsolute()) {
      throw new SpecRefusedException(field, "must be an absolute path or an allowed remote URL");
    }
    for (Path part : path) {
      if (part.toString().equals("..")) {
        throw new SpecRefusedException(field, "must not contain '..'");
      }
    }
    Path real = real(path);
    if (real == null || !Files.isDirectory(real)) {
      throw new SpecRefusedException(field, "no such directory");
    }
    if (roots.stream().noneMatch(real::startsWith)) {
      throw new SpecRefusedException(field, "is outside the allowed roots (the data directory and durable-loops.allowed-roots)");
    }
    return real.toString();
  }

  /** Text that reaches a process as an argument or environment value cannot hold NUL. */
  private static void noNul(String field, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw new SpecRefusedException(field, "must not contain the NUL character");
    }
  }

  private static Path real(Path path) {
    try {
      return path.toAbsolutePath().toRealPath();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
