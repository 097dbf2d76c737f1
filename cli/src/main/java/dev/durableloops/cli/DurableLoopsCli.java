package dev.durableloops.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code durable-loops}: the HTTP API from a terminal. The URL and token come from
 * {@code --url}/{@code --token}, else {@code DURABLE_LOOPS_URL}/{@code DURABLE_LOOPS_TOKEN}, else the
 * config file {@code ~/.config/durable-loops/config.properties} ({@code url=}, {@code token=}); the
 * URL defaults to {@code http://127.0.0.1:8080}. {@code -o json} prints the API's JSON instead of
 * tables. Exit codes: {@link #OK} done, {@link #REFUSED} the API refused or could not be reached (its
 * problem detail is printed), {@link #USAGE} bad usage; {@code watch} ends with the loop's own code
 * ({@link WatchCommand#exitCode}).
 */
@Command(name = "durable-loops", mixinStandardHelpOptions = true, version = "durable-loops 0.1.0",
    description = "Start, watch, steer, approve, roll back and fork durable coding loops; manage schedules and rules.",
    subcommands = {StartCommand.class, ListCommand.class, ShowCommand.class, WatchCommand.class, ApproveCommand.class,
        RejectCommand.class, PauseCommand.class, ResumeCommand.class, CancelCommand.class, NoteCommand.class, ExtendCommand.class,
        RollbackCommand.class, ForkCommand.class, LogsCommand.class, SchedulesCommand.class, RulesCommand.class,
        CompletionCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (watch: the loop SUCCEEDED)", "1:the API refused or could not be reached; its reason is printed",
        "2:bad usage", "3:watch: the loop FAILED", "4:watch: the loop STALLED", "5:watch: the loop was CAPPED",
        "6:watch: the loop was CANCELLED"})
public final class DurableLoopsCli {

  /** Exit code: done. */
  public static final int OK = 0;
  /** Exit code: the API refused the call or could not be reached. */
  public static final int REFUSED = 1;
  /** Exit code: bad usage (picocli's own). */
  public static final int USAGE = 2;

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", scope = ScopeType.INHERIT, description = "API base URL (DURABLE_LOOPS_URL; default http://127.0.0.1:8080)")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT,
      description = "API token (DURABLE_LOOPS_TOKEN, or token= in ~/.config/durable-loops/config.properties)")
  String token;

  @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT", defaultValue = "table",
      description = "table (columns under a header; colour on a terminal) or json (the API's JSON); default ${DEFAULT-VALUE}")
  Printer.Format output;

  /** Where the config file is; default {@code ~/.config/durable-loops/config.properties} (tests point it elsewhere). */
  public static Path configFile = Path.of(System.getProperty("user.home"), ".config", "durable-loops", "config.properties");

  /** The environment the URL and token come from; default the process's (tests give their own). */
  public static Map<String, String> environment = System.getenv();

  ApiClient client() {
    Properties config = new Properties();
    if (Files.exists(configFile)) {
      try (var in = Files.newInputStream(configFile)) {
        config.load(in);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + configFile + ": " + e.getMessage());
      }
    }
    String base = first(url, environment.get("DURABLE_LOOPS_URL"), config.getProperty("url"), "http://127.0.0.1:8080");
    String key = first(token, environment.get("DURABLE_LOOPS_TOKEN"), config.getProperty("token"), null);
    if (key == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "no API token: give --token, set DURABLE_LOOPS_TOKEN, or put token=... in " + configFile);
    }
    return new ApiClient(URI.create(base), key);
  }

  /** Where and how the running command prints. */
  Printer printer() {
    return new Printer(spec.commandLine().getOut(), spec.commandLine().getColorScheme().ansi(), output);
  }

  private static String first(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }

  /**
   * The command line with this project's error handling: an API refusal prints its detail and
   * exits {@link #REFUSED}; a usage error ({@link CommandLine.ParameterException}, also one a
   * command throws while it runs) prints its message and exits {@link #USAGE}.
   */
  public static CommandLine commandLine() {
    CommandLine line = new CommandLine(new DurableLoopsCli());
    line.setCaseInsensitiveEnumValuesAllowed(true);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ApiClient.ApiException api) {
        cmd.getErr().println("durable-loops: " + api.getMessage());
        cmd.getErr().flush();
        return REFUSED;
      }
      throw e;
    });
    return line;
  }

  /**
   * Runs the command line and exits with its code. picocli's writers flush on {@code println}
   * only: the flush keeps output ending in {@code print} from being lost at {@code System.exit}.
   */
  public static void main(String[] args) {
    CommandLine line = commandLine();
    int code = line.execute(args);
    line.getOut().flush();
    line.getErr().flush();
    System.exit(code);
  }
}
