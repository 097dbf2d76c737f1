package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code durable-loops show ID}: the loop's state at a glance. */
@Command(name = "show", description = "Show a loop's state.")
final class ShowCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id, e.g. loop-fix-slugify")
  String id;

  @Override
  public Integer call() {
    cli.out().print(Render.loop(cli.client().get("/api/loops/" + id)));
    return 0;
  }
}
