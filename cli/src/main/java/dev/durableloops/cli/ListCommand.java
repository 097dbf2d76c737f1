package dev.durableloops.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops list [--status S]}: loops, newest first, one line each. */
@Command(name = "list", description = "List loops, newest first.")
final class ListCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Option(names = "--status", description = "only loops with this status, e.g. AWAITING_APPROVAL")
  String status;

  @Override
  public Integer call() {
    JsonNode loops = cli.client().get("/api/loops" + (status == null ? "" : "?status=" + status.toUpperCase(Locale.ROOT)));
    for (JsonNode loop : loops) {
      cli.out().printf("%-32s %-18s iteration %-4s %s%n", Render.text(loop, "id"), Render.text(loop, "status"),
          Render.text(loop, "iteration"), Render.text(loop, "goal"));
    }
    return 0;
  }
}
