package dev.durableloops.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.autoconfigure.properties.ConnectionProperties;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the control plane's mutual TLS, with the certificates {@code deploy/cluster.sh} makes
 * ({@code ensure_cluster_certs} in {@code deploy/lib.sh}) and the app's own TLS wiring
 * ({@link TemporalTls}). The frontend here is a stand-in gRPC server configured as
 * {@code deploy/cluster/temporal.yaml} configures Temporal's (the frontend certificate, client
 * certificates required, only the cluster's CA trusted), answering the workflow service's calls and
 * counting those that reach it; {@code deploy/cluster.sh --smoke} tries the same clients against the
 * real Temporal server. Each attack first checks that the app's client, as a worker with the
 * cluster's certificate, is answered, so a refusal is never just a server that is down.
 */
@Timeout(120)
class ClusterAttackIT {

  @TempDir
  static Path certs;

  private final List<Server> servers = new ArrayList<>();
  private final List<WorkflowServiceStubs> clients = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    assumeTrue(onPath("openssl") && onPath("bash"), "needs openssl and bash to make the cluster's certificates");
    Path lib = Path.of("..", "deploy", "lib.sh").toAbsolutePath().normalize();
    run(certs, "bash", "-c", "source \"$0\" && ensure_cluster_certs \"$1\"", lib.toString(), certs.resolve("cluster").toString());
    // A CA of the attacker's own, and a certificate it signed for 127.0.0.1 usable as client or server.
    run(certs, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
        "-subj", "/CN=intruder", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-addext", "extendedKeyUsage=serverAuth,clientAuth", "-keyout", "intruder.key", "-out", "intruder.pem");
  }

  @AfterEach
  void stop() {
    clients.forEach(WorkflowServiceStubs::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void aClientWithoutACertificateCannotStartALoop() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    int port = frontend("frontend", reached);
    assertThat(systemInfo(appClient(port, "worker"))).isNotNull();
    int before = reached.get();

    assertThatThrownBy(() -> startLoop(stubs(port, null))).as("plaintext").isInstanceOf(StatusRuntimeException.class);
    SslContext tlsWithoutCertificate = SimpleSslContextBuilder.noKeyOrCertChain()
        .setTrustManager(TemporalTls.trustOnly(cluster("ca.pem"))).build();
    assertThatThrownBy(() -> startLoop(stubs(port, tlsWithoutCertificate))).as("TLS without a client certificate")
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(reached.get()).as("calls that reached the frontend").isEqualTo(before);
  }

  @Test
  void aCertificateFromAnotherCaCannotStartALoop() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    int port = frontend("frontend", reached);
    assertThat(systemInfo(appClient(port, "api"))).isNotNull();
    int before = reached.get();

    SslContext intruder = SimpleSslContextBuilder.forPKCS8(new ByteArrayInputStream(Files.readAllBytes(certs.resolve("intruder.pem"))),
        new ByteArrayInputStream(Files.readAllBytes(certs.resolve("intruder.key")))).setTrustManager(TemporalTls.trustOnly(cluster("ca.pem"))).build();
    assertThatThrownBy(() -> startLoop(stubs(port, intruder))).isInstanceOf(StatusRuntimeException.class);
    assertThat(reached.get()).as("calls that reached the frontend").isEqualTo(before);
  }

  @Test
  void anImpostorFrontendGetsNothingFromTheApp() throws Exception {
    AtomicInteger reachedImpostor = new AtomicInteger();
    int impostor = server(certs.resolve("intruder.pem"), certs.resolve("intruder.key"), certs.resolve("intruder.pem"), reachedImpostor);
    AtomicInteger reachedFrontend = new AtomicInteger();
    assertThat(systemInfo(appClient(frontend("frontend", reachedFrontend), "worker"))).isNotNull();

    // The impostor listens where the app expects Temporal and would take any client certificate;
    // the app checks the server against the cluster's CA alone and sends it nothing.
    assertThatThrownBy(() -> startLoop(appClient(impostor, "worker"))).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("UNAVAILABLE");
    assertThat(reachedImpostor.get()).as("calls that reached the impostor").isZero();
  }

  /** The app's client as {@link TemporalTls} builds it for the cluster client {@code name}. */
  private WorkflowServiceStubs appClient(int port, String name) {
    ConnectionProperties connection = new ConnectionProperties("127.0.0.1:" + port, null,
        new ConnectionProperties.MTLSProperties(null, null, null, cluster(name + ".key").toString(),
            cluster(name + ".pem").toString(), null, null, null), null);
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(connection.getTarget());
    return keep(WorkflowServiceStubs.newServiceStubs(new TemporalTls(connection, cluster("ca.pem")).customize(options).build()));
  }

  private WorkflowServiceStubs stubs(int port, SslContext ssl) {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port);
    if (ssl != null) {
      options.setSslContext(ssl);
    }
    return keep(WorkflowServiceStubs.newServiceStubs(options.build()));
  }

  private WorkflowServiceStubs keep(WorkflowServiceStubs stubs) {
    clients.add(stubs);
    return stubs;
  }

  private static GetSystemInfoResponse systemInfo(WorkflowServiceStubs stubs) {
    return stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
  }

  private static void startLoop(WorkflowServiceStubs stubs) {
    stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).startWorkflowExecution(StartWorkflowExecutionRequest.newBuilder()
        .setNamespace("default").setWorkflowId("loop-intruder").setRequestId("intruder").build());
  }

  /** A stand-in frontend with the cluster's server certificate {@code name}, requiring client certificates. */
  private int frontend(String name, AtomicInteger reached) throws Exception {
    return server(cluster(name + ".pem"), cluster(name + ".key"), cluster("ca.pem"), reached);
  }

  private int server(Path cert, Path key, Path clientCa, AtomicInteger reached) throws Exception {
    SslContext ssl = GrpcSslContexts.forServer(cert.toFile(), key.toFile()).trustManager(clientCa.toFile())
        .clientAuth(ClientAuth.REQUIRE).build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(ssl)
        .addService(new WorkflowServiceGrpc.WorkflowServiceImplBase() {
          @Override
          public void getSystemInfo(GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
            reached.incrementAndGet();
            response.onNext(GetSystemInfoResponse.getDefaultInstance());
            response.onCompleted();
          }

          @Override
          public void startWorkflowExecution(StartWorkflowExecutionRequest request,
              StreamObserver<StartWorkflowExecutionResponse> response) {
            reached.incrementAndGet();
            response.onNext(StartWorkflowExecutionResponse.newBuilder().setRunId("started").build());
            response.onCompleted();
          }
        }).build().start();
    servers.add(server);
    return server.getPort();
  }

  private static Path cluster(String file) {
    return certs.resolve("cluster").resolve(file);
  }

  private static void run(Path dir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
