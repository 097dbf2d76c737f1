package dev.durableloops.api.temporal;

import dev.durableloops.activities.CommandPolicy;
import dev.durableloops.activities.LoopGuard;
import dev.durableloops.activities.MakerLimits;
import dev.durableloops.activities.StartGrants;
import dev.durableloops.activities.Sandbox;
import dev.durableloops.activities.GitStore;
import dev.durableloops.activities.WorkerActivities;
import dev.durableloops.activities.StepObserver;
import dev.durableloops.api.LoopsProperties;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The worker's beans: the loop activities of both contracts ({@code spring.temporal.workers[0].activity-beans}), the
 * git store (which workers push to and the API reads diffs from), and this worker's own task queue
 * {@code <taskQueue>@<workerId>}, where the steps of loops whose workspace it holds are sent
 * (Temporal's pattern for host-bound activities).
 */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  private static final Logger log = LoggerFactory.getLogger(WorkerConfiguration.class);

  /**
   * Longest time the SDK holds back a heartbeat: steps heartbeat every 2 s while a command runs
   * (its output; the keepalive, {@code StepPulse}, after 3 s of silence otherwise), and without this the SDK sends at most one heartbeat per 80% of the
   * 10 s heartbeat timeout, so live output would lag 8 s.
   */
  static final java.time.Duration HEARTBEAT_THROTTLE = java.time.Duration.ofSeconds(1);

  /**
   * How long a workflow task waits on the sticky queue of the worker that ran the loop's last one
   * before any worker may take it (with the whole history): 1 s, not the SDK's 5 s. When a worker
   * dies, the workflow task that reacts to its lapsed heartbeat goes first to that dead worker's
   * sticky queue, so this wait is part of a lost worker's loops moving (BENCHMARKS.md, "Moving a
   * lost worker's loops"). A live worker that misses it (a workflow task waiting longer than 1 s
   * for a slot; step completed to next step started was 650 ms at p99 with 1,000 loops) costs a
   * replay of the loop's history, not a move.
   */
  static final java.time.Duration STICKY_WAIT = java.time.Duration.ofSeconds(1);

  /**
   * For the workers the starter builds (the shared task queue): the same heartbeat throttle, the
   * sticky wait ({@link #STICKY_WAIT}), and heartbeats allowed while the worker drains: without that
   * the SDK fails a heartbeat sent during shutdown, which the command runner takes for a cancellation
   * and kills the step.
   */
  @Bean
  io.temporal.spring.boot.WorkerOptionsCustomizer heartbeatThrottle() {
    return (builder, workerName, taskQueue) -> builder.setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
        .setStickyQueueScheduleToStartTimeout(STICKY_WAIT)
        .setAllowActivityHeartbeatDuringShutdown(true);
  }

  /**
   * Drains the workers on shutdown ({@link WorkerDrain}), {@code durable-loops.worker.drain-timeout}.
   * Not in the {@code api} profile, which runs no worker.
   */
  @Bean
  @ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
  WorkerDrain workerDrain(WorkerFactory factory, LoopsProperties properties) {
    return new WorkerDrain(factory, properties.worker().drainTimeout());
  }

  /** This worker's own task queue. */
  record HostQueue(String name) {}

  /**
   * The steps this process holds, recorded on its disk ({@link HeldSteps}, a worker interceptor the
   * starter adds to every worker), so that a restarted worker hands its dead life's steps back at
   * once. Not in the {@code api} profile, which runs no worker.
   */
  @Bean
  @ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
  HeldSteps heldSteps(LoopsProperties properties) {
    return new HeldSteps(properties.dataDir());
  }

  /**
   * Hands back the steps an earlier life of this worker held, when the application is ready: the
   * starter starts the workers on the same event, so the retries find this worker polling.
   */
  @Bean
  @ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
  org.springframework.context.ApplicationListener<org.springframework.boot.context.event.ApplicationReadyEvent> handBack(
      HeldSteps held, io.temporal.client.WorkflowClient client) {
    return event -> {
      long started = System.nanoTime();
      int n = held.handBack(client.newActivityCompletionClient());
      if (n > 0) {
        log.info("handed back {} step(s) of this worker's previous life in {} ms", n, (System.nanoTime() - started) / 1_000_000);
      }
    };
  }

  @Bean
  GitStore gitStore(LoopsProperties properties) {
    if (properties.gitStore() == null || properties.gitStore().isBlank()) {
      return GitStore.under(properties.dataDir());
    }
    return new GitStore(properties.gitStore(), properties.dataDir().toAbsolutePath().resolve("store-cache.git"));
  }

  @Bean
  HostQueue hostQueue(LoopsProperties properties) {
    String id = properties.workerId() == null || properties.workerId().isBlank() ? workerId(properties.dataDir()) : properties.workerId();
    return new HostQueue(properties.taskQueue() + "@" + id);
  }

  /** The start grants the API signs and the workers check: one key for both ({@code durable-loops.grant-key} or {@code <data>/grant-key}). */
  @Bean
  StartGrants startGrants(LoopsProperties properties) {
    return StartGrants.of(properties.dataDir(), properties.grantKey());
  }

  @Bean
  WorkerActivities workerActivities(LoopsProperties properties, GitStore gitStore, HostQueue hostQueue, StepObserver observer,
      StartGrants grants, org.springframework.beans.factory.ObjectProvider<SandboxProbe> early) {
    Sandbox.Settings settings = properties.sandbox().settings();
    SandboxProbe sandbox = early.getIfAvailable();
    if (sandbox == null || !sandbox.settings().equals(settings)) {
      sandbox = new SandboxProbe(settings);
    }
    return new WorkerActivities(properties.dataDir(),
        new CommandPolicy(properties.outputCap().toBytes(), properties.inheritedEnv(), properties.secrets(), sandbox.sandbox(),
            properties.passableEnv()),
        gitStore, hostQueue.name(),
        observer, properties.notifications().webhooks(), properties.notifications().secret(), properties.notifications().webUrl(),
        new LoopGuard(properties.specRules(), grants),
        new MakerLimits(properties.worker().maxMakers(), properties.worker().maxMakersPerRepository()),
        properties.worker().heartbeatTimeout());
  }

  /** The workspace steps, on the shared task queue ({@code activity-beans}) and this worker's own. */
  @Bean
  WorkspaceActivities workspaceActivities(WorkerActivities activities) {
    return activities.workspace();
  }

  /** The outbound steps (notifications, delivery), on the shared task queue and this worker's own. */
  @Bean
  OutboundActivities outboundActivities(WorkerActivities activities) {
    return activities.outbound();
  }

  /**
   * Registers the worker of this process's own task queue with the loop activities, before the
   * starter starts the worker factory. Not in the {@code api} profile, which runs no worker.
   */
  @Bean
  @ConditionalOnProperty(name = "spring.temporal.start-workers", havingValue = "true", matchIfMissing = true)
  Worker hostWorker(WorkerFactory factory, WorkerActivities activities, HostQueue hostQueue, LoopsProperties properties) {
    LoopsProperties.Capacity capacity = properties.capacity();
    Worker worker = factory.newWorker(hostQueue.name(), WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(capacity.activitySlots())
        .setMaxConcurrentActivityTaskPollers(capacity.activityTaskPollers())
        .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
        .setAllowActivityHeartbeatDuringShutdown(true)
        .build());
    worker.registerActivitiesImplementations(activities.all());
    log.info("this worker's own task queue is {}", hostQueue.name());
    return worker;
  }

  /** The id kept in {@code <dataDir>/worker-id}, made on first use as {@code <host>-<8 hex>}. */
  static String workerId(Path dataDir) {
    Path file = dataDir.toAbsolutePath().resolve("worker-id");
    try {
      if (Files.exists(file)) {
        return Files.readString(file).strip();
      }
      String host;
      try {
        host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "-");
      } catch (IOException e) {
        host = "worker";
      }
      byte[] random = new byte[4];
      new SecureRandom().nextBytes(random);
      String id = host + "-" + HexFormat.of().formatHex(random);
      Files.createDirectories(file.getParent());
      Files.writeString(file, id + "\n");
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the worker id in " + file, e);
    }
  }
}
