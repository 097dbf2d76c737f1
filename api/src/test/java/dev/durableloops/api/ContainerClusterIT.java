package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The packaged app against Temporal on PostgreSQL in containers (Testcontainers), where a Docker
 * engine exists: a loop runs to {@code SUCCEEDED} through the API. Where none exists it skips and
 * says why; {@code deploy/cluster.sh --smoke} and {@code CLUSTER=1 deploy/many-machines.sh} cover
 * Temporal on PostgreSQL without Docker.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ContainerClusterIT {

  @TempDir Path tmp;

  @Test
  void aLoopRunsOnTemporalWithPostgresInContainers() throws Exception {
    assumeTrue(dockerAvailable(), "needs a Docker engine (none here); deploy/cluster.sh --smoke and "
        + "CLUSTER=1 deploy/many-machines.sh run Temporal on PostgreSQL without Docker");
    assumeTrue(Platform.available(), "needs the packaged app jar (mvn verify)");
    try (Network network = Network.newNetwork();
        GenericContainer<?> postgres = new GenericContainer<>("postgres:16")
            .withNetwork(network).withNetworkAliases("postgresql")
            .withEnv(Map.of("POSTGRES_USER", "temporal", "POSTGRES_PASSWORD", "temporal"))
            .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2));
        GenericContainer<?> temporal = new GenericContainer<>("temporalio/auto-setup:1.29.1")
            .withNetwork(network)
            .withEnv(Map.of("DB", "postgres12", "DB_PORT", "5432", "POSTGRES_USER", "temporal", "POSTGRES_PWD", "temporal",
                "POSTGRES_SEEDS", "postgresql"))
            .withExposedPorts(7233)
            .waitingFor(Wait.forListeningPort().withStartupTimeout(Duration.ofMinutes(3)));
        Platform platform = new Platform(tmp)) {
      postgres.start();
      temporal.start();
      platform.externalTarget = temporal.getHost() + ":" + temporal.getMappedPort(7233);
      Platform.App app = platform.startApp(true);
      Path repo = platform.repository("containers", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "containers", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
           "make": {"command": "echo fixed > a.txt"},
           "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}]}
          """.formatted(repo));
      String state = app.awaitState("loop-containers", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(3));
      assertThat(JsonPath.<String>read(state, "$.status")).isEqualTo("SUCCEEDED");
    }
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
