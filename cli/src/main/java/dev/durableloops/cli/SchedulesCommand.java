package dev.durableloops.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/**
 * {@code durable-loops schedules ...}: loops on a cadence ({@code /api/schedules}, each a Temporal
 * Schedule): list, show, create, pause, unpause, trigger, delete.
 */
@Command(name = "schedules", description = "Loops started on a cadence (Temporal Schedules).",
    subcommands = {SchedulesCommand.ListSchedules.class, SchedulesCommand.Show.class, SchedulesCommand.Create.class,
        SchedulesCommand.Pause.class, SchedulesCommand.Unpause.class, SchedulesCommand.Trigger.class, SchedulesCommand.Delete.class})
final class SchedulesCommand {

  @ParentCommand DurableLoopsCli cli;

  /** Prints one schedule: its JSON, or a few lines. */
  static void print(Printer printer, JsonNode s) {
    if (printer.json()) {
      printer.json(s);
      return;
    }
    StringBuilder out = new StringBuilder();
    out.append(printer.style("bold", Render.text(s, "id"))).append("  ")
        .append(s.path("paused").asBoolean() ? printer.status("PAUSED") : printer.style("green", "ACTIVE"))
        .append(" · ").append(cadence(s)).append(" · overlap ").append(Render.text(s, "overlap")).append('\n');
    out.append("  starts loop-").append(Render.text(s, "loopName")).append("-<time> on ").append(Render.text(s, "repository"))
        .append(": ").append(Render.text(s, "goal")).append('\n');
    if (!Render.text(s, "note").isEmpty()) {
      out.append("  note: ").append(Render.text(s, "note")).append('\n');
    }
    out.append("  runs ").append(Render.text(s, "runs")).append(", skipped ").append(Render.text(s, "skipped")).append('\n');
    for (JsonNode next : s.path("nextRuns")) {
      out.append("  next ").append(Render.instant(next.asString())).append('\n');
    }
    for (JsonNode run : s.path("recentRuns")) {
      out.append("  ran  ").append(Render.instant(Render.text(run, "startedAt"))).append("  ").append(Render.text(run, "loopId"))
          .append("  ").append(printer.status(Render.text(run, "status"))).append('\n');
    }
    printer.out().print(out);
    printer.out().flush();
  }

  static String cadence(JsonNode s) {
    return Render.text(s, "cron").isEmpty() ? "every " + Render.text(s, "interval") : "cron " + Render.text(s, "cron");
  }

  /** {@code schedules list}. */
  @Command(name = "list", description = "List schedules with their next run.")
  static final class ListSchedules implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Override
    public Integer call() {
      JsonNode schedules = group.cli.client().get("/api/schedules");
      Printer printer = group.cli.printer();
      if (printer.json()) {
        printer.json(schedules);
        return DurableLoopsCli.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : schedules) {
        JsonNode next = s.path("nextRuns").path(0);
        rows.add(List.of(Render.text(s, "id"), s.path("paused").asBoolean() ? "PAUSED" : "ACTIVE", cadence(s),
            next.isMissingNode() ? "" : Render.instant(next.asString()), Render.text(s, "runs"), Render.text(s, "goal")));
      }
      printer.table(List.of("ID", "STATE", "CADENCE", "NEXT RUN", "RUNS", "GOAL"), rows,
          Arrays.asList(null, (UnaryOperator<String>) printer::status, null, null, null, null));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules show ID}. */
  @Command(name = "show", description = "Show a schedule with its next and recent runs.")
  static final class Show implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(paramLabel = "ID", description = "the schedule id, e.g. schedule-nightly")
    String id;

    @Override
    public Integer call() {
      print(group.cli.printer(), group.cli.client().get("/api/schedules/" + id));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules create NAME SPEC (--cron C | --every ISO)}. */
  @Command(name = "create", description = "Create a schedule that starts a loop from a spec file on a cron expression or an interval.")
  static final class Create implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(index = "0", paramLabel = "NAME", description = "a slug; the schedule is schedule-NAME")
    String name;

    @Parameters(index = "1", paramLabel = "SPEC", description = "the loop spec each run starts, a JSON file")
    Path spec;

    /** Exactly one of the two. */
    static final class Cadence {
      @Option(names = "--cron", required = true, description = "a cron expression (UTC), e.g. \"0 6 * * 1-5\"")
      String cron;

      @Option(names = "--every", required = true, paramLabel = "ISO", description = "an ISO-8601 interval, e.g. PT6H")
      String interval;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Cadence cadence;

    @Option(names = "--overlap", description = "a run due while the last still runs: ${COMPLETION-CANDIDATES}; default SKIP")
    Overlap overlap;

    @Option(names = "--paused", description = "create it paused")
    boolean paused;

    @Option(names = "--note", description = "why it is paused, or anything to remember")
    String note;

    /** Temporal's overlap policies, as the API takes them. */
    enum Overlap { SKIP, BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER, ALLOW_ALL }

    @Override
    public Integer call() throws Exception {
      var body = ApiClient.JSON.createObjectNode().put("name", name);
      body.set("spec", ApiClient.JSON.readTree(Files.readString(spec)));
      if (cadence.cron != null) {
        body.put("cron", cadence.cron);
      } else {
        body.put("interval", cadence.interval);
      }
      if (overlap != null) {
        body.put("overlap", overlap.name());
      }
      if (paused) {
        body.put("paused", true);
      }
      if (note != null) {
        body.put("note", note);
      }
      print(group.cli.printer(), group.cli.client().post("/api/schedules", body.toString()));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules pause ID [-m why]}. */
  @Command(name = "pause", description = "Pause a schedule; no runs start until it is unpaused.")
  static final class Pause implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(paramLabel = "ID", description = "the schedule id")
    String id;

    @Option(names = {"-m", "--note"}, description = "why")
    String note;

    @Override
    public Integer call() {
      String body = note == null ? null : ApiClient.JSON.createObjectNode().put("note", note).toString();
      print(group.cli.printer(), group.cli.client().post("/api/schedules/" + id + "/pause", body));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules unpause ID}. */
  @Command(name = "unpause", description = "Unpause a schedule.")
  static final class Unpause implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(paramLabel = "ID", description = "the schedule id")
    String id;

    @Override
    public Integer call() {
      print(group.cli.printer(), group.cli.client().post("/api/schedules/" + id + "/unpause", null));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules trigger ID}. */
  @Command(name = "trigger", description = "Start a run now (the overlap policy applies).")
  static final class Trigger implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(paramLabel = "ID", description = "the schedule id")
    String id;

    @Override
    public Integer call() {
      print(group.cli.printer(), group.cli.client().post("/api/schedules/" + id + "/trigger", null));
      return DurableLoopsCli.OK;
    }
  }

  /** {@code schedules delete ID}. */
  @Command(name = "delete", description = "Delete a schedule; the loops it started stay.")
  static final class Delete implements Callable<Integer> {
    @ParentCommand SchedulesCommand group;

    @Parameters(paramLabel = "ID", description = "the schedule id")
    String id;

    @Override
    public Integer call() {
      group.cli.client().delete("/api/schedules/" + id);
      Printer printer = group.cli.printer();
      if (printer.json()) {
        printer.json(ApiClient.JSON.createObjectNode().put("id", id).put("deleted", true));
      } else {
        printer.line("deleted " + id + "; the loops it started stay");
      }
      return DurableLoopsCli.OK;
    }
  }
}
