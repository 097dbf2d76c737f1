package dev.durableloops.cli;

import java.io.Console;
import java.util.Locale;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The decision both {@code approve} and {@code reject} send, bound to the pending diff's hash. */
final class Decide {

  /** What a decision command was asked. */
  record Request(String id, String decision, String comment, boolean noDiff, Integer attempt, boolean confirm) {}

  private Decide() {}

  /**
   * The decision, on {@code attempt} of a best-of-N iteration when given (one of the passing
   * attempts the pending decision lists), else on the gate's pick. The diff is printed first
   * (unless {@code noDiff}, and not with {@code -o json}); with {@code confirm} the person at the
   * terminal is asked before it is sent, and without a terminal it is a usage error.
   *
   * @return {@link DurableLoopsCli#OK} when sent, {@link DurableLoopsCli#REFUSED} when there is
   *     nothing to decide or the person said no
   */
  static int decide(DurableLoopsCli cli, CommandLine self, Request r) {
    Console console = System.console();
    if (r.confirm() && console == null) {
      throw new CommandLine.ParameterException(self,
          r.decision().toLowerCase(Locale.ROOT) + " asks before it decides, and this is not a terminal: give --yes to "
              + r.decision().toLowerCase(Locale.ROOT) + " without asking");
    }
    ApiClient api = cli.client();
    Printer printer = cli.printer();
    String id = r.id();
    JsonNode view = api.get("/api/loops/" + id);
    JsonNode pending = view.get("pendingDecision");
    if (!view.path("live").asBoolean(true)) {
      // Without a worker the pending decision is not known: say so rather than "none".
      cli.spec.commandLine().getErr().println("durable-loops: the state of " + id + " is not live, so its pending decision is not known ("
          + Render.text(view, "message") + "); try again when a worker is up");
      return DurableLoopsCli.REFUSED;
    }
    if (pending == null || pending.isNull()) {
      cli.spec.commandLine().getErr().println("durable-loops: " + id + " has no pending decision");
      return DurableLoopsCli.REFUSED;
    }
    String iteration = Render.text(pending, "iteration");
    String diffHash = Render.text(pending, "diffHash");
    String diffStat = Render.text(pending, "diffStat");
    String diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/diff";
    String which = "iteration " + iteration;
    if (r.attempt() != null) {
      JsonNode chosen = null;
      for (JsonNode c : pending.path("attempts")) {
        if (c.path("attempt").asInt() == r.attempt()) {
          chosen = c;
        }
      }
      if (chosen == null) {
        cli.spec.commandLine().getErr().println(
            "durable-loops: iteration " + iteration + " of " + id + " has no passing attempt " + r.attempt() + " to decide on");
        return DurableLoopsCli.REFUSED;
      }
      diffHash = Render.text(chosen, "diffHash");
      diffStat = Render.text(chosen, "diffStat");
      diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/" + r.attempt() + "/diff";
      which += " attempt " + r.attempt();
    } else if (pending.path("attempts").isArray()) {
      // Best-of-N: the gate's pick is one of the listed attempts; its diff lives under its own ref.
      for (JsonNode c : pending.path("attempts")) {
        if (Render.text(c, "diffHash").equals(diffHash)) {
          diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/" + Render.text(c, "attempt") + "/diff";
        }
      }
    }
    if (!r.noDiff() && !printer.json()) {
      printer.out().print(Diffs.colour(api.text("GET", diffPath, null), printer));
      printer.out().flush();
    }
    String verb = r.decision().toLowerCase(Locale.ROOT);
    if (r.confirm()) {
      String answer = console.readLine("%s %s of %s (%s, diff %s)? [y/N] ", Character.toUpperCase(verb.charAt(0)) + verb.substring(1),
          which, id, diffStat, diffHash.substring(0, Math.min(12, diffHash.length())));
      if (answer == null || !answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
        cli.spec.commandLine().getErr().println("durable-loops: not " + verb + "d; nothing was sent");
        return DurableLoopsCli.REFUSED;
      }
    }
    ObjectNode body = ApiClient.JSON.createObjectNode().put("decision", r.decision()).put("diffHash", diffHash);
    if (r.attempt() != null) {
      body.put("attempt", r.attempt().intValue());
    }
    if (r.comment() != null) {
      body.put("comment", r.comment());
    }
    JsonNode answer = api.post("/api/loops/" + id + "/decision", body.toString());
    if (printer.json()) {
      printer.json(answer);
    } else {
      printer.line(verb + "d " + which + " of " + id + ": " + Render.text(answer, "message"));
    }
    return DurableLoopsCli.OK;
  }
}
