package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops show ID}: the loop's state at a glance, or its JSON with {@code -o json}. */
@Command(name = "show", description = "Show a loop's state.")
final class ShowCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id, e.g. loop-fix-slugify")
  String id;

  @Override
  public Integer call() {
    JsonNode view = cli.client().get("/api/loops/" + id);
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(view);
    } else {
      printer.out().print(Render.loop(view, printer));
      printer.out().flush();
    }
    return DurableLoopsCli.OK;
  }
}
