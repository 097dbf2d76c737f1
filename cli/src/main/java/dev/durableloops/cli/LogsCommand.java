package dev.durableloops.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops logs ID [NAME]}: the loop's step logs, or one of them. */
@Command(name = "logs", description = "List a loop's step logs, or print one.")
final class LogsCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Parameters(index = "1", paramLabel = "NAME", arity = "0..1", description = "a log, e.g. iter-0001-make.log")
  String name;

  @Override
  public Integer call() {
    ApiClient api = cli.client();
    Printer printer = cli.printer();
    if (name == null) {
      JsonNode logs = api.get("/api/loops/" + id + "/logs");
      if (printer.json()) {
        printer.json(logs);
      } else {
        List<List<String>> rows = new ArrayList<>();
        logs.forEach(log -> rows.add(List.of(log.asString())));
        printer.table(List.of("LOG"), rows, null);
      }
    } else {
      // A log is text; -o does not apply.
      printer.out().print(api.text("GET", "/api/loops/" + id + "/logs/" + name, null));
      printer.out().flush();
    }
    return DurableLoopsCli.OK;
  }
}
