package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/**
 * {@code durable-loops extend ID [--iterations N] [--duration PT2H] [--cost USD] [-m why]}: new
 * limits for a loop {@code AWAITING_BUDGET} (absolute, not increments; at least one).
 */
@Command(name = "extend", description = {"Extend the budget of a loop AWAITING_BUDGET: new limits, absolute, at least one."})
final class ExtendCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Option(names = "--iterations", paramLabel = "N", description = "the new iteration cap")
  Integer iterations;

  @Option(names = "--duration", paramLabel = "ISO", description = "the new wall-time budget from the loop's start, e.g. PT8H")
  String duration;

  @Option(names = "--cost", paramLabel = "USD", description = "the new cost cap in USD")
  Double cost;

  @Option(names = {"-m", "--reason"}, description = "why; kept in the timeline and the notes")
  String reason;

  @Override
  public Integer call() {
    var body = ApiClient.JSON.createObjectNode();
    if (iterations != null) {
      body.put("maxIterations", iterations.intValue());
    }
    if (duration != null) {
      body.put("maxDuration", duration);
    }
    if (cost != null) {
      body.put("maxCostUsd", cost.doubleValue());
    }
    if (reason != null) {
      body.put("reason", reason);
    }
    if (body.isEmpty() || (reason != null && body.size() == 1)) {
      throw new picocli.CommandLine.ParameterException(cli.spec.commandLine().getSubcommands().get("extend"),
          "give at least one new limit: --iterations, --duration or --cost");
    }
    JsonNode answer = cli.client().post("/api/loops/" + id + "/extend", body.toString());
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(answer);
    } else if (answer.has("limits")) {
      JsonNode limits = answer.get("limits");
      printer.line("extended " + id + ": at most " + Render.text(limits, "maxIterations") + " iterations, "
          + Render.text(limits, "maxDuration") + (limits.hasNonNull("maxCostUsd") ? ", " + Printer.usd(limits.get("maxCostUsd")) : "")
          + "; " + Render.text(answer, "iterations") + " used, " + Printer.usd(answer.get("costUsd")) + " spent");
    } else {
      printer.line(id + ": " + Render.text(answer, "message"));
    }
    return DurableLoopsCli.OK;
  }
}
