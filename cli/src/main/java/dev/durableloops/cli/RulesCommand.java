package dev.durableloops.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/**
 * {@code durable-loops rules ...}: a repository's rules ({@code /api/rules}), given to every loop
 * started on it afterwards: list, add, set (edit, retire, restore).
 */
@Command(name = "rules", description = "Rules of a repository, given to every later loop on it.",
    subcommands = {RulesCommand.ListRules.class, RulesCommand.Add.class, RulesCommand.Set.class})
final class RulesCommand {

  @ParentCommand DurableLoopsCli cli;

  /** Whose rules: a repository, or the repository of a loop. */
  static final class Target {
    @Option(names = "--repository", required = true, description = "the repository, as loops name it")
    String repository;

    @Option(names = "--loop", required = true, paramLabel = "ID", description = "a loop whose repository it is")
    String loop;
  }

  static void print(Printer printer, JsonNode rule, String verb) {
    if (printer.json()) {
      printer.json(rule);
    } else {
      printer.line(verb + " " + Render.text(rule, "id") + (rule.path("retired").asBoolean() ? " (retired)" : "") + " of "
          + Render.text(rule, "repository") + ": " + Render.text(rule, "text"));
    }
  }

  /** {@code rules list (--repository R | --loop ID)}. */
  @Command(name = "list", description = "List a repository's rules, retired ones included.")
  static final class ListRules implements Callable<Integer> {
    @ParentCommand RulesCommand group;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Override
    public Integer call() {
      String query = target.repository != null ? "repository=" + URLEncoder.encode(target.repository, StandardCharsets.UTF_8)
          : "loop=" + URLEncoder.encode(target.loop, StandardCharsets.UTF_8);
      JsonNode rules = group.cli.client().get("/api/rules?" + query);
      Printer printer = group.cli.printer();
      if (printer.json()) {
        printer.json(rules);
        return DurableLoopsCli.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : rules) {
        rows.add(List.of(Render.text(r, "id"), r.path("retired").asBoolean() ? "RETIRED" : "IN FORCE", Render.text(r, "author"),
            Render.instant(Render.text(r, "updatedAt")), Render.text(r, "text")));
      }
      printer.table(List.of("ID", "STATE", "AUTHOR", "UPDATED", "TEXT"), rows,
          Arrays.asList(null, (UnaryOperator<String>) s -> printer.style(s.equals("RETIRED") ? "faint" : "green", s), null, null, null));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code rules add (--repository R | --loop ID) TEXT...}. */
  @Command(name = "add", description = "Make a rule of a repository.")
  static final class Add implements Callable<Integer> {
    @ParentCommand RulesCommand group;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "the rule (words are joined with spaces), at most 2,000 characters")
    List<String> words;

    @Option(names = "--source", description = "where it came from, e.g. a note or a reflection")
    String source;

    @Override
    public Integer call() {
      var body = ApiClient.JSON.createObjectNode().put("text", String.join(" ", words));
      if (target.repository != null) {
        body.put("repository", target.repository);
      } else {
        body.put("loop", target.loop);
      }
      if (source != null) {
        body.put("source", source);
      }
      print(group.cli.printer(), group.cli.client().post("/api/rules", body.toString()), "added");
      return DurableLoopsCli.OK;
    }
  }

  /** {@code rules set ID [--text T] [--retire | --restore]}. */
  @Command(name = "set", description = "Edit a rule's text, retire it, or bring it back.")
  static final class Set implements Callable<Integer> {
    @ParentCommand RulesCommand group;

    @Parameters(paramLabel = "ID", description = "the rule id")
    String id;

    @Option(names = "--text", description = "the new text")
    String text;

    /** At most one of the two. */
    static final class State {
      @Option(names = "--retire", required = true, description = "it no longer applies to new loops")
      boolean retire;

      @Option(names = "--restore", required = true, description = "it applies again")
      boolean restore;
    }

    @ArgGroup(exclusive = true)
    State state;

    @Override
    public Integer call() {
      if (text == null && state == null) {
        throw new picocli.CommandLine.ParameterException(group.cli.spec.commandLine().getSubcommands().get("rules")
            .getSubcommands().get("set"), "give --text, --retire or --restore");
      }
      var body = ApiClient.JSON.createObjectNode();
      if (text != null) {
        body.put("text", text);
      }
      if (state != null) {
        body.put("retired", state.retire);
      }
      print(group.cli.printer(), group.cli.client().put("/api/rules/" + id, body.toString()), "set");
      return DurableLoopsCli.OK;
    }
  }
}
