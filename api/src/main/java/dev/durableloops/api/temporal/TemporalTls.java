package dev.durableloops.api.temporal;

import dev.durableloops.api.LoopsProperties;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.properties.ConnectionProperties;
import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.lang.NonNull;
import org.springframework.stereotype.Component;

/**
 * How the app authenticates to Temporal and checks the server it talks to, for every client it
 * builds: the starter's worker and client, {@link RequestClient}, the schedule client, the
 * search-attribute registration and the worker probe all share the starter's service stubs options.
 *
 * <p>The starter configures mutual TLS ({@code spring.temporal.connection.mtls.key-file},
 * {@code cert-chain-file}, {@code server-name}) and Temporal Cloud's API key
 * ({@code spring.temporal.connection.api-key}), and checks the server's certificate against the
 * JVM's trusted CAs, which is right for Temporal Cloud. A cluster with its own CA (deploy/cluster.sh)
 * names that CA in {@code durable-loops.temporal-ca-file} ({@code DURABLE_LOOPS_TEMPORAL_CA_FILE}):
 * this customizer then builds the TLS context again from the same client key and certificate, trusting
 * only the CAs in that PEM file. A CA file without a client certificate gives plain server-checked
 * TLS. A broken file stops the app at start instead of falling back to a weaker connection.
 */
@Component
class TemporalTls implements TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> {

  private static final Logger log = LoggerFactory.getLogger(TemporalTls.class);

  private final ConnectionProperties connection;
  private final Path caFile;

  @Autowired
  TemporalTls(TemporalProperties temporal, LoopsProperties properties) {
    this(temporal.getConnection(), properties.temporalCaFile());
  }

  TemporalTls(ConnectionProperties connection, Path caFile) {
    this.connection = connection;
    this.caFile = caFile;
  }

  @Override
  public @NonNull WorkflowServiceStubsOptions.Builder customize(@NonNull WorkflowServiceStubsOptions.Builder builder) {
    if (caFile != null) {
      try {
        builder.setSslContext(sslContext(connection.getMTLS(), caFile).build());
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("cannot set up TLS to Temporal with the CA file " + caFile + ": " + e.getMessage(), e);
      }
    }
    String how = describe(connection, caFile);
    if (plaintext(connection, caFile) && !onLoopback(connection.getTarget())) {
      log.warn("Temporal connection: {}, {}: whoever reaches that address can drive every loop; configure mutual TLS "
          + "(spring.temporal.connection.mtls.*) or an API key", connection.getTarget(), how);
    } else {
      log.info("Temporal connection: {}, {}", connection.getTarget(), how);
    }
    return builder;
  }

  /**
   * The client key and certificate of {@code mtls} (none when null), trusting only the CAs in
   * {@code caFile}. The files are read here: the builder reads its streams only when it builds.
   */
  static SimpleSslContextBuilder sslContext(ConnectionProperties.MTLSProperties mtls, Path caFile)
      throws IOException, GeneralSecurityException {
    SimpleSslContextBuilder builder;
    if (mtls == null || (mtls.getKeyFile() == null && mtls.getKey() == null)) {
      builder = SimpleSslContextBuilder.noKeyOrCertChain();
    } else if (Integer.valueOf(12).equals(mtls.getPKCS())) {
      builder = SimpleSslContextBuilder.forPKCS12(read(mtls.getKeyFile(), null, "key"));
    } else {
      builder = SimpleSslContextBuilder.forPKCS8(read(mtls.getCertChainFile(), mtls.getCertChain(), "cert-chain"),
          read(mtls.getKeyFile(), mtls.getKey(), "key"));
    }
    if (mtls != null && mtls.getKeyPassword() != null) {
      builder.setKeyPassword(mtls.getKeyPassword());
    }
    return builder.setTrustManager(trustOnly(caFile));
  }

  /** A trust manager that accepts exactly the certificates the CAs in the PEM file {@code caFile} signed. */
  static X509TrustManager trustOnly(Path caFile) throws IOException, GeneralSecurityException {
    Collection<? extends Certificate> cas;
    try (InputStream in = Files.newInputStream(caFile)) {
      cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (cas.isEmpty()) {
      throw new GeneralSecurityException(caFile + " holds no PEM certificate");
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (Certificate ca : cas) {
      store.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  /** What the app presents and checks, for the start log: never a key or an API key itself. */
  static String describe(ConnectionProperties connection, Path caFile) {
    if (plaintext(connection, caFile)) {
      return "plaintext, no client credentials (only for a server on loopback that trusts every local process)";
    }
    ConnectionProperties.MTLSProperties mtls = connection.getMTLS();
    String who = hasClientCertificate(connection) ? "mutual TLS with the client certificate "
        + (mtls.getCertChainFile() != null ? mtls.getCertChainFile() : mtls.getKeyFile() != null ? mtls.getKeyFile() : "given inline")
        : hasApiKey(connection) ? "TLS with an API key" : "TLS without a client certificate";
    String trust = caFile != null ? "server certificate checked against " + caFile : "server certificate checked against the JVM's CAs";
    return who + ", " + trust;
  }

  /** Whether the connection goes without TLS: no client certificate, CA file, API key or HTTPS. */
  static boolean plaintext(ConnectionProperties connection, Path caFile) {
    return !hasClientCertificate(connection) && caFile == null && !hasApiKey(connection)
        && !Boolean.TRUE.equals(connection.isEnableHttps());
  }

  private static boolean hasClientCertificate(ConnectionProperties connection) {
    ConnectionProperties.MTLSProperties mtls = connection.getMTLS();
    return mtls != null && (mtls.getKeyFile() != null || mtls.getKey() != null);
  }

  private static boolean hasApiKey(ConnectionProperties connection) {
    return connection.getApiKey() != null && !connection.getApiKey().isEmpty();
  }

  /** Whether {@code target} ({@code host:port}) names this machine's loopback interface. */
  static boolean onLoopback(String target) {
    String host = target == null ? "" : target.replaceFirst(":[0-9]+$", "").replaceAll("[\\[\\]]", "");
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  private static InputStream read(String file, String inline, String what) throws IOException {
    if (file != null) {
      return new ByteArrayInputStream(Files.readAllBytes(Path.of(file)));
    }
    if (inline != null) {
      return new ByteArrayInputStream(inline.getBytes(StandardCharsets.UTF_8));
    }
    throw new IOException("spring.temporal.connection.mtls." + what + "-file or ." + what + " is required with a client key");
  }
}
