package dev.durableloops.cli;

import picocli.CommandLine.Command;

/** {@code durable-loops cancel ID}: cancel a loop; its running step's processes are killed. */
@Command(name = "cancel", description = "Cancel a loop; its running step's processes are killed.")
final class CancelCommand extends SignalCommand {

  @Override
  String action() {
    return "cancel";
  }
}
