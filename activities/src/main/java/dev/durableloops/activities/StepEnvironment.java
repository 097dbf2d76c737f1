package dev.durableloops.activities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The handover of a step's environment to its command: the spec's variables reach the command
 * alone, inside the sandbox, never a process that runs before it (the {@link Supervisor},
 * {@code srt}, {@code bwrap}), which get the worker's fixed environment ({@link EnvRules#outside}).
 */
final class StepEnvironment {

  private StepEnvironment() {}

  /**
   * Runs inside the sandbox as the step's first program, with the sandbox's own environment (the
   * worker's fixed one, plus the runtime's proxy settings): reads the file its argument names
   * ({@code clear|keep}, the command, then {@code NAME=value} entries, each ended by NUL), clears
   * the environment ({@code clear}) or keeps it ({@code keep}, for the runtime's proxy variables),
   * sets the step's variables and becomes {@code /bin/sh -c <command>}. Nothing before it reads a
   * variable of the spec; the file lies in the hidden loop directory and is removed after the step.
   */
  static final String LAUNCHER = """
      open(my $f, '<', $ARGV[0]) or die "durable-loops: cannot read the step's environment: $!\\n";
      my $d = do { local $/; <$f> }; close $f;
      my ($mode, $command, @vars) = split /\\0/, $d, -1;
      pop @vars;
      %ENV = () if $mode eq 'clear';
      for my $v (@vars) { my ($k, $x) = split /=/, $v, 2; $ENV{$k} = $x; }
      exec { '/bin/sh' } 'sh', '-c', $command;
      die "durable-loops: cannot run /bin/sh: $!\\n";
      """;

  /**
   * What becomes the step's command inside the sandbox.
   *
   * @param argv the launcher's command line
   * @param files what it reads (to be made readable inside the sandbox)
   * @param cleanup removes them
   */
  record Launch(List<String> argv, List<Path> files, Runnable cleanup) {}

  /**
   * The {@link #LAUNCHER} and the file it reads, written in the hidden {@code loopDir}; without
   * {@code perl} on the worker, {@code env [-i] NAME=value… sh -c <command>} (then the step's values
   * are on the command line of the processes outside the sandbox, which only the worker's user and
   * root can read as they can its environment).
   *
   * @param clear whether the command starts from an empty environment plus {@code env}, or from the
   *     sandbox's own (the runtime's proxy settings) plus {@code env}
   * @throws StepException {@code BAD_SPEC} when {@code env} names a variable that cannot be set (an
   *     empty name, or a name or value holding NUL, or a name holding {@code =})
   * @throws IOException when the file cannot be written
   */
  static Launch launch(String command, Map<String, String> env, Path loopDir, boolean clear) throws IOException {
    String perl = Supervisor.perl();
    if (perl == null) {
      List<String> argv = new ArrayList<>(List.of("env"));
      if (clear) {
        argv.add("-i");
      }
      env.forEach((k, v) -> argv.add(k + "=" + v));
      argv.addAll(List.of("sh", "-c", command));
      return new Launch(argv, List.of(), () -> {});
    }
    StringBuilder text = new StringBuilder(clear ? "clear" : "keep").append('\0').append(command).append('\0');
    env.forEach((k, v) -> {
      if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
        throw new StepException(StepException.Kind.BAD_SPEC, "env names a variable that cannot be set: '" + k.replace("\0", "\\0") + "'");
      }
      text.append(k).append('=').append(v).append('\0');
    });
    Files.createDirectories(loopDir);
    Path file = Files.createTempFile(loopDir, "step-", ".env");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return new Launch(List.of(perl, "-e", LAUNCHER, file.toString()), List.of(file), () -> {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // The loop's directory is hidden from steps; the next step writes a file of its own.
      }
    });
  }
}
