package dev.durableloops.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code durable-loops}: the HTTP API from a terminal. The URL and token come from
 * {@code --url}/{@code --token}, else {@code DURABLE_LOOPS_URL}/{@code DURABLE_LOOPS_TOKEN}, else the
 * config file {@code ~/.config/durable-loops/config.properties} ({@code url=}, {@code token=}); the
 * URL defaults to {@code http://127.0.0.1:8080}. Exit codes: 0 done, 1 the API refused (its problem
 * detail is printed), 2 bad usage.
 */
@Command(name = "durable-loops", mixinStandardHelpOptions = true, version = "durable-loops 0.1.0",
    description = "Start, watch, approve, roll back and fork durable coding loops.",
    subcommands = {StartCommand.class, ListCommand.class, ShowCommand.class, WatchCommand.class, ApproveCommand.class,
        RejectCommand.class, RollbackCommand.class, ForkCommand.class, LogsCommand.class})
public final class DurableLoopsCli {

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", description = "API base URL (DURABLE_LOOPS_URL; default http://127.0.0.1:8080)")
  String url;

  @Option(names = "--token", description = "API token (DURABLE_LOOPS_TOKEN, or token= in ~/.config/durable-loops/config.properties)")
  String token;

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

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private static String first(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }

  /** The command line with this project's error handling: an API refusal prints its detail, exit 1. */
  public static CommandLine commandLine() {
    CommandLine line = new CommandLine(new DurableLoopsCli());
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ApiClient.ApiException api) {
        cmd.getErr().println("durable-loops: " + api.getMessage());
        return 1;
      }
      throw e;
    });
    return line;
  }

  /**
   * Runs the command line and exits with its code. picocli's writers flush on {@code println} only,
   * and {@code show} and {@code logs <name>} end with {@code print}: without the flush their whole
   * output was lost at {@code System.exit}.
   */
  public static void main(String[] args) {
    CommandLine line = commandLine();
    int code = line.execute(args);
    line.getOut().flush();
    line.getErr().flush();
    System.exit(code);
  }
}
