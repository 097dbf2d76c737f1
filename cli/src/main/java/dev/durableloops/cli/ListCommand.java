package dev.durableloops.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

/** {@code durable-loops list [--status S] [--repository R]}: loops, newest first, one row each under a header. */
@Command(name = "list", description = "List loops, newest first.")
final class ListCommand implements Callable<Integer> {

  @ParentCommand DurableLoopsCli cli;

  @Option(names = "--status", description = "only loops with this status, e.g. AWAITING_APPROVAL")
  String status;

  @Option(names = "--repository", description = "only loops on this repository (as started)")
  String repository;

  @Override
  public Integer call() {
    List<String> query = new ArrayList<>();
    if (status != null) {
      query.add("status=" + status.toUpperCase(Locale.ROOT));
    }
    if (repository != null) {
      query.add("repository=" + URLEncoder.encode(repository, StandardCharsets.UTF_8));
    }
    JsonNode loops = cli.client().get("/api/loops" + (query.isEmpty() ? "" : "?" + String.join("&", query)));
    Printer printer = cli.printer();
    if (printer.json()) {
      printer.json(loops);
      return DurableLoopsCli.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode loop : loops) {
      rows.add(List.of(Render.text(loop, "id"), Render.text(loop, "status"), Render.text(loop, "iteration"),
          Printer.usd(loop.get("costUsd")), Render.instant(Render.text(loop, "startedAt")), Render.text(loop, "goal")));
    }
    printer.table(List.of("ID", "STATUS", "ITER", "COST", "STARTED", "GOAL"), rows,
        java.util.Arrays.asList(null, (UnaryOperator<String>) printer::status, null, null, null, null));
    return DurableLoopsCli.OK;
  }
}
