package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.temporal.testing.TemporalDevServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The web page in a real browser: runs {@code web/e2e/browser.test.mjs} (headless Debian Chromium
 * driven by playwright-core) against the whole app on the real dev server. Screenshots are saved to
 * {@code api/target/screenshots}. Skips, saying why, when Chromium or the npm packages are missing
 * ({@code deploy/test.sh} installs both).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(300)
class BrowserTest {

  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
  static final Path E2E = Path.of("..", "web", "e2e").toAbsolutePath().normalize();

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;
  static TemporalDevServer server;

  @LocalServerPort int port;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed at " + CHROMIUM + " (apt-get install chromium)");
    assumeTrue(Files.isDirectory(E2E.resolve("node_modules/playwright-core")), "run 'npm ci' in web/e2e (deploy/test.sh does)");
    server = DevServers.start(tmp, registry);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void thePagesWorkInARealBrowser() throws Exception {
    Path repo = DevServers.repository(tmp.resolve("repo"), java.util.Map.of("a.txt", "broken\n"));
    Path shots = Files.createDirectories(Path.of("target", "screenshots").toAbsolutePath());
    Path log = tmp.resolve("browser.log");
    ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-reporter=spec", "browser.test.mjs")
        .directory(E2E.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("BASE_URL", "http://127.0.0.1:" + port);
    pb.environment().put("API_TOKEN", TestAuth.TOKEN);
    pb.environment().put("REPOSITORY", repo.toString());
    pb.environment().put("SCREENSHOTS", shots.toString());
    pb.environment().put("CHROMIUM", CHROMIUM.toString());
    Process node = pb.start();
    assertThat(node.waitFor(240, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(log);
    System.out.println(output);
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(shots.resolve("loop-succeeded.png")).exists();
    assertThat(shots.resolve("form-errors.png")).exists();
  }
}
