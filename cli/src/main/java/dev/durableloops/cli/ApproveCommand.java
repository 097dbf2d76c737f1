package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code durable-loops approve ID}: shows the pending attempt's diff, asks, then approves exactly
 * that diff (its hash goes with the decision). {@code --yes} approves without asking; without it
 * and without a terminal to ask on, it is a usage error (exit 2).
 */
@Command(name = "approve", description = {"Show the pending attempt's diff, ask, and approve exactly that diff.",
    "Without a terminal to ask on, give --yes."})
final class ApproveCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Option(names = {"-m", "--comment"}, description = "a comment recorded with the decision")
  String comment;

  @Option(names = {"-y", "--yes"}, description = "approve without asking")
  boolean yes;

  @Option(names = "--no-diff", description = "do not print the diff first")
  boolean noDiff;

  @Option(names = "--attempt", paramLabel = "K",
      description = "in a best-of-N iteration, approve passing attempt K instead of the gate's pick")
  Integer attempt;

  @Override
  public Integer call() {
    return Decide.decide(cli, spec.commandLine(), new Decide.Request(id, "APPROVE", comment, noDiff, attempt, !yes));
  }
}
