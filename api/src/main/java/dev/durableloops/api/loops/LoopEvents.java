package dev.durableloops.api.loops;

import dev.durableloops.api.LoopNotFoundException;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of loops, with one poller per loop shared by every open stream of it: each
 * {@link #POLL} a loop's feed reads its {@link LoopReader.Snapshot} (one DescribeWorkflowExecution
 * and the {@code state} Query, whatever the number of streams) and sends
 * <ul>
 *   <li>{@code state} (a {@link LoopView}) when the state changed,
 *   <li>{@code output} (a {@link LoopOutput}) when the running step's output changed,
 *   <li>a comment after {@link #KEEP_ALIVE} without an event, so proxies keep the stream open.
 * </ul>
 * Every event has an id, increasing across feeds and restarts (it starts from the clock in
 * microseconds); a stream opened with {@code Last-Event-ID} gets only the kinds of event newer
 * than that id, so a reconnecting page does not receive what it already shows. A feed stops
 * polling when its last stream closes; streams end when the loop has ended or after
 * {@link #MAX_STREAM}.
 */
@Component
class LoopEvents {

  /** Poll interval of a loop's feed. */
  static final Duration POLL = Duration.ofSeconds(1);

  /** Longest quiet time on a stream before a keep-alive comment. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  /** How long one stream stays open; clients reconnect with {@code Last-Event-ID}. */
  static final Duration MAX_STREAM = Duration.ofMinutes(30);

  /** Delay a client waits before reconnecting, sent as the {@code retry} field. */
  static final Duration RECONNECT = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(LoopEvents.class);

  private final LoopReader loops;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);

  LoopEvents(LoopReader loops) {
    this.loops = loops;
  }

  /**
   * Opens a stream of loop {@code id}.
   *
   * @param lastEventId the {@code Last-Event-ID} a reconnecting client sent, or {@code null}
   */
  SseEmitter subscribe(String id, Long lastEventId) {
    SseEmitter emitter = new SseEmitter(MAX_STREAM.toMillis());
    Subscriber subscriber = new Subscriber(emitter, lastEventId == null ? 0 : lastEventId);
    Feed feed = feeds.compute(id, (key, existing) -> {
      Feed f = existing == null ? new Feed(key) : existing;
      f.subscribers.add(subscriber);
      return f;
    });
    Runnable leave = () -> leave(feed, subscriber);
    emitter.onCompletion(leave);
    emitter.onTimeout(leave);
    emitter.onError(e -> leave.run());
    feed.catchUp(subscriber);
    return emitter;
  }

  /** Loops with a feed polling now (for tests and the benchmark's reading). */
  int feeds() {
    return feeds.size();
  }

  private void leave(Feed feed, Subscriber subscriber) {
    feeds.computeIfPresent(feed.loopId, (key, f) -> {
      f.subscribers.remove(subscriber);
      if (f.subscribers.isEmpty()) {
        f.stop();
        return null;
      }
      return f;
    });
  }

  @PreDestroy
  void stop() {
    scheduler.shutdownNow();
  }

  /** One open stream and the newest event id it has. */
  private static final class Subscriber {
    final SseEmitter emitter;
    long seen;
    long lastSentNanos = System.nanoTime();
    boolean greeted;

    Subscriber(SseEmitter emitter, long seen) {
      this.emitter = emitter;
      this.seen = seen;
    }
  }

  /** The poller of one loop and its streams. */
  private final class Feed {
    final String loopId;
    final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    final ScheduledFuture<?> task;
    LoopView state;
    long stateId;
    LoopOutput output;
    long outputId;
    boolean ended;

    Feed(String loopId) {
      this.loopId = loopId;
      this.task = scheduler.scheduleWithFixedDelay(this::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void poll() {
      LoopReader.Snapshot snapshot;
      try {
        snapshot = loops.snapshot(loopId);
      } catch (LoopNotFoundException e) {
        subscribers.forEach(s -> s.emitter.completeWithError(e));
        return;
      } catch (RuntimeException e) {
        // Temporal unreachable for a moment: the streams stay open and the next poll tries again.
        log.debug("event stream of {}: poll failed: {}", loopId, e.getMessage());
        return;
      }
      if (!Objects.equals(snapshot.view(), state)) {
        state = snapshot.view();
        stateId = ids.incrementAndGet();
      }
      if (!Objects.equals(snapshot.output(), output)) {
        output = snapshot.output();
        outputId = ids.incrementAndGet();
      }
      ended = !"RUNNING".equals(state.temporalStatus());
      subscribers.forEach(this::send);
    }

    synchronized void catchUp(Subscriber subscriber) {
      if (state != null) {
        send(subscriber);
      }
    }

    /** Sends the subscriber what it has not seen, a keep-alive when it has seen everything for a while. */
    private void send(Subscriber s) {
      try {
        boolean sent = false;
        if (stateId > s.seen) {
          s.emitter.send(event(stateId).name("state").data(state));
          sent = true;
        }
        if (outputId > s.seen && output != null) {
          s.emitter.send(event(outputId).name("output").data(output));
          sent = true;
        }
        s.seen = Math.max(s.seen, Math.max(stateId, outputId));
        if (sent) {
          s.lastSentNanos = System.nanoTime();
        } else if (System.nanoTime() - s.lastSentNanos >= KEEP_ALIVE.toNanos()) {
          s.emitter.send(SseEmitter.event().comment("keep-alive"));
          s.lastSentNanos = System.nanoTime();
        }
        if (ended) {
          s.emitter.complete();
        }
      } catch (IOException | IllegalStateException e) {
        s.emitter.completeWithError(e);
      }
    }

    private SseEmitter.SseEventBuilder event(long id) {
      return SseEmitter.event().id(Long.toString(id)).reconnectTime(RECONNECT.toMillis());
    }

    void stop() {
      task.cancel(false);
    }
  }
}
