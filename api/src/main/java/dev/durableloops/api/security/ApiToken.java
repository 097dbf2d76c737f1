package dev.durableloops.api.security;

import dev.durableloops.api.LoopsProperties;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The API's bearer token: {@code durable-loops.api-token} when configured, else the one in
 * {@code <dataDir>/api-token}, generated at first start (32 random bytes from {@link SecureRandom},
 * base64url) and written owner-only ({@code rw-------}). Compared in constant time
 * ({@link MessageDigest#isEqual}).
 */
@Component
class ApiToken {

  private static final Logger log = LoggerFactory.getLogger(ApiToken.class);

  private final byte[] token;
  private final Path file;

  ApiToken(LoopsProperties properties) {
    this.file = properties.dataDir().toAbsolutePath().resolve("api-token");
    String configured = properties.apiToken();
    if (configured != null && !configured.isBlank()) {
      this.token = configured.strip().getBytes(StandardCharsets.UTF_8);
      log.info("API token from configuration (durable-loops.api-token)");
    } else {
      this.token = readOrCreate(file);
    }
  }

  private static byte[] readOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file).strip().getBytes(StandardCharsets.UTF_8);
      }
      Files.createDirectories(file.getParent());
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path tmp = file.resolveSibling("api-token.tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, value + "\n");
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      log.info("generated an API token in {} (owner-only). Use it as: curl -H \"Authorization: Bearer $(cat {})\" …; "
          + "open the web page as http://127.0.0.1:<port>/#token=<token>", file, file);
      return value.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the API token file " + file, e);
    }
  }

  /** Whether {@code candidate} is the token; constant time in the candidate's content. */
  boolean matches(String candidate) {
    if (candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
  }
}
