package dev.durableloops.api.rules;

import dev.durableloops.api.LoopNotFoundException;
import dev.durableloops.api.LoopsProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rules of a repository that outlive a loop: kept by the API in {@code <data>/rules.json} (written
 * whole to a temporary file, then moved into place), given to every loop started on that
 * repository afterwards ({@code .loop/RULES.md} and its prompt). A loop keeps the rules it started
 * with; edits apply to later loops.
 */
@Component
public class RepositoryRules {

  /** Rules kept per repository at most. */
  static final int MAX_PER_REPOSITORY = 100;

  /**
   * One rule.
   *
   * @param id its id
   * @param repository the repository it applies to, as loops name it
   * @param text the rule, at most 2,000 characters
   * @param author who made it (the authenticated caller)
   * @param source where it came from, e.g. {@code note of loop-x} or {@code reflection 3 of loop-x}, or {@code null}
   * @param createdAt ISO-8601 instant
   * @param updatedAt ISO-8601 instant of the last edit
   * @param retired whether it no longer applies
   */
  record Rule(String id, String repository, String text, String author, String source, String createdAt, String updatedAt,
      boolean retired) {}

  private final Path file;
  private final JsonMapper json = JsonMapper.builder().build();
  /** Rules reach every later loop's prompt and history: configured secrets in them are replaced first. */
  private final dev.durableloops.activities.Redaction redaction;

  RepositoryRules(LoopsProperties properties) {
    this.redaction = new dev.durableloops.activities.Redaction(properties.secrets());
    this.file = properties.dataDir().toAbsolutePath().resolve("rules.json");
  }

  /** Every rule of {@code repository} (retired ones too), oldest first. */
  synchronized List<Rule> of(String repository) {
    return read().stream().filter(r -> r.repository().equals(repository)).toList();
  }

  /** The texts of {@code repository}'s rules in force, for a loop that starts. */
  public synchronized List<String> inForce(String repository) {
    return read().stream().filter(r -> r.repository().equals(repository) && !r.retired()).map(Rule::text).toList();
  }

  synchronized Rule add(String repository, String text, String author, String source) {
    List<Rule> rules = new ArrayList<>(read());
    if (rules.stream().filter(r -> r.repository().equals(repository) && !r.retired()).count() >= MAX_PER_REPOSITORY) {
      throw new dev.durableloops.api.LoopConflictException("repository " + repository + " has " + MAX_PER_REPOSITORY
          + " rules in force already; retire one first");
    }
    String now = Instant.now().toString();
    Rule rule = new Rule(UUID.randomUUID().toString().substring(0, 8), repository, redaction.apply(text.strip()), author, source, now, now,
        false);
    rules.add(rule);
    write(rules);
    return rule;
  }

  /**
   * Changes a rule's text ({@code null} keeps it) and whether it is retired ({@code null} keeps it).
   *
   * @throws LoopNotFoundException when there is no such rule
   */
  synchronized Rule edit(String id, String text, Boolean retired) {
    List<Rule> rules = new ArrayList<>(read());
    for (int i = 0; i < rules.size(); i++) {
      Rule r = rules.get(i);
      if (r.id().equals(id)) {
        Rule changed = new Rule(r.id(), r.repository(), text == null ? r.text() : redaction.apply(text.strip()), r.author(), r.source(), r.createdAt(),
            Instant.now().toString(), retired == null ? r.retired() : retired);
        rules.set(i, changed);
        write(rules);
        return changed;
      }
    }
    throw new LoopNotFoundException("no rule with id " + id);
  }

  private List<Rule> read() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return json.readValue(file.toFile(), new TypeReference<List<Rule>>() {});
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot read the rules in " + file + ": " + e.getMessage(), e);
    }
  }

  private void write(List<Rule> rules) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("rules.json.tmp");
      json.writeValue(tmp.toFile(), rules);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the rules to " + file, e);
    }
  }
}
