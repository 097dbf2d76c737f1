package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops rollback ID N -m why}: state and workspace back to checkpoint N. */
@Command(name = "rollback", description = "Roll a loop back to checkpoint N (0 is its base commit).")
final class RollbackCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Parameters(index = "1", paramLabel = "N", description = "the checkpoint")
  int checkpoint;

  @Option(names = {"-m", "--reason"}, description = "why; it becomes a reflection")
  String reason;

  @Override
  public Integer call() {
    var body = ApiClient.JSON.createObjectNode().put("checkpoint", checkpoint);
    if (reason != null) {
      body.put("reason", reason);
    }
    JsonNode result = cli.client().post("/api/loops/" + id + "/rollback", body.toString());
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(result);
    } else {
      printer.line("rolled back " + id + " to checkpoint " + Render.text(result, "checkpoint") + "; abandoned " + result.get("rolledBack"));
    }
    return DurableLoopsCli.OK;
  }
}
