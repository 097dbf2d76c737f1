package dev.durableloops.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code durable-loops watch ID}: the loop's state, redrawn in place (ANSI clear) on every
 * server-sent {@code state} event until the loop ends.
 */
@Command(name = "watch", description = "Watch a loop live until it ends.")
final class WatchCommand implements Callable<Integer> {

  /** Moves the cursor home and clears the screen. */
  static final String CLEAR = "\u001b[H\u001b[2J";

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  @Override
  public Integer call() {
    boolean terminal = System.console() != null;
    cli.client().events(id, state -> {
      cli.out().print((terminal ? CLEAR : "") + Render.loop(state));
      cli.out().flush();
    });
    return 0;
  }
}
