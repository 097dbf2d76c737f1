package dev.durableloops.api.loops;

import dev.durableloops.api.LoopsProperties;
import dev.durableloops.api.SpecRejectedException;

import dev.durableloops.activities.CommandPolicy;
import dev.durableloops.workflows.spec.LoopSpec;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * What a loop spec may ask for on this server, beyond its shape (Bean Validation checks that):
 *
 * <ul>
 *   <li>a local repository must be an absolute path that, with every symlink resolved, lies under
 *       the data directory or one of {@code durable-loops.allowed-roots}; {@code ..} segments and
 *       {@code file:} URLs are refused;
 *   <li>a remote repository must use an allowed scheme and name an allowed host;
 *   <li>the base branch must be a plain ref name;
 *   <li>check names must be unique, metric patterns must compile;
 *   <li>every {@code ${secret:NAME}} in {@code env} must be configured.
 * </ul>
 */
@Component
class SpecPolicy {

  private static final Pattern SCP_LIKE = Pattern.compile("^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!//).+");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._/-]{1,200}");

  private final LoopsProperties properties;
  private final List<Path> roots;

  SpecPolicy(LoopsProperties properties) {
    this.properties = properties;
    try {
      // The data directory is an allowed root even before anything else has created it.
      Files.createDirectories(properties.dataDir());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create the data directory " + properties.dataDir(), e);
    }
    List<Path> all = new ArrayList<>();
    all.add(properties.dataDir());
    all.addAll(properties.allowedRoots());
    this.roots = all.stream().map(SpecPolicy::real).filter(p -> p != null).toList();
  }

  /** @throws SpecRejectedException naming the field at fault */
  void check(LoopSpec spec) {
    noNul("goal", spec.goal());
    noNul("make.command", spec.make().command());
    for (int i = 0; i < spec.checks().size(); i++) {
      noNul("checks[" + i + "].command", spec.checks().get(i).command());
    }
    for (var step : Map.of("discover", java.util.Optional.ofNullable(spec.discover()), "plan", java.util.Optional.ofNullable(spec.plan()),
        "review", java.util.Optional.ofNullable(spec.review()), "reflect", java.util.Optional.ofNullable(spec.reflect())).entrySet()) {
      step.getValue().ifPresent(s -> noNul(step.getKey() + ".command", s.command()));
    }
    if (spec.env() != null) {
      spec.env().forEach((k, v) -> noNul("env." + k, v));
    }
    checkRepository(spec.workspace().repository());
    String branch = spec.workspace().branch();
    if (branch != null && !branch.isEmpty()
        && (!BRANCH.matcher(branch).matches() || branch.startsWith("-") || branch.startsWith("/") || branch.contains("..")
            || branch.endsWith("/") || branch.endsWith(".lock"))) {
      throw new SpecRejectedException("workspace.branch", "must be a plain branch name");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.checks().size(); i++) {
      var check = spec.checks().get(i);
      if (!names.add(check.name())) {
        throw new SpecRejectedException("checks[" + i + "].name", "'" + check.name() + "' is used by two checks");
      }
      if (check.metric() != null) {
        try {
          Pattern.compile(check.metric().pattern());
        } catch (RuntimeException e) {
          throw new SpecRejectedException("checks[" + i + "].metric.pattern", "is not a regular expression");
        }
      }
    }
    if (spec.env() != null) {
      for (Map.Entry<String, String> e : spec.env().entrySet()) {
        Matcher m = CommandPolicy.SECRET.matcher(e.getValue());
        while (m.find()) {
          if (!properties.secrets().containsKey(m.group(1))) {
            throw new SpecRejectedException("env." + e.getKey(), "names secret '" + m.group(1) + "', which is not configured");
          }
        }
      }
    }
  }

  /** Text that reaches a process as an argument or environment value cannot hold NUL. */
  private static void noNul(String field, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw new SpecRejectedException(field, "must not contain the NUL character");
    }
  }

  private void checkRepository(String repository) {
    String field = "workspace.repository";
    String lower = repository.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      throw new SpecRejectedException(field, "file: URLs are not accepted; give the absolute path");
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
          throw new SpecRejectedException(field, "is not a valid URL");
        }
      }
      if (!properties.allowedRemoteSchemes().contains(scheme)) {
        throw new SpecRejectedException(field, "scheme '" + scheme + "' is not allowed (durable-loops.allowed-remote-schemes)");
      }
      if (host == null || !properties.allowedRemoteHosts().contains(host.toLowerCase(Locale.ROOT))) {
        throw new SpecRejectedException(field, "host '" + host + "' is not allowed (durable-loops.allowed-remote-hosts)");
      }
      return;
    }
    Path path;
    try {
      path = Path.of(repository);
    } catch (RuntimeException e) {
      throw new SpecRejectedException(field, "is not a path");
    }
    if (!path.isAbsolute()) {
      throw new SpecRejectedException(field, "must be an absolute path or an allowed remote URL");
    }
    for (Path part : path) {
      if (part.toString().equals("..")) {
        throw new SpecRejectedException(field, "must not contain '..'");
      }
    }
    Path real = real(path);
    if (real == null || !Files.isDirectory(real)) {
      throw new SpecRejectedException(field, "no such directory");
    }
    if (roots.stream().noneMatch(real::startsWith)) {
      throw new SpecRejectedException(field, "is outside the allowed roots (the data directory and durable-loops.allowed-roots)");
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
