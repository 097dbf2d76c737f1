package dev.durableloops.cli;

import picocli.CommandLine.Command;

/** {@code durable-loops pause ID}: pause a loop before its next iteration (the running step finishes). */
@Command(name = "pause", description = "Pause a loop before its next iteration (the running step finishes).")
final class PauseCommand extends SignalCommand {

  @Override
  String action() {
    return "pause";
  }
}
