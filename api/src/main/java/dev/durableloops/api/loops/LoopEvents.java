package dev.durableloops.api.loops;

import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events for one loop: polls the {@code state} Query every {@link #POLL} and sends a
 * {@code state} event whenever the state changed, and a comment every poll to keep proxies from
 * closing the stream. The stream ends when the loop has ended or after {@link #MAX_STREAM}.
 */
@Component
class LoopEvents {

  /** Poll interval of the state Query. */
  static final Duration POLL = Duration.ofSeconds(1);

  /** How long one stream stays open; browsers' EventSource reconnects by itself. */
  static final Duration MAX_STREAM = Duration.ofMinutes(30);

  private final LoopReader loops;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  LoopEvents(LoopReader loops) {
    this.loops = loops;
  }

  SseEmitter subscribe(String id) {
    SseEmitter emitter = new SseEmitter(MAX_STREAM.toMillis());
    AtomicReference<LoopView> last = new AtomicReference<>();
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    Runnable poll =
        () -> {
          try {
            LoopView state = loops.get(id);
            if (!Objects.equals(state, last.get())) {
              last.set(state);
              emitter.send(SseEmitter.event().name("state").data(state));
            } else {
              emitter.send(SseEmitter.event().comment("unchanged"));
            }
            if (!"RUNNING".equals(state.temporalStatus())) {
              emitter.complete();
              cancel(task);
            }
          } catch (IOException | RuntimeException e) {
            emitter.completeWithError(e);
            cancel(task);
          }
        };
    task.set(scheduler.scheduleWithFixedDelay(poll, 10, POLL.toMillis(), TimeUnit.MILLISECONDS));
    emitter.onCompletion(() -> cancel(task));
    emitter.onTimeout(() -> cancel(task));
    return emitter;
  }

  private static void cancel(AtomicReference<ScheduledFuture<?>> task) {
    ScheduledFuture<?> t = task.get();
    if (t != null) {
      t.cancel(false);
    }
  }

  @PreDestroy
  void stop() {
    scheduler.shutdownNow();
  }
}
