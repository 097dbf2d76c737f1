package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops fork ID N [--name NAME]}: a new loop from checkpoint N. */
@Command(name = "fork", description = "Start a new loop from checkpoint N of a loop.")
final class ForkCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Parameters(index = "1", paramLabel = "N", description = "the checkpoint")
  int checkpoint;

  @Option(names = "--name", description = "the new loop's name (a slug)")
  String name;

  @Override
  public Integer call() {
    var body = ApiClient.JSON.createObjectNode().put("checkpoint", checkpoint);
    if (name != null) {
      body.put("name", name);
    }
    JsonNode started = cli.client().post("/api/loops/" + id + "/fork", body.toString());
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(started);
    } else {
      printer.line("forked " + id + " at checkpoint " + checkpoint + " as " + Render.text(started, "id"));
    }
    return DurableLoopsCli.OK;
  }
}
