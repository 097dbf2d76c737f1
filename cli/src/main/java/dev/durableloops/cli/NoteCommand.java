package dev.durableloops.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code durable-loops note ID TEXT...}: a human note in the loop's memory; the maker reads it from the next iteration on. */
@Command(name = "note", description = "Add a note to a loop's memory; the maker reads it from the next iteration on.")
final class NoteCommand extends SignalCommand {

  @Parameters(index = "1..*", paramLabel = "TEXT", description = "the note (words are joined with spaces), at most 10,000 characters")
  java.util.List<String> words;

  @Option(names = "--author", description = "who wrote it (default: the API records the caller)")
  String author;

  @Override
  String action() {
    return "notes";
  }

  @Override
  String body() {
    var body = ApiClient.JSON.createObjectNode().put("text", String.join(" ", words));
    if (author != null) {
      body.put("author", author);
    }
    return body.toString();
  }
}
