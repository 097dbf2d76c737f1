package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code durable-loops completion}: picocli's own completion script for bash and zsh (zsh through
 * {@code bashcompinit}), generated from the commands and options themselves.
 */
@Command(name = "completion", description = {"Print the shell completion script (bash and zsh).",
    "Load it with: source <(durable-loops completion)   (in ~/.bashrc or ~/.zshrc)"})
final class CompletionCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var root = spec.root().commandLine();
    root.getOut().print(AutoComplete.bash(spec.root().name(), root));
    root.getOut().flush();
    return DurableLoopsCli.OK;
  }
}
