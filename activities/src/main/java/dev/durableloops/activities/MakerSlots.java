package dev.durableloops.activities;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * How many makers this worker runs at once ({@link MakerLimits}): in all, and per repository, so one
 * fleet (best-of-N attempts, a fan-out's children) cannot take every maker this worker runs while
 * other loops wait. A {@code Make} step takes its repository's slot, then the worker's, before its
 * maker starts and gives both back when the maker ended; waiters are served first come, first served
 * (fair semaphores), heartbeating while they wait. Other steps (checks, review, plan) take no slot.
 *
 * <p>The wait is part of the step: it counts against the {@code Make} activity's start-to-close
 * timeout (the maker's own timeout plus the workflow's step margin, 2 min). A maker that gets no slot
 * in time fails the step with the retryable {@code WORKER_BUSY}, and Temporal tries it again (the
 * workflow's retry policy: 6 tries, 1 s doubling to 30 s apart). So the limits suit makers that
 * queue for minutes, not hours; docs/operations.md, "Fleet limits".
 */
final class MakerSlots {

  /** Time kept between the end of the wait and the activity's deadline, besides the maker's own timeout: the commit. */
  static final Duration RESERVE = Duration.ofSeconds(30);

  /** How often a waiting maker heartbeats. */
  private static final long BEAT_MS = 2_000;

  private final MakerLimits limits;
  private final Semaphore worker;
  private final Map<String, Semaphore> repositories = new ConcurrentHashMap<>();

  MakerSlots(MakerLimits limits) {
    this.limits = limits == null ? MakerLimits.NONE : limits;
    this.worker = this.limits.perWorker() > 0 ? new Semaphore(this.limits.perWorker(), true) : null;
  }

  /** A held slot; closing it gives it back (once). */
  interface Slot extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Waits for a slot of {@code repository} and of the worker (in that order, so two waiters never
   * hold one each of the other's), heartbeating through {@code waiting} every 2 s.
   *
   * @param repository the loop's repository as its spec names it
   * @param maxWait how long to wait at most; {@code null} for as long as it takes
   * @param waiting told what is awaited, about every 2 s while waiting
   * @throws StepException {@code WORKER_BUSY} when no slot came within {@code maxWait}
   */
  Slot acquire(String repository, Duration maxWait, java.util.function.Consumer<String> waiting) {
    Semaphore repo = limits.perRepository() > 0
        ? repositories.computeIfAbsent(repository, r -> new Semaphore(limits.perRepository(), true)) : null;
    long deadline = maxWait == null ? Long.MAX_VALUE : System.nanoTime() + Math.max(0, maxWait.toNanos());
    boolean repoHeld = false;
    try {
      repoHeld = take(repo, deadline, waiting, "a maker slot of the repository (" + limits.perRepository()
          + " at once: durable-loops.worker.max-makers-per-repository)");
      if (!repoHeld) {
        throw busy(repository, maxWait, "the repository's " + limits.perRepository());
      }
      boolean workerHeld = take(worker, deadline, waiting, "a maker slot of this worker (" + limits.perWorker()
          + " at once: durable-loops.worker.max-makers)");
      if (!workerHeld) {
        throw busy(repository, maxWait, "this worker's " + limits.perWorker());
      }
    } catch (RuntimeException e) {
      if (repoHeld && repo != null) {
        repo.release();
      }
      throw e;
    }
    java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        if (worker != null) {
          worker.release();
        }
        if (repo != null) {
          repo.release();
        }
      }
    };
  }

  /** Takes one permit of {@code slots} ({@code null}: no limit) by {@code deadline} (nanoTime), beating meanwhile. */
  private static boolean take(Semaphore slots, long deadline, java.util.function.Consumer<String> waiting, String what) {
    if (slots == null) {
      return true;
    }
    try {
      if (slots.tryAcquire()) {
        return true;
      }
      while (true) {
        waiting.accept("waiting for " + what);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        if (slots.tryAcquire(Math.min(left, TimeUnit.MILLISECONDS.toNanos(BEAT_MS)), TimeUnit.NANOSECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepException(StepException.Kind.WORKER_BUSY, "interrupted while waiting for " + what, e);
    }
  }

  private static StepException busy(String repository, Duration maxWait, String limit) {
    return new StepException(StepException.Kind.WORKER_BUSY, "no maker slot for " + repository + " within " + maxWait
        + ": " + limit + " maker(s) at once are running; the step is tried again");
  }
}
