package dev.durableloops.cli;

import picocli.CommandLine.Command;

/** {@code durable-loops resume ID}: resume a paused loop. */
@Command(name = "resume", description = "Resume a paused loop.")
final class ResumeCommand extends SignalCommand {

  @Override
  String action() {
    return "resume";
  }
}
