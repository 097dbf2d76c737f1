package dev.durableloops.activities;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The process between the worker's JVM and a step command, so that nothing of a step outlives its
 * worker. It is a small Perl program ({@code perl-base}, part of every Debian and Ubuntu system)
 * passed with {@code perl -e}, started with a pipe from the JVM on its stdin:
 * <ol>
 *   <li>it makes itself a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}), so every
 *       descendant of the step that is orphaned (a {@code setsid}, a double fork, {@code nohup})
 *       is re-parented to it instead of to {@code init}, and stays findable;</li>
 *   <li>it forks a child in a session and process group of its own, joined to the loop's
 *       {@code pids} cgroup first when there is one;</li>
 *   <li>it is started before the command exists ({@link #commandLine}): it reads the command's
 *       environment and command line from the pipe ({@link #frame}) while its child joins the
 *       cgroup, and hands them to the child over a pipe of their own, which runs them with stdin
 *       from {@code /dev/null}; the child runs nothing when the pipe ends before a whole frame
 *       came, or a {@code SIGTERM} came first (the supervisor still reads the frame, so the JVM's
 *       write succeeds, and exits 137 as below). A cgroup join waits for the kernel's RCU grace
 *       period (5–17 ms here; BENCHMARKS.md, "The floor was a rate limit"), so the worker starts
 *       the supervisor before it asks the sandbox for the command line, and the two waits overlap;</li>
 *   <li>it waits for whichever comes first: the command's end, or end-of-file on the pipe, which
 *       the kernel gives it when the JVM closes its end or dies for any reason ({@code SIGKILL},
 *       the OOM killer), whichever thread started the step (a parent-death signal would fire when
 *       that one thread ends);</li>
 *   <li>then it kills, with {@code SIGKILL} and until none is left (at most 500 rounds 10 ms
 *       apart), the command's process group, every descendant it finds in {@code /proc}, and
 *       every process in the cgroup; a sandbox's PID namespace dies with its first process;</li>
 *   <li>it exits with the command's exit code ({@code 128 + signal} when a signal ended it), or
 *       {@code 137} when the pipe closed first.</li>
 * </ol>
 * Without {@code perl} on the worker's {@code PATH} commands run as {@code setsid <command>} as
 * before, and {@link #describe()} says that a killed worker's steps may run on.
 */
final class Supervisor {

  private Supervisor() {}

  private static final String PERL = Sandbox.onPath("perl");

  /** The absolute path of {@code perl}, or {@code null} when the worker's {@code PATH} has none. */
  static String perl() {
    return PERL;
  }

  /** Whether steps run under the supervisor on this machine. */
  static boolean available() {
    return PERL != null;
  }

  /** In words, for the sandbox's description. */
  static String describe() {
    return available() ? "no process of a step outlives its step or its worker"
        : "a killed worker's steps may run on (no perl for the step supervisor)";
  }

  /**
   * The command line that runs {@code argv} when there is no supervisor (no {@code perl}):
   * {@code setsid <argv…>}, joining the cgroup first through {@code sh} when there is one.
   *
   * @param procs the cgroup's {@code cgroup.procs} file the command joins, or {@code null}
   * @param argv the command (a sandbox's command line or {@code sh -c <command>})
   */
  static List<String> withoutSupervisor(String procs, List<String> argv) {
    List<String> line = new ArrayList<>();
    line.add("setsid");
    if (procs != null) {
      // $0 is the cgroup's procs file: the shell joins the group, then becomes the command.
      line.addAll(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", procs));
    }
    line.addAll(argv);
    return line;
  }

  /**
   * The command line of a supervisor that reads the command's environment and command line from
   * its pipe: {@code perl -e <program> <procs> <numbers>}, then their {@link #frame} written to the
   * supervisor's stdin. Only when {@link #available()}.
   *
   * @param procs the cgroup's {@code cgroup.procs} file the command joins, or {@code null}
   */
  static List<String> commandLine(String procs) {
    if (!available()) {
      throw new IllegalStateException("no perl for the step supervisor");
    }
    return List.of(PERL, "-e", PROGRAM, procs == null ? "-" : procs, NUMBERS);
  }

  /**
   * {@code env} and {@code argv} as the supervisor reads them from its pipe: the length in bytes, a
   * newline, then each {@code NAME=value} of the environment ended by a NUL, a NUL, and each
   * argument ended by a NUL, all in UTF-8.
   *
   * @throws IllegalArgumentException for an empty command line, a name that is empty or holds a
   *     {@code =}, a NUL anywhere (which no environment or command line can carry), or a command
   *     line the kernel would refuse to run (a string past {@link #MAX_ARG_STRLEN}, all past
   *     {@link #ARG_MAX}): the child's {@code exec} would
   *     fail with {@code E2BIG}, and the step must fail as a command that cannot start, as
   *     {@code ProcessBuilder.start} makes it without the supervisor, not as one that exited 127
   */
  static byte[] frame(Map<String, String> env, List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("an empty command line");
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    env.forEach((name, value) -> {
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("an environment variable named '" + name + "'");
      }
      field(body, name + "=" + value);
    });
    body.write(0);
    argv.forEach(arg -> field(body, arg));
    // execve's total: every string with its NUL (the body less its one separating NUL) and a pointer to each, two NULL pointers.
    long total = body.size() - 1 + 8L * (argv.size() + env.size() + 2);
    if (total > ARG_MAX) {
      throw new IllegalArgumentException("the command line is too long to run: its arguments and environment take " + total
          + " bytes, and the kernel runs at most " + ARG_MAX + " here (a quarter of the stack size limit)");
    }
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.writeBytes((body.size() + "\n").getBytes(StandardCharsets.US_ASCII));
    frame.writeBytes(body.toByteArray());
    return frame.toByteArray();
  }

  /**
   * The kernel's longest single argument or environment string, NUL included: {@code MAX_ARG_STRLEN},
   * 32 pages ({@code include/uapi/linux/binfmts.h}), 131,072 bytes with 4 KiB pages; a longer one
   * fails {@code execve} with {@code E2BIG}.
   */
  static final int MAX_ARG_STRLEN = 32 * 4096;

  /**
   * What {@code execve} takes in all, strings and their pointers: a quarter of the stack size limit,
   * 128 KiB to 6 MiB ({@code fs/exec.c}, {@code bprm_stack_limits}; the limit is this JVM's, from
   * {@code /proc/self/limits}, which its children inherit; 8 MiB stacks give 2 MiB).
   */
  static final long ARG_MAX = argMax();

  private static long argMax() {
    long stack = 8L << 20;
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max stack size")) {
          String soft = line.substring("Max stack size".length()).trim().split("\\s+")[0];
          stack = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // The usual 8 MiB.
    }
    return Math.max(MAX_ARG_STRLEN, Math.min(stack / 4, 6L << 20));
  }

  private static void field(ByteArrayOutputStream out, String field) {
    if (field.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an environment variable or argument holds a NUL");
    }
    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
    if (bytes.length + 1 > MAX_ARG_STRLEN) {
      throw new IllegalArgumentException("the command line is too long to run: one of its arguments or variables is " + (bytes.length + 1)
          + " bytes, and the kernel runs none longer than " + MAX_ARG_STRLEN);
    }
    out.writeBytes(bytes);
    out.write(0);
  }

  /**
   * This machine's {@code prctl} and {@code setsid} system call numbers and {@code O_NONBLOCK},
   * {@code <prctl>,<setsid>,<O_NONBLOCK>}, for the architectures whose numbers are known, else
   * {@code -}: the supervisor then loads Perl's {@code POSIX} and {@code Fcntl} modules for them
   * (and does not become a subreaper), which costs every step about 6–10 ms of start-up on a 2-core
   * machine (BENCHMARKS.md, "Where a step's time goes"). The numbers are the kernel's
   * ({@code arch/x86/entry/syscalls/syscall_64.tbl}, {@code include/uapi/asm-generic/unistd.h},
   * {@code arch/powerpc/kernel/syscalls/syscall.tbl}, {@code arch/s390/kernel/syscalls/syscall.tbl});
   * {@code F_SETFL} is {@code 4} on every Linux architecture.
   */
  static final String NUMBERS = switch (System.getProperty("os.arch", "")) {
    case "amd64", "x86_64" -> "157,112,2048";
    case "aarch64", "riscv64" -> "167,157,2048";
    case "ppc64le" -> "171,66,2048";
    case "s390x" -> "172,66,2048";
    default -> "-";
  };

  /** The supervisor; its steps are described above. */
  static final String PROGRAM = """
      use strict; use warnings;
      my @quiet = qw(INT QUIT HUP PIPE TSTP TTIN TTOU);
      $SIG{$_} = 'IGNORE' for @quiet;
      my $procs = shift @ARGV;
      my @nr = map { 0 + $_ } grep { /^\\d+$/ } split /,/, shift @ARGV;
      unless (@nr == 3) { require POSIX; require Fcntl; @nr = (undef, undef, Fcntl::O_NONBLOCK()); }
      syscall($nr[0], 36, 1, 0, 0, 0) if defined $nr[0];
      pipe(my $argv_r, my $argv_w) or die "durable-loops supervisor: pipe: $!\\n";
      sub rd { my ($fh, $n) = @_; while (1) { my $buf = ''; my $got = sysread($fh, $buf, $n); return $buf if $got; return '' if defined $got || !$!{EINTR}; } }
      pipe(my $wake_r, my $wake_w) or die "durable-loops supervisor: pipe: $!\\n";
      fcntl($wake_w, 4, $nr[2]);
      my ($status, $eof);
      $SIG{CHLD} = sub { syswrite($wake_w, 'c') };
      $SIG{TERM} = sub { $eof = 1; syswrite($wake_w, 't') };
      my $child = fork() // die "durable-loops supervisor: fork: $!\\n";
      if ($child == 0) {
        $SIG{$_} = 'DEFAULT' for @quiet, 'CHLD', 'TERM';
        close $wake_r; close $wake_w;
        defined $nr[1] ? syscall($nr[1]) : POSIX::setsid();
        if ($procs ne '-') {
          my $f;
          unless (open($f, '>', $procs) && print($f "$$\\n") && close($f)) {
            print STDERR "durable-loops: cannot join the step's cgroup $procs: $!\\n"; exit 126;
          }
        }
        close $argv_w;
        my ($data, $more) = ('', '');
        $data .= $more while length($more = rd($argv_r, 65536));
        close $argv_r;
        exit 137 unless $data =~ /\\0\\z/;
        my @fields = split /\\0/, $data, -1;
        pop @fields;
        my ($gap) = grep { $fields[$_] eq '' } 0 .. $#fields;
        exit 137 unless defined $gap && $gap < $#fields;
        %ENV = map { split /=/, $_, 2 } @fields[0 .. $gap - 1];
        @ARGV = @fields[$gap + 1 .. $#fields];
        open(STDIN, '<', '/dev/null') or do { print STDERR "durable-loops: cannot read /dev/null: $!\\n"; exit 126 };
        { exec { $ARGV[0] } @ARGV; }
        print STDERR "durable-loops: cannot run $ARGV[0]: $!\\n";
        exit 127;
      }
      close $argv_r;
      {
        my ($head, $c) = ('', '');
        $head .= $c while $head !~ /\\n/ && length($head) < 12 && length($c = rd(\\*STDIN, 1));
        if ($head =~ /^([1-9]\\d*)\\n\\z/) {
          my ($n, $data, $more) = ($1, '', '');
          $data .= $more while length($data) < $n && length($more = rd(\\*STDIN, $n - length $data));
          if (length($data) == $n && !$eof) {
            my $off = 0;
            while ($off < $n) { my $w = syswrite($argv_w, $data, $n - $off, $off); if (defined $w) { $off += $w } elsif (!$!{EINTR}) { last } }
          }
        }
      }
      close $argv_w;
      my $rin = '';
      vec($rin, fileno(STDIN), 1) = 1;
      vec($rin, fileno($wake_r), 1) = 1;
      until (defined $status || $eof) {
        if (select(my $rout = $rin, undef, undef, 1) > 0) {
          if (vec($rout, fileno(STDIN), 1)) {
            my $got = sysread(STDIN, my $buf, 512);
            $eof = 1 if defined $got ? $got == 0 : !$!{EINTR};
          }
          sysread($wake_r, my $buf, 512) if vec($rout, fileno($wake_r), 1);
        }
        while ((my $pid = waitpid(-1, 1)) > 0) { $status = $? if $pid == $child; }
      }
      $SIG{CHLD} = 'DEFAULT';
      sub descendants {
        my %kids;
        opendir(my $d, '/proc') or return ();
        for my $p (grep { /^\\d+$/ } readdir $d) {
          open(my $f, '<', "/proc/$p/stat") or next;
          my $s = <$f>;
          close $f;
          next unless defined $s;
          my ($state, $ppid) = (split ' ', substr($s, rindex($s, ')') + 2))[0, 1];
          push @{ $kids{$ppid} }, [$p, $state];
        }
        my (@out, @todo);
        @todo = ($$);
        while (@todo) {
          for my $k (@{ $kids{ shift @todo } || [] }) { push @out, $k->[0] if $k->[1] ne 'Z'; push @todo, $k->[0]; }
        }
        return @out;
      }
      for my $round (1 .. 500) {
        kill 'KILL', -$child;
        my @pids = descendants();
        if ($procs ne '-' && open(my $f, '<', $procs)) { push @pids, grep { /^\\d+$/ } map { s/\\s+//gr } <$f>; close $f; }
        1 while waitpid(-1, 1) > 0;
        last unless @pids;
        kill 'KILL', @pids;
        select(undef, undef, undef, 0.01);
      }
      exit 137 if $eof;
      exit(($status & 127) ? 128 + ($status & 127) : $status >> 8);
      """;
}
