package dev.durableloops.bench;

import static dev.durableloops.bench.Bench.median;

import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The rows measured on the packaged app itself ({@code --app-jar}): crash recovery and a lost
 * worker ({@link Recovery}), start-up with and without CDS ({@link Startup}), the latency a person
 * feels ({@link Latency}) and the Temporal calls of open loop pages ({@link Events}); each runs when
 * {@code only} is empty or names it.
 */
final class AppBenches {

  private AppBenches() {}

  static void run(Bench bench, List<String> only, boolean smoke, Path appJar, String target, Path data, WorkflowClient client)
      throws Exception {
    boolean recovery = only.isEmpty() || only.contains("recovery");
    boolean startup = only.isEmpty() || only.contains("startup");
    Startup.Image image = recovery || startup ? Startup.prepare(appJar, data.resolve("image")) : null;
    if (recovery) {
      List<Double> restarts = Recovery.trials(image, target, data.resolve("recovery"), client, smoke ? 1 : 5);
      bench.row("crash recovery: app SIGKILLed during Make → Make running again", "s", restarts,
          restarts.size() + " trials; the app started as the image starts it (extracted, CDS archive, " + Startup.JIT + "); includes the new JVM's start;"
              + " the restarted worker hands the step back");
      bench.row("crash recovery: restarted app up (HTTP answers, worker polling) → Make running again", "s",
          Recovery.fromWorkerUp, String.format(Locale.ROOT,
              "the same trials without the JVM's start; %d of %d handed back (in the others the JVM took longer than the heartbeat timeout)",
              Recovery.handedBack, restarts.size()));
      for (String heartbeatTimeout : new String[] {null, "3s"}) {
        String with = heartbeatTimeout == null ? "" : " (DURABLE_LOOPS_HEARTBEAT_TIMEOUT=" + heartbeatTimeout + ")";
        List<Double> lost = Recovery.lostTrials(image, target, data.resolve("recovery-lost" + (heartbeatTimeout == null ? "" : "-" + heartbeatTimeout)),
            client, smoke ? 1 : 5, heartbeatTimeout);
        bench.row("lost worker" + with + ": app running Make SIGKILLed, not restarted → Make running on the other app", "s", lost,
            lost.size() + " trials; two apps started as the image starts them, own data directories, one git store; both up before the loop");
        Recovery.lostStages.forEach((stage, values) -> bench.row("lost worker" + with + ": " + stage, "s", values,
            "from the histories of the same trials"));
      }
    }
    if (startup) {
      Startup.Result starts = Startup.measure(image, target, data.resolve("startup"), smoke ? 1 : 5);
      bench.row("start-up: the extracted app, process start → HTTP answering (workers polling)", "s", starts.plain(),
          starts.plain().size() + " starts, in turn with the two rows below");
      bench.row("start-up: the same with the CDS archive of a training run", "s", starts.cds(),
          String.format(Locale.ROOT, "with/without = %.2f", median(starts.cds()) / median(starts.plain())));
      bench.row("start-up: as the image starts it (CDS archive, " + Startup.JIT + ")", "s", starts.image(),
          String.format(Locale.ROOT, "image/plain = %.2f; deploy/Dockerfile, deploy/lib.sh APP_JAVA_OPTIONS",
              median(starts.image()) / median(starts.plain())));
    }
    if (only.isEmpty() || only.contains("latency")) {
      Latency.Result latency = Latency.measure(appJar, target, data.resolve("latency"), client, smoke ? 3 : 10);
      bench.row("latency: POST /api/loops → first step (Prepare) started", "ms", latency.start(),
          latency.start().size() + " loops through the app's HTTP API; target ≤ 1000 p50; the run's start → its first workflow task "
              + String.format(Locale.ROOT, "started p50 %.0f ms (about 0: eager start)", median(latency.firstWorkflowTask())));
      bench.row("latency: approval's HTTP response → next step (Checkpoint) started", "ms", latency.decision(),
          latency.decision().size() + " approvals; negative: the step started before the response arrived; target ≤ 100 p50");
      bench.row("latency: approval's HTTP request sent → next step started", "ms", latency.decisionFromRequest(),
          "the same approvals, from the request");
    }
    if (only.isEmpty() || only.contains("events")) {
      int pages = smoke ? 5 : 50;
      java.time.Duration window = java.time.Duration.ofSeconds(smoke ? 5 : 20);
      double[] calls = Events.callsPerSecond(appJar, target, data.resolve("events"), pages, window);
      bench.row("event streams: Temporal calls with " + pages + " loop pages open", "calls/s", List.of(calls[0]),
          String.format(Locale.ROOT, "%.1f calls/s with no page open; over %d s; temporal_request_total of the app", calls[1],
              window.toSeconds()));
    }
  }
}
