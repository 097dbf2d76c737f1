package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.autoconfigure.properties.ConnectionProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link TemporalTls} says and does for each way of connecting; the handshakes are {@code ClusterAttackIT}'s. */
class TemporalTlsTest {

  @TempDir
  Path dir;

  @Test
  void saysHowTheAppConnects() {
    assertThat(TemporalTls.describe(connection("127.0.0.1:7233", null, null), null))
        .isEqualTo("plaintext, no client credentials (only for a server on loopback that trusts every local process)");
    assertThat(TemporalTls.describe(connection("my-ns.a1b2c.tmprl.cloud:7233", mtls("/certs/worker.key", "/certs/worker.pem"), null), null))
        .isEqualTo("mutual TLS with the client certificate /certs/worker.pem, server certificate checked against the JVM's CAs");
    assertThat(TemporalTls.describe(connection("us-east-1.aws.api.temporal.io:7233", null, "secret-key"), null))
        .isEqualTo("TLS with an API key, server certificate checked against the JVM's CAs")
        .doesNotContain("secret-key");
    assertThat(TemporalTls.describe(connection("temporal:7233", null, null), Path.of("/certs/ca.pem")))
        .isEqualTo("TLS without a client certificate, server certificate checked against /certs/ca.pem");
  }

  @Test
  void knowsLoopbackTargets() {
    assertThat(TemporalTls.onLoopback("127.0.0.1:7233")).isTrue();
    assertThat(TemporalTls.onLoopback("localhost:7233")).isTrue();
    assertThat(TemporalTls.onLoopback("[::1]:7233")).isTrue();
    assertThat(TemporalTls.onLoopback("temporal-frontend:7233")).isFalse();
    assertThat(TemporalTls.onLoopback("10.0.0.5:7233")).isFalse();
  }

  @Test
  void leavesTheStartersTlsAloneWithoutACaFile() {
    WorkflowServiceStubsOptions.Builder builder = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:7233");
    new TemporalTls(connection("127.0.0.1:7233", null, null), null).customize(builder);
    assertThat(builder.build().getSslContext()).isNull();
  }

  @Test
  void aCaFileWithoutACertificateStopsTheApp() throws Exception {
    Path notACa = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
    WorkflowServiceStubsOptions.Builder builder = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:7233");
    assertThatThrownBy(() -> new TemporalTls(connection("127.0.0.1:7233", null, null), notACa).customize(builder))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot set up TLS to Temporal with the CA file " + notACa);
  }

  @Test
  void theApisRequestClientKeepsTheStartersTls() throws Exception {
    // RequestClient builds service stubs of its own; they must carry the TLS context and API key
    // the starter's stubs were given, or API calls would reach the server without credentials.
    var ssl = SimpleSslContextBuilder.noKeyOrCertChain().build();
    WorkflowServiceStubs starter = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget("127.0.0.1:7233").setSslContext(ssl).addApiKey(() -> "key").build());
    RequestClient requests = new RequestClient(WorkflowClient.newInstance(starter));
    try {
      WorkflowServiceStubsOptions options = requests.client().getWorkflowServiceStubs().getOptions();
      assertThat(options.getSslContext()).isSameAs(ssl);
      assertThat(options.getGrpcMetadataProviders()).isEqualTo(starter.getOptions().getGrpcMetadataProviders()).isNotEmpty();
    } finally {
      requests.close();
      starter.shutdownNow();
    }
  }

  private static ConnectionProperties connection(String target, ConnectionProperties.MTLSProperties mtls, String apiKey) {
    return new ConnectionProperties(target, null, mtls, apiKey);
  }

  private static ConnectionProperties.MTLSProperties mtls(String keyFile, String certChainFile) {
    return new ConnectionProperties.MTLSProperties(null, null, null, keyFile, certChainFile, null, null, null);
  }
}
