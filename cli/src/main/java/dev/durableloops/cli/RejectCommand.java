package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code durable-loops reject ID -m why}: shows the pending attempt's diff, then rejects it (the loop tries again). */
@Command(name = "reject", description = "Show the pending attempt's diff and reject it; the next iteration reads why.")
final class RejectCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Option(names = {"-m", "--comment"}, description = "why; the loop's next reflection reads it")
  String comment;

  @Option(names = "--no-diff", description = "do not print the diff first")
  boolean noDiff;

  @Override
  public Integer call() {
    return Decide.decide(cli, spec.commandLine(), new Decide.Request(id, "REJECT", comment, noDiff, null, false));
  }
}
