package dev.durableloops.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/**
 * {@code durable-loops watch ID}: the loop's state on every server-sent {@code state} event until
 * the loop ends, however long that takes (the stream is reopened with {@code Last-Event-ID} when it
 * breaks; {@link LoopStream}). On a terminal the screen is redrawn in place with the running
 * step's output below the state; elsewhere each state is printed in turn; with {@code -o json} each
 * state is one line of JSON. Exits with {@link #exitCode} of the loop's end.
 */
@Command(name = "watch", description = {"Watch a loop live until it ends; the exit code says how it ended.",
    "0 SUCCEEDED, 3 FAILED, 4 STALLED, 5 CAPPED, 6 CANCELLED; 1 when the API refuses."})
final class WatchCommand implements Callable<Integer> {

  /** Moves the cursor home and clears the screen. */
  static final String CLEAR = "\u001b[H\u001b[2J";

  /** Lines of the running step's output shown below the state on a terminal. */
  static final int TAIL_LINES = 15;

  @ParentCommand DurableLoopsCli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "the loop id")
  String id;

  private JsonNode state;
  private JsonNode output;

  /**
   * The exit code of a loop that ended with {@code status}: 0 {@code SUCCEEDED}, 3 {@code FAILED}
   * (also any end this CLI does not know), 4 {@code STALLED}, 5 {@code CAPPED}, 6 {@code CANCELLED}.
   */
  static int exitCode(String status) {
    return switch (status == null ? "" : status.toUpperCase(Locale.ROOT)) {
      case "SUCCEEDED" -> DurableLoopsCli.OK;
      case "STALLED" -> 4;
      case "CAPPED" -> 5;
      case "CANCELLED" -> 6;
      default -> 3;
    };
  }

  /** Whether the loop has ended: the workflow no longer runs (as the server decides when to close the stream). */
  static boolean ended(JsonNode view) {
    String temporalStatus = Render.text(view, "temporalStatus");
    return !temporalStatus.isEmpty() && !"RUNNING".equals(temporalStatus);
  }

  @Override
  public Integer call() {
    ApiClient api = cli.client();
    Printer printer = cli.printer();
    // The state first, from the plain API: an unknown loop is refused with the API's reason, and a
    // loop that has ended already is shown without opening a stream.
    state = api.get("/api/loops/" + id);
    draw(printer);
    if (!ended(state)) {
      LoopStream.follow(api, id, new LoopStream.Listener() {
        @Override
        public boolean state(JsonNode view) {
          state = view;
          draw(printer);
          return ended(view);
        }

        @Override
        public void output(JsonNode step) {
          output = step;
          if (printer.terminal() && !printer.json()) {
            draw(printer);
          }
        }

        @Override
        public void reconnecting(String why, String lastEventId) {
          var err = cli.spec.commandLine().getErr();
          err.println("durable-loops: " + why + "; reconnecting" + (lastEventId == null ? "" : " after event " + lastEventId));
          err.flush();
        }
      });
    }
    return exitCode(Render.text(state, "status"));
  }

  private void draw(Printer printer) {
    if (printer.json()) {
      printer.line(ApiClient.JSON.writeValueAsString(state));
      return;
    }
    StringBuilder screen = new StringBuilder();
    if (printer.terminal()) {
      screen.append(CLEAR);
    }
    screen.append(Render.loop(state, printer));
    if (printer.terminal() && output != null && output.path("running").asBoolean() && !ended(state)) {
      JsonNode step = output.path("output");
      screen.append('\n').append(printer.style("bold", Render.text(output, "activity")))
          .append(step.isObject() ? " · " + Render.text(step, "step") + " · " + Render.text(step, "status") + " · "
              + step.path("elapsedMillis").asLong() / 1000 + " s" : " · no output yet").append('\n');
      String tail = Render.text(step, "tail");
      String[] lines = tail.split("\n", -1);
      for (int i = Math.max(0, lines.length - TAIL_LINES); i < lines.length; i++) {
        screen.append(printer.style("faint", "  " + lines[i])).append('\n');
      }
    }
    printer.out().print(screen);
    printer.out().flush();
  }
}
