package dev.durableloops.activities;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One long-lived sandbox runtime process ({@code srt-wrapper.mjs}, shipped in this jar from
 * {@code deploy/sandbox-runtime}): it initializes {@code srt}'s {@code SandboxManager} once, so its
 * filtering proxies and their bridges start once, not once per step, and then answers each step's
 * request with the bubblewrap command line that runs it, which the worker runs itself under the
 * {@link Supervisor}. The proxies filter by the network policy the manager was started with, so one
 * process serves one policy (one list of allowed domains and denied ranges); {@link SandboxRuntime}
 * keeps one per policy.
 *
 * <p>The channel is the process's stdin and stdout, pipes to this JVM alone: steps are this JVM's
 * children, never the runtime's, and start with no descriptor but their standard streams, so a step
 * cannot reach the channel, ask for settings of its own or widen them. The process ends when its
 * stdin closes: when {@link #close()} closes it, or when this JVM dies.
 */
final class SandboxRuntimeServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long START_SECONDS = 60;
  private static final long WRAP_SECONDS = 60;
  private static final String SCRIPT = script();

  private final Process process;
  private final OutputStream requests;
  private final Path sockets;
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
  private final Deque<String> errors = new ArrayDeque<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong active = new AtomicLong();

  /**
   * Wraps sent and not answered yet, at most {@link #IN_FLIGHT}: the runtime wraps one at a time, so
   * the others wait here (their steps heartbeat meanwhile, {@link StepPulse}) and {@link #WRAP_SECONDS}
   * times one wrap, not a queue. Without it, 1,000 loops on 2 cores queued wraps in the runtime past
   * the timeout, which closed it and failed every step waiting (BENCHMARKS.md, 2026-12-03).
   */
  private final Semaphore inFlight = new Semaphore(IN_FLIGHT, true);

  /** Wraps sent to the runtime at once, at most. */
  static final int IN_FLIGHT = 2;

  /**
   * Starts the runtime for one network policy and waits until its proxies listen.
   *
   * @param node the {@code node} executable
   * @param pkg the installed {@code @anthropic-ai/sandbox-runtime} package
   * @param network the policy: {@code allowedDomains}, {@code deniedDomains}, {@code deniedResolvedAddresses}
   * @param env the process's whole environment ({@code TMPDIR} is where its sockets go)
   * @param sockets that {@code TMPDIR}, removed by {@link #close()}
   * @throws IOException when it cannot start, or says why it cannot serve
   */
  SandboxRuntimeServer(String node, Path pkg, Map<String, Object> network, Map<String, String> env, Path sockets) throws IOException {
    this.sockets = sockets;
    ProcessBuilder pb = new ProcessBuilder(node, "--input-type=module", "-e", SCRIPT, pkg.toString(), JSON.writeValueAsString(network))
        .directory(sockets.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    process = pb.start();
    requests = process.getOutputStream();
    Thread reader = new Thread(() -> read(process.getInputStream()), "srt-wrapper-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    Thread drain = new Thread(() -> drain(process.getErrorStream()), "srt-wrapper-err-" + process.pid());
    drain.setDaemon(true);
    drain.start();
    try {
      JsonNode first = ready.get(START_SECONDS, TimeUnit.SECONDS);
      if (first.has("fatal")) {
        throw new IOException("srt cannot make a sandbox here: " + first.get("fatal").asText());
      }
    } catch (TimeoutException e) {
      close();
      throw new IOException("srt did not start in " + START_SECONDS + " s" + errorTail());
    } catch (ExecutionException e) {
      close();
      throw new IOException("srt ended while starting" + errorTail(), e.getCause());
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting srt", e);
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** Where its sockets are: readable inside every sandbox it wraps, and their {@code TMPDIR} outside. */
  Path sockets() {
    return sockets;
  }

  /** Whether the process still runs. */
  boolean alive() {
    return process.isAlive();
  }

  /** How many wrapped commands have not been {@link #done(long) done} yet. */
  long active() {
    return active.get();
  }

  /** A wrapped command: the shell line for {@code /bin/sh -c}, and the id {@link #done(long)} takes. */
  record Wrap(String line, long id) {}

  /**
   * The bubblewrap command line that runs {@code argv} in {@code cwd} under {@code settings}; each
   * one must be followed by {@link #done(long)} once its command has ended (or was never run).
   *
   * @param settings {@code network} (this server's policy) and {@code filesystem} of the step
   * @throws IOException when the process is gone or does not answer in time
   * @throws IllegalArgumentException when it refuses the request (its message says why)
   */
  Wrap wrap(Path cwd, List<String> argv, Map<String, Object> settings) throws IOException {
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to send a wrap to srt", e);
    }
    try {
      return wrapInFlight(cwd, argv, settings);
    } finally {
      inFlight.release();
    }
  }

  private Wrap wrapInFlight(Path cwd, List<String> argv, Map<String, Object> settings) throws IOException {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("id", id);
    request.put("cwd", cwd.toString());
    request.put("argv", argv);
    request.put("settings", settings);
    try {
      send(JSON.writeValueAsString(request));
    } catch (IOException e) {
      pending.remove(id);
      throw new IOException("srt does not take requests" + errorTail(), e);
    }
    try {
      JsonNode reply = answer.get(WRAP_SECONDS, TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalArgumentException(reply.get("error").asText());
      }
      active.incrementAndGet();
      return new Wrap(reply.get("wrapped").asText(), id);
    } catch (TimeoutException e) {
      close();
      throw new IOException("srt did not wrap a command in " + WRAP_SECONDS + " s" + errorTail());
    } catch (ExecutionException e) {
      throw new IOException("srt ended" + errorTail(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // A command wrapped after all is never run: the runtime's clean-up of it may run then.
      answer.thenAccept(reply -> {
        if (reply.has("wrapped")) {
          active.incrementAndGet();
          done(id);
        }
      });
      throw new IOException("interrupted while waiting for srt", e);
    }
  }

  /** Tells the runtime the command of wrap {@code id} has ended: its per-command clean-up may run. */
  void done(long id) {
    active.decrementAndGet();
    try {
      send("{\"id\":" + id + ",\"done\":true}");
    } catch (IOException e) {
      // A process that is gone has nothing left to clean up.
    }
  }

  private synchronized void send(String line) throws IOException {
    requests.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    requests.flush();
  }

  private void read(InputStream in) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        JsonNode message;
        try {
          message = JSON.readTree(line);
        } catch (IOException e) {
          continue;
        }
        if (message.has("id")) {
          CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asLong());
          if (answer != null) {
            answer.complete(message);
          }
        } else {
          ready.complete(message);
        }
      }
    } catch (IOException e) {
      // The process is gone; what waits is told below.
    }
    IOException gone = new IOException("srt ended (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
    ready.completeExceptionally(gone);
    pending.values().forEach(f -> f.completeExceptionally(gone));
  }

  private void drain(InputStream err) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        synchronized (errors) {
          errors.addLast(line);
          if (errors.size() > 5) {
            errors.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // Nothing more to keep.
    }
  }

  private String errorTail() {
    synchronized (errors) {
      return errors.isEmpty() ? "" : ": " + String.join(" | ", errors);
    }
  }

  /** Ends the process (its proxies and bridges with it) and removes its sockets' directory. */
  @Override
  public void close() {
    try {
      requests.close();
    } catch (IOException e) {
      // Ended below either way.
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    WorkspaceFiles.deleteTree(sockets);
  }

  private static String script() {
    try (InputStream in = SandboxRuntimeServer.class.getResourceAsStream("srt-wrapper.mjs")) {
      if (in == null) {
        throw new IllegalStateException("srt-wrapper.mjs is missing from the activities jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read srt-wrapper.mjs from the activities jar", e);
    }
  }
}
