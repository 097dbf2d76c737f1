package dev.durableloops.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The whole app on Temporal's in-memory test server with the real worker, for API tests through
 * MockMvc. Every subclass shares one app (Spring's context cache keys on this class's
 * configuration), its data directory and allowed root {@link #TMP}; each makes its own repositories
 * and loop names.
 */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=" + TestAuth.TOKEN})
@AutoConfigureMockMvc
@Import({TestServerSearchAttributes.class, TestAuth.class})
@Timeout(120)
abstract class AppTest {

  /** The app's data directory is {@code TMP/data}; repositories go under it too. Outlives the JVM's tests on purpose: the cached app does. */
  static final Path TMP = createTmp();

  @Autowired MockMvc mvc;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> TMP.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", TMP::toString);
    registry.add("durable-loops.sandbox.writable-roots", () -> "/tmp/agent-cache");
  }

  private static Path createTmp() {
    try {
      return Files.createTempDirectory("durable-loops-app-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A git repository on branch main with {@code files}, at {@code TMP/<name>}. */
  static Path repository(String name, Map<String, String> files) throws Exception {
    return DevServers.repository(TMP.resolve(name), files);
  }
}
