package dev.durableloops.bench;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Crash recovery time, {@link #trials} for a worker killed and restarted, {@link #lostTrials} for
 * one killed and not restarted while another is up. Restarted: the packaged app runs a loop whose maker sleeps; the app is killed with
 * SIGKILL while Make runs and started again; the figure is the time from the restart to the
 * interrupted step running again (its maker writing a new pid). The time the new JVM takes to start
 * is part of it, as it is for a person restarting the app; {@link #fromWorkerUp} leaves it out. The restarted
 * app has the same data directory, so the same worker id: it hands its previous life's step back.
 */
final class Recovery {

  private Recovery() {}

  /**
   * Seconds from each restarted app answering HTTP (its worker starts polling on the same event) to
   * the interrupted step running again, filled by {@link #trials}: the time issue 23 counts from "a
   * restarted worker's start", without the JVM's and Spring's start.
   */
  static final List<Double> fromWorkerUp = new ArrayList<>();

  /**
   * Trials in which the restarted app handed the step back itself (its log says so); in the others
   * the JVM started after the step's heartbeat timeout, which had retried it already.
   */
  static int handedBack;

  /**
   * @param image the app as the image runs it (extracted, with its CDS archive): the restarted app
   *     starts as a restarted container would
   */
  static List<Double> trials(Startup.Image image, String target, Path data, io.temporal.client.WorkflowClient client, int trials)
      throws Exception {
    List<Double> seconds = new ArrayList<>();
    String token = "bench-token-0123456789";
    Path repo = TestRepo.create(data.resolve("repo"), 5);
    HttpClient http = HttpClient.newHttpClient();
    for (int t = 0; t < trials; t++) {
      int port = freePort();
      // The maker writes its pid beside the workspace, which the sandbox forbids (and under it a
      // pid is the sandbox's own): this measurement runs with the process group and cgroup alone.
      Map<String, String> env = Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
          "DURABLE_LOOPS_DATA_DIR", data.resolve("app").toString(), "DURABLE_LOOPS_API_TOKEN", token,
          "DURABLE_LOOPS_ALLOWED_ROOTS", data.toString(), "DURABLE_LOOPS_SANDBOX_MODE", "NONE");
      Process app = start(image.javaArgs(), env, data.resolve("app-" + t + ".log"));
      awaitUp(http, port, token);
      String name = "recovery-" + t;
      String spec = """
          {"name": "%s", "goal": "g", "workspace": {"repository": "%s"},
           "make": {"command": "echo $$ > ../maker.pid; sleep 5"}, "checks": [{"name": "c", "command": "true"}]}
          """.formatted(name, repo);
      post(http, port, token, "/api/loops", spec);
      Path pid = data.resolve("app/loops/loop-" + name + "/maker.pid");
      String first = awaitPid(pid, null);
      app.destroyForcibly();
      app.waitFor(30, TimeUnit.SECONDS);
      long restart = System.nanoTime();
      Path againLog = data.resolve("app-" + t + "-again.log");
      Process again = start(image.javaArgs(), env, againLog);
      awaitUp(http, port, token, 50);
      long up = System.nanoTime();
      awaitPid(pid, first);
      long running = System.nanoTime();
      seconds.add((running - restart) / 1e9);
      fromWorkerUp.add((running - up) / 1e9);
      if (Files.readString(againLog).contains("step(s) of this worker's previous life")) {
        handedBack++;
      }
      // The trial's loop ends with it, so later apps on the same task queue do not take up its steps.
      client.newUntypedWorkflowStub("loop-" + name).terminate("bench trial over");
      again.destroyForcibly();
      again.waitFor(30, TimeUnit.SECONDS);
    }
    return seconds;
  }

  /**
   * Lost-worker trials: two apps with data directories and worker ids of their own and one git store
   * run a loop whose maker sleeps; the app running the maker is killed with SIGKILL and not started
   * again. The figure is the time from the kill to the maker running on the other app: the Make's
   * heartbeat timeout, the workflow moving the loop, the workspace prepared on the other worker and
   * Make started there. The apps start before the loop, so no JVM start is in it.
   *
   * @param heartbeatTimeout both apps' {@code DURABLE_LOOPS_HEARTBEAT_TIMEOUT} ({@code 3s}), or {@code null} for the default
   * @return seconds from each kill to the maker running on the other app
   */
  static List<Double> lostTrials(Startup.Image image, String target, Path data, io.temporal.client.WorkflowClient client, int trials,
      String heartbeatTimeout) throws Exception {
    lostStages.clear();
    List<Double> seconds = new ArrayList<>();
    String token = "bench-token-0123456789";
    Path repo = TestRepo.create(data.resolve("repo"), 5);
    HttpClient http = HttpClient.newHttpClient();
    for (int t = 0; t < trials; t++) {
      Path trial = data.resolve("lost-" + t);
      List<String> names = List.of("a", "b");
      List<Process> apps = new ArrayList<>();
      List<Integer> ports = new ArrayList<>();
      for (String name : names) {
        int port = freePort();
        Map<String, String> env = new java.util.HashMap<>(Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
            "DURABLE_LOOPS_DATA_DIR", trial.resolve(name).toString(), "DURABLE_LOOPS_API_TOKEN", token,
            "DURABLE_LOOPS_ALLOWED_ROOTS", data.toString(), "DURABLE_LOOPS_SANDBOX_MODE", "NONE",
            "DURABLE_LOOPS_GIT_STORE", trial.resolve("store.git").toString(), "DURABLE_LOOPS_WORKER_ID",
            "bench-" + data.getFileName() + "-" + t + "-" + name,
            "DURABLE_LOOPS_GRANT_KEY", "bench-grant-key-0123456789"));
        if (heartbeatTimeout != null) {
          env.put("DURABLE_LOOPS_HEARTBEAT_TIMEOUT", heartbeatTimeout);
        }
        apps.add(start(image.javaArgs(), env, data.resolve("lost-" + t + "-" + name + ".log")));
        ports.add(port);
      }
      for (int port : ports) {
        awaitUp(http, port, token);
      }
      // Unique per call: another call's loop of the same name would take this one's id.
      String name = data.getFileName() + "-" + t;
      post(http, ports.get(0), token, "/api/loops", """
          {"name": "%s", "goal": "g", "workspace": {"repository": "%s"},
           "make": {"command": "echo $$ > ../maker.pid; sleep 8"}, "checks": [{"name": "c", "command": "true"}]}
          """.formatted(name, repo));
      int holder = -1;
      for (int i = 0; i < 1200 && holder < 0; i++) {
        for (int k = 0; k < names.size(); k++) {
          if (Files.exists(trial.resolve(names.get(k) + "/loops/loop-" + name + "/maker.pid"))) {
            holder = k;
          }
        }
        Thread.sleep(50);
      }
      if (holder < 0) {
        throw new IllegalStateException("no maker started in trial " + t);
      }
      awaitPid(trial.resolve(names.get(holder) + "/loops/loop-" + name + "/maker.pid"), null);
      apps.get(holder).destroyForcibly();
      long killed = System.nanoTime();
      long killedAt = System.currentTimeMillis();
      apps.get(holder).waitFor(30, TimeUnit.SECONDS);
      awaitPid(trial.resolve(names.get(1 - holder) + "/loops/loop-" + name + "/maker.pid"), null);
      seconds.add((System.nanoTime() - killed) / 1e9);
      stages(client.fetchHistory("loop-" + name).getEvents(), killedAt, System.currentTimeMillis());
      // The trial's loop ends with it, so the next trial's apps do not take up its steps.
      client.newUntypedWorkflowStub("loop-" + name).terminate("bench trial over");
      apps.get(1 - holder).destroyForcibly();
      apps.get(1 - holder).waitFor(30, TimeUnit.SECONDS);
    }
    return seconds;
  }

  /**
   * Where a lost worker's seconds go, from the history of each {@link #lostTrials} trial (the
   * server's event times, same machine's clock), seconds from the kill: the heartbeat timeout, the
   * first workflow task another worker started after it and its completion (that worker replays the
   * loop's history to run it), the move's {@code Prepare} done; the last
   * stage ends with the maker running on the other worker. Of the last {@link #lostTrials} call.
   */
  static final Map<String, List<Double>> lostStages = new java.util.LinkedHashMap<>();

  private static void stages(List<io.temporal.api.history.v1.HistoryEvent> events, long killedAt, long running) {
    Long timedOut = null;
    Long workflowTask = null;
    Long replayed = null;
    Long prepared = null;
    long prepareScheduled = -1;
    for (io.temporal.api.history.v1.HistoryEvent e : events) {
      long t = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
      if (timedOut == null) {
        if (e.hasActivityTaskTimedOutEventAttributes()) {
          timedOut = t;
        }
      } else if (workflowTask == null && e.hasWorkflowTaskStartedEventAttributes()) {
        workflowTask = t;
      } else if (replayed == null && e.hasWorkflowTaskCompletedEventAttributes()) {
        replayed = t;
      } else if (prepareScheduled < 0 && e.hasActivityTaskScheduledEventAttributes()
          && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Prepare")) {
        prepareScheduled = e.getEventId();
      } else if (prepared == null && e.hasActivityTaskCompletedEventAttributes()
          && e.getActivityTaskCompletedEventAttributes().getScheduledEventId() == prepareScheduled) {
        prepared = t;
      }
    }
    if (timedOut == null || workflowTask == null || replayed == null || prepared == null) {
      return;
    }
    lostStages.computeIfAbsent("kill → heartbeat timed out", k -> new ArrayList<>()).add((timedOut - killedAt) / 1e3);
    lostStages.computeIfAbsent("→ workflow task started on the other worker", k -> new ArrayList<>()).add((workflowTask - timedOut) / 1e3);
    lostStages.computeIfAbsent("→ that workflow task completed (the loop's history replayed there)", k -> new ArrayList<>())
        .add((replayed - workflowTask) / 1e3);
    lostStages.computeIfAbsent("→ move's Prepare done", k -> new ArrayList<>()).add((prepared - replayed) / 1e3);
    lostStages.computeIfAbsent("→ maker running (Plan, Make)", k -> new ArrayList<>()).add((running - prepared) / 1e3);
  }

  static Process start(Path jar, Map<String, String> env, Path log) throws Exception {
    return start(List.of("-jar", jar.toString()), env, log);
  }

  /** The apps started here, killed when the bench's JVM exits, also when a trial throws. */
  private static final List<Process> STARTED = java.util.Collections.synchronizedList(new ArrayList<>());

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (STARTED) {
        STARTED.forEach(Process::destroyForcibly);
      }
    }, "bench-apps"));
  }

  /** Starts {@code java <javaArgs>} with {@code env} added, its output in {@code log}. */
  static Process start(List<String> javaArgs, Map<String, String> env, Path log) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(javaArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process process = pb.start();
    STARTED.add(process);
    return process;
  }

  /**
   * A free TCP port for an app the bench starts, below the kernel's ephemeral range (32768–60999 by
   * default): a port the kernel handed out with {@code new ServerSocket(0)} could be taken again,
   * before the app bound it, as the local end of one of the many connections to Temporal.
   */
  static int freePort() throws java.io.IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 100; i++) {
      int port = random.nextInt(20000, 32000);
      try (ServerSocket s = new ServerSocket(port)) {
        return port;
      } catch (java.io.IOException taken) {
        // try another
      }
    }
    throw new java.io.IOException("no free port between 20000 and 32000");
  }

  static void awaitUp(HttpClient http, int port, String token) throws Exception {
    awaitUp(http, port, token, 200);
  }

  private static void awaitUp(HttpClient http, int port, String token, int pollMillis) throws Exception {
    for (int i = 0; i < 60_000 / pollMillis; i++) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/loops"))
            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // Not listening yet.
      }
      Thread.sleep(pollMillis);
    }
    throw new IllegalStateException("the app did not start");
  }

  static void post(HttpClient http, int port, String token, String path, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
    }
  }

  private static String awaitPid(Path file, String not) throws Exception {
    for (int i = 0; i < 1200; i++) {
      if (Files.exists(file)) {
        String pid = Files.readString(file).trim();
        if (!pid.isEmpty() && !pid.equals(not)) {
          return pid;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no new maker pid in " + file);
  }
}
