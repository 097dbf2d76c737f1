package dev.durableloops.activities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cap on the processes (and threads) one step command may have at once, enforced by the Linux
 * kernel's {@code pids} cgroup controller: each loop's commands run in a cgroup of their own under
 * {@code <pids hierarchy>/durable-loops/} whose {@code pids.max} is the cap, so a fork bomb gets
 * {@code EAGAIN} instead of taking the machine's process table, and the runner kills the step as
 * soon as {@code pids.events} shows the cap was hit. Every process in the cgroup is killed when the
 * step ends, whatever session or parent it has. Found at start: the cgroup v1 {@code pids}
 * hierarchy at {@code /sys/fs/cgroup/pids}, else a cgroup v2 tree at {@code /sys/fs/cgroup} whose
 * {@code cgroup.subtree_control} enables {@code pids}; where neither is writable (no root, no
 * delegation) there is no cap and {@link #describe()} says so.
 */
public final class ProcessLimit {

  /** Default cap of processes and threads per step: 512. */
  public static final int DEFAULT_MAX_PROCESSES = 512;

  private static final Logger log = LoggerFactory.getLogger(ProcessLimit.class);

  private final Path parent;
  private final int max;
  private final String why;

  private ProcessLimit(Path parent, int max, String why) {
    this.parent = parent;
    this.max = max;
    this.why = why;
  }

  /** No cap (configured off, or for tests that need none). */
  static ProcessLimit none(String why) {
    return new ProcessLimit(null, 0, why);
  }

  /**
   * Finds a writable {@code pids} controller and makes {@code durable-loops/} in it.
   *
   * @param max processes and threads per step; {@code 0} turns the cap off
   */
  public static ProcessLimit detect(int max) {
    if (max <= 0) {
      return none("no process limit (configured off)");
    }
    for (Path root : List.of(Path.of("/sys/fs/cgroup/pids"), Path.of("/sys/fs/cgroup"))) {
      Path dir = root.resolve("durable-loops");
      try {
        if (root.getFileName().toString().equals("cgroup")
            && !read(root.resolve("cgroup.subtree_control")).contains("pids")) {
          continue;
        }
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
          continue;
        }
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("cgroup.subtree_control")) && !read(dir.resolve("cgroup.subtree_control")).contains("pids")) {
          Files.writeString(dir.resolve("cgroup.subtree_control"), "+pids");
        }
        return new ProcessLimit(dir, max, null);
      } catch (IOException | RuntimeException e) {
        log.debug("no pids cgroup at {}: {}", root, e.getMessage());
      }
    }
    return none("no process limit (no writable pids cgroup controller)");
  }

  /** Whether steps are capped. */
  public boolean available() {
    return parent != null;
  }

  /** The cap, or {@code 0} when there is none. */
  public int max() {
    return max;
  }

  /** E.g. {@code at most 512 processes per step} or why there is no cap. */
  public String describe() {
    return available() ? "at most " + max + " processes per step" : why;
  }

  /**
   * The cgroup of one loop's commands, made if missing; processes a dead worker or an abandoned
   * attempt left in it are killed first.
   *
   * @param key a name unique to the loop on this machine ({@code [A-Za-z0-9-]})
   * @return the group, or empty when there is no cap or the cgroup cannot be made
   */
  Optional<Group> open(String key) {
    if (!available()) {
      return Optional.empty();
    }
    Group group = new Group(parent.resolve(key), max);
    try {
      Files.createDirectories(group.dir);
      group.killAll();
      Files.writeString(group.dir.resolve("pids.max"), Integer.toString(max));
      group.eventsAtStart = group.maxEvents();
      return Optional.of(group);
    } catch (IOException e) {
      log.warn("running without a process limit: cannot set up cgroup {}: {}", group.dir, e.getMessage());
      return Optional.empty();
    }
  }

  /** Kills every process left in a loop's cgroup, if it has one. */
  void reap(String key) {
    if (available() && Files.isDirectory(parent.resolve(key))) {
      new Group(parent.resolve(key), max).killAll();
    }
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  /** One loop's cgroup. */
  static final class Group {
    private final Path dir;
    private final int max;
    private long eventsAtStart;

    private Group(Path dir, int max) {
      this.dir = dir;
      this.max = max;
    }

    /** The file a process writes its pid to to join the group. */
    Path procs() {
      return dir.resolve("cgroup.procs");
    }

    /** The cap. */
    int max() {
      return max;
    }

    /** Whether a fork was refused for the cap since the group was opened. */
    boolean limitReached() {
      return maxEvents() > eventsAtStart;
    }

    private long maxEvents() {
      try {
        for (String line : read(dir.resolve("pids.events")).split("\n")) {
          if (line.startsWith("max ")) {
            return Long.parseLong(line.substring(4).trim());
          }
        }
      } catch (IOException | NumberFormatException e) {
        log.debug("cannot read {}: {}", dir.resolve("pids.events"), e.getMessage());
      }
      return 0;
    }

    /** Kills every process in the group until none is left (at most about 2 s of tries). */
    void killAll() {
      for (int round = 0; round < 200; round++) {
        List<Long> pids;
        try {
          pids = read(procs()).lines().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim())).toList();
        } catch (IOException | NumberFormatException e) {
          return;
        }
        if (pids.isEmpty()) {
          return;
        }
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      log.warn("processes remain in {} after 200 rounds of SIGKILL", dir);
    }
  }
}
