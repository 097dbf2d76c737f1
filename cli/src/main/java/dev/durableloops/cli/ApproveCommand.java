package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code durable-loops approve ID}: shows the pending attempt's diff, then approves exactly that diff. */
@Command(name = "approve", description = "Show the pending attempt's diff and approve it.")
final class ApproveCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Option(names = {"-m", "--comment"}, description = "a comment recorded with the decision")
  String comment;

  @Option(names = "--no-diff", description = "do not print the diff first")
  boolean noDiff;

  @Option(names = "--attempt", paramLabel = "K",
      description = "in a best-of-N iteration, approve passing attempt K instead of the gate's pick")
  Integer attempt;

  @Override
  public Integer call() {
    return Decide.decide(cli, id, "APPROVE", comment, noDiff, attempt);
  }
}
