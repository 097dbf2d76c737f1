package dev.durableloops.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops start spec.json}: starts a loop from a loop spec file; prints its id and links. */
@Command(name = "start", description = "Start a loop from a loop spec file (JSON).")
final class StartCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "SPEC", description = "the loop spec, a JSON file")
  Path spec;

  @Override
  public Integer call() throws Exception {
    JsonNode started = cli.client().post("/api/loops", Files.readString(spec));
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(started);
    } else {
      printer.line("started " + Render.text(started, "id"));
      printer.line("  web: " + Render.text(started.get("links"), "web"));
      printer.line("  temporal: " + Render.text(started.get("links"), "temporal"));
    }
    return DurableLoopsCli.OK;
  }
}
