package dev.durableloops.api;

import dev.durableloops.activities.SpecRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The project's own settings, {@code durable-loops.*}. Temporal's connection is
 * {@code spring.temporal.*}.
 *
 * @param dataDir where loops keep their workspaces and logs; default {@code ./.data}
 *     ({@code DURABLE_LOOPS_DATA_DIR})
 * @param taskQueue the task queue the loop worker polls; default {@code durable-loops}
 * @param temporalUiUrl base URL of the Temporal UI for links; default {@code http://localhost:8233}
 * @param registerSearchAttributes whether the app registers the loop search attributes on the
 *     namespace at start when they are missing; default {@code true}
 * @param apiToken the bearer token every API call must carry ({@code DURABLE_LOOPS_API_TOKEN});
 *     default: generated at first start into {@code <dataDir>/api-token}, owner-only
 * @param allowedRoots directories (besides the data directory) under which local repositories may
 *     sit ({@code DURABLE_LOOPS_ALLOWED_ROOTS}, comma-separated); default none
 * @param allowedRemoteHosts hosts remote repository URLs may name; default none (remote URLs are
 *     refused)
 * @param allowedRemoteSchemes URL schemes allowed for remote repositories; default {@code https},
 *     {@code ssh}
 * @param maxBodySize largest request body accepted; default 256KB; larger is 413
 * @param outputCap output a step command may write before it is killed; default 64MB
 * @param inheritedEnv worker environment variables every command sees; default PATH, HOME, USER,
 *     LOGNAME, SHELL, LANG, LC_ALL, LC_CTYPE, TERM, TZ, TMPDIR
 * @param gitStore the git store every attempt and checkpoint is pushed to: a path on storage every
 *     worker and the API share, or a URL JGit can push to ({@code DURABLE_LOOPS_GIT_STORE}); default
 *     {@code <dataDir>/store.git}, created on first use
 * @param workerId this worker's id, naming its own task queue {@code <taskQueue>@<workerId>} where
 *     the steps of the loops whose workspace it holds go ({@code DURABLE_LOOPS_WORKER_ID}); default:
 *     made once as {@code <host>-<8 hex>} and kept in {@code <dataDir>/worker-id}, so a restarted
 *     worker with the same disk gets its loops back
 * @param tokens named API tokens for people and automations, each {@code name}, {@code sha256} (hex
 *     of the token) and {@code roles} (VIEWER, OPERATOR, APPROVER); default none
 * @param tokensFile a file of further named tokens, one {@code name roles sha256} per line; default
 *     {@code <dataDir>/tokens} when it exists
 * @param notifications webhooks every loop's events go to, their HMAC secret and the app's address for links
 * @param jwtRolesClaim with an OAuth2 resource server configured
 *     ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri}), the JWT claim listing the
 *     caller's roles; default {@code roles}
 * @param capacity worker capacity ({@code durable-loops.capacity.*}), also applied to the worker's
 *     own task queue
 * @param secrets secret values by name for {@code ${secret:NAME}} in a spec's {@code env}
 *     ({@code durable-loops.secrets.NAME}); never written to Temporal history
 * @param sandbox how step commands are confined ({@code durable-loops.sandbox.*})
 * @param temporalCaFile a PEM file of the CAs that may sign the Temporal frontend's certificate
 *     ({@code DURABLE_LOOPS_TEMPORAL_CA_FILE}), for a cluster with a CA of its own; the client
 *     certificate is the starter's {@code spring.temporal.connection.mtls.*}; default none: the
 *     JVM's trusted CAs (Temporal Cloud), or plaintext when no TLS is configured at all
 * @param passableEnv names of the worker's environment variables a spec's {@code passEnv} may name
 *     besides {@code inheritedEnv} ({@code DURABLE_LOOPS_PASSABLE_ENV}, comma-separated), e.g.
 *     {@code ANTHROPIC_API_KEY}; default none. The platform's own variables ({@code DURABLE_LOOPS_*},
 *     {@code DURABLELOOPS_*}, {@code TEMPORAL_*}, {@code SPRING_*}, {@code JAVA_*}, {@code JDK_*},
 *     {@code _JAVA_OPTIONS}, {@code GIT_*}, {@code CLASSPATH}, {@code SSH_AUTH_SOCK} …) are refused
 *     even when listed
 * @param secretGrants who may use which secret ({@code durable-loops.secret-grants.<NAME>.roles} and
 *     {@code .repositories}); a secret without a grant is usable only by loops an {@code APPROVER}
 *     started, on any allowed repository; default none
 * @param grantKey the key the API signs start grants with and workers check them by (HMAC-SHA256;
 *     {@code DURABLE_LOOPS_GRANT_KEY}, at least 16 bytes); default: made on first use in
 *     {@code <dataDir>/grant-key}, owner-only. Processes that do not share the data directory must
 *     share this key.
 * @param worker how the worker stops ({@code durable-loops.worker.*})
 */
@ConfigurationProperties("durable-loops")
public record LoopsProperties(
    @DefaultValue(".data") Path dataDir,
    @DefaultValue("durable-loops") String taskQueue,
    @DefaultValue("http://localhost:8233") String temporalUiUrl,
    @DefaultValue("true") boolean registerSearchAttributes,
    String apiToken,
    @DefaultValue({}) List<Path> allowedRoots,
    @DefaultValue({}) List<String> allowedRemoteHosts,
    @DefaultValue({"https", "ssh"}) List<String> allowedRemoteSchemes,
    @DefaultValue("256KB") DataSize maxBodySize,
    @DefaultValue("64MB") DataSize outputCap,
    @DefaultValue({"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR"})
        List<String> inheritedEnv,
    @DefaultValue({}) Map<String, String> secrets,
    String gitStore,
    String workerId,
    @DefaultValue Capacity capacity,
    @DefaultValue({}) List<Token> tokens,
    Path tokensFile,
    @DefaultValue("roles") String jwtRolesClaim,
    @DefaultValue Notify notifications,
    @DefaultValue Confinement sandbox,
    Path temporalCaFile,
    @DefaultValue({}) List<String> passableEnv,
    @DefaultValue({}) Map<String, SpecRules.SecretGrant> secretGrants,
    String grantKey,
    @DefaultValue WorkerSettings worker) {

  /**
   * The spec policy of these settings ({@link SpecRules}): the data directory (made here when missing,
   * so it is an allowed root from the start) and the allowed roots, hosts and schemes, the inherited
   * and passable names, the secrets and their grants.
   *
   * @throws java.io.UncheckedIOException when the data directory cannot be made
   */
  public SpecRules specRules() {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
    }
    List<Path> roots = new ArrayList<>();
    roots.add(dataDir);
    roots.addAll(allowedRoots);
    return new SpecRules(new SpecRules.Settings(roots, allowedRemoteHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
        allowedRemoteSchemes, inheritedEnv, passableEnv, secrets.keySet(), secretGrants,
        sandbox == null || sandbox.writableRoots() == null ? List.of() : sandbox.writableRoots()));
  }

  /**
   * How step commands are confined ({@code durable-loops.sandbox.*}); see the activities' {@code Sandbox}.
   *
   * @param mode {@code AUTO} (the sandbox runtime where it works, else bubblewrap alone, else the
   *     process group; default), {@code SANDBOX_RUNTIME} or {@code BUBBLEWRAP} (refuse to start
   *     without it) or {@code NONE} (no sandbox, the host's network)
   * @param hidden further paths commands must not see, besides the data directory (which holds the
   *     workspaces, the git store and the API token file): the Temporal database, credentials; default none
   * @param maxProcesses processes and threads one step may have at once (a {@code pids} cgroup where
   *     the machine gives one); default 512; {@code 0} turns the cap off
   * @param allowedDomains the destinations a spec's {@code sandbox.allowedDomains} may name at most
   *     (host names, {@code *.domain}, IP literals, each with an optional {@code :port}; {@code *}
   *     allows any); a step whose spec names one not covered here fails with a reason; default none
   * @param hostNetwork give steps the worker's own network (its loopback, Temporal, the app, every
   *     service it reaches) instead of a network namespace of their own; default {@code false}
   * @param runtime where the sandbox runtime ({@code srt}) is installed, the directory
   *     {@code npm ci} ran in; default {@code ~/.local/share/durable-loops/sandbox-runtime} (where
   *     {@code deploy/lib.sh} installs it), then {@code srt} on the {@code PATH}
   * @param writableRoots directories a spec's {@code sandbox.writable} paths may lie under (e.g.
   *     {@code /root/.claude} for the agent's login); default none: every {@code sandbox.writable} is
   *     refused. Never writable whatever is listed: the data directory, hidden paths, the secrets of
   *     the worker's home, the tools root and the sandbox runtime, the Java runtime, {@code PATH} entries
   * @param privateNetworks private ranges ({@code 10.0.0.0/8}, {@code 172.16.0.0/12},
   *     {@code 192.168.0.0/16}, {@code 100.64.0.0/10}, {@code fc00::/7}, each named exactly) that an
   *     allowed host name may resolve to; default none
   */
  public record Confinement(
      @DefaultValue("AUTO") dev.durableloops.activities.Sandbox.Mode mode,
      @DefaultValue({}) List<Path> hidden,
      @DefaultValue("512") int maxProcesses,
      @DefaultValue({}) List<String> allowedDomains,
      @DefaultValue("false") boolean hostNetwork,
      Path runtime,
      @DefaultValue({}) List<Path> writableRoots,
      @DefaultValue({}) List<String> privateNetworks) {

    /** These settings for the activities' sandbox. */
    public dev.durableloops.activities.Sandbox.Settings settings() {
      return new dev.durableloops.activities.Sandbox.Settings(mode, hidden, maxProcesses, allowedDomains, hostNetwork, runtime,
          writableRoots, privateNetworks, null);
    }
  }

  /**
   * Where every loop's events go ({@code durable-loops.notifications.*}), besides each spec's own webhooks.
   *
   * @param webhooks URLs that get every loop's events (approval needed, approval reminder, ended)
   * @param secret key webhooks are signed with per the Standard Webhooks scheme ({@code webhook-id},
   *     {@code webhook-timestamp}, {@code webhook-signature}; docs/spec.md, "Notifications"):
   *     {@code whsec_<base64>}, or any other text taken as its UTF-8 bytes; it also keys the
   *     deprecated {@code X-Durable-Loops-Signature: sha256=<hex HMAC-SHA256 of the body>} header.
   *     Default none: unsigned
   * @param webUrl the app's address for the links in events; default {@code http://127.0.0.1:8080}
   */
  public record Notify(@DefaultValue({}) List<String> webhooks, String secret, @DefaultValue("http://127.0.0.1:8080") String webUrl) {}


  /**
   * How a worker process runs makers and stops ({@code durable-loops.worker.*}).
   *
   * @param drainTimeout how long a worker asked to stop (SIGTERM) lets its running steps finish: it
   *     stops polling at once, waits up to this long, then stops the steps still running, which
   *     Temporal retries on another worker; default 30 s ({@code DURABLE_LOOPS_DRAIN_TIMEOUT}). A
   *     platform's stop grace (Kubernetes {@code terminationGracePeriodSeconds}, Compose
   *     {@code stop_grace_period}) must exceed it, or the process is killed before the drain ends.
   * @param maxMakers makers (the {@code make} command of any loop, attempt or fan-out child) this
   *     worker runs at once; a {@code Make} step past it waits for one to end, heartbeating, within
   *     its step's time, then fails with the retryable {@code WORKER_BUSY}; default 0: no limit
   *     ({@code DURABLE_LOOPS_MAX_MAKERS})
   * @param maxMakersPerRepository makers this worker runs at once on one repository (as specs name
   *     it), so a fleet on one repository leaves room for other loops; default 0: no limit
   *     ({@code DURABLE_LOOPS_MAX_MAKERS_PER_REPOSITORY})
   * @param heartbeatTimeout how long this worker's command steps may go without a heartbeat before
   *     their loop takes the worker for lost and moves to a live one; between 3 s and 10 min, default
   *     10 s ({@code DURABLE_LOOPS_HEARTBEAT_TIMEOUT}). Shorter moves a lost worker's loops sooner (3 s:
   *     in ~4 s instead of ~11 s) but takes a live worker for lost when its heartbeats arrive late: a
   *     long GC pause, or a machine loaded past its cores (BENCHMARKS.md, "Moving a lost worker's loops")
   * @throws IllegalArgumentException when {@code heartbeatTimeout} lies outside 3 s…10 min
   */
  public record WorkerSettings(@DefaultValue("30s") java.time.Duration drainTimeout, @DefaultValue("0") int maxMakers,
      @DefaultValue("0") int maxMakersPerRepository, @DefaultValue("10s") java.time.Duration heartbeatTimeout) {

    public WorkerSettings {
      if (heartbeatTimeout != null
          && (heartbeatTimeout.compareTo(java.time.Duration.ofSeconds(3)) < 0 || heartbeatTimeout.compareTo(java.time.Duration.ofMinutes(10)) > 0)) {
        throw new IllegalArgumentException("durable-loops.worker.heartbeat-timeout must lie between 3s and 10m, not " + heartbeatTimeout);
      }
    }
  }

  /**
   * A named API token.
   *
   * @param name who it belongs to; recorded as the author of their decisions and notes
   * @param sha256 SHA-256 of the token, hex; the token itself is never stored
   * @param roles VIEWER, OPERATOR and/or APPROVER
   */
  public record Token(String name, String sha256, List<String> roles) {}

  /**
   * How much one worker process takes on. The defaults held 1,000 concurrent loops on one worker
   * in the scale benchmark (BENCHMARKS.md, {@code bench/run.sh --only scale}).
   *
   * @param workflowCache workflow executions kept in memory; default 2,000
   *     ({@code DURABLE_LOOPS_WORKFLOW_CACHE})
   * @param workflowTaskSlots workflow tasks run at once; default 200
   * @param activitySlots activities (steps) run at once per task queue; default 1,200: a loop runs
   *     at most one step at a time, so this bounds the loops whose step is in flight
   * @param workflowTaskPollers concurrent workflow-task polls; default 8
   * @param activityTaskPollers concurrent activity-task polls per task queue; default 8
   */
  public record Capacity(
      @DefaultValue("2000") int workflowCache,
      @DefaultValue("200") int workflowTaskSlots,
      @DefaultValue("1200") int activitySlots,
      @DefaultValue("8") int workflowTaskPollers,
      @DefaultValue("8") int activityTaskPollers) {}
}
