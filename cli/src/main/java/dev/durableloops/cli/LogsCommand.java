package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

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
    if (name == null) {
      api.get("/api/loops/" + id + "/logs").forEach(log -> cli.out().println(log.asString()));
    } else {
      cli.out().print(api.text("GET", "/api/loops/" + id + "/logs/" + name, null));
    }
    return 0;
  }
}
