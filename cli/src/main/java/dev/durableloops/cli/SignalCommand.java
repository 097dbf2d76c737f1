package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/**
 * A request the loop takes asynchronously ({@code POST /api/loops/{id}/<action>}, answered 202
 * with what happens next): prints {@code <id>: <the API's message>}, or the answer with
 * {@code -o json}.
 */
abstract class SignalCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  /** The path segment after the loop's URL, e.g. {@code pause}. */
  abstract String action();

  /** The JSON body, or {@code null} for none. */
  String body() {
    return null;
  }

  @Override
  public Integer call() {
    JsonNode answer = cli.client().post("/api/loops/" + id + "/" + action(), body());
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(answer);
    } else {
      printer.line(id + ": " + Render.text(answer, "message"));
    }
    return DurableLoopsCli.OK;
  }
}
