package dev.durableloops.api.security;

import dev.durableloops.api.LoopsProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The bearer tokens of people and automations, each with a name and roles, stored as SHA-256
 * hashes only: from configuration ({@code durable-loops.tokens[i].name|sha256|roles}) and from the
 * tokens file ({@code durable-loops.tokens-file}, default {@code <data>/tokens}: one
 * {@code name roles sha256} per line, roles comma-separated, {@code #} comments). The API token
 * ({@link ApiToken}) is the token {@value #API_TOKEN_NAME} with every role. A presented token is
 * hashed and compared with every stored hash in constant time.
 *
 * <p>Make a token: {@code token=$(openssl rand -base64 32)}; store {@code printf %s "$token" |
 * sha256sum}.
 */
@Component
class NamedTokens {

  /** The name the API token authenticates as. */
  static final String API_TOKEN_NAME = "api-token";

  private static final Logger log = LoggerFactory.getLogger(NamedTokens.class);

  /** One stored token. */
  record Entry(String name, byte[] sha256, Set<Role> roles) {}

  /** Who a token belongs to. */
  record TokenOwner(String name, Set<Role> roles) {}

  private final List<Entry> entries = new ArrayList<>();
  private final ApiToken apiToken;

  NamedTokens(LoopsProperties properties, ApiToken apiToken) {
    this.apiToken = apiToken;
    for (LoopsProperties.Token token : properties.tokens()) {
      if (token.name() == null || token.sha256() == null || !token.sha256().strip().matches("[0-9a-fA-F]{64}")) {
        throw new IllegalStateException("durable-loops.tokens: every token needs a name and a sha256 (64 hex digits); "
            + "got name=" + token.name());
      }
      entries.add(new Entry(token.name(), HexFormat.of().parseHex(token.sha256().strip().toLowerCase(Locale.ROOT)), roles(token.roles())));
    }
    Path file = properties.tokensFile() != null ? properties.tokensFile() : properties.dataDir().toAbsolutePath().resolve("tokens");
    if (Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file)) {
          String text = line.strip();
          if (text.isEmpty() || text.startsWith("#")) {
            continue;
          }
          String[] parts = text.split("\\s+");
          if (parts.length != 3 || !parts[2].matches("[0-9a-fA-F]{64}")) {
            log.warn("ignored a line of {}: expected 'name roles sha256'", file);
            continue;
          }
          entries.add(new Entry(parts[0], HexFormat.of().parseHex(parts[2].toLowerCase(Locale.ROOT)), roles(List.of(parts[1].split(",")))));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the tokens file " + file, e);
      }
    }
    log.info("{} named API token(s) besides the API token", entries.size());
  }

  private static Set<Role> roles(List<String> names) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String name : names == null ? List.<String>of() : names) {
      roles.add(Role.valueOf(name.strip().toUpperCase(Locale.ROOT)));
    }
    return roles;
  }

  /** The caller a presented token belongs to, if any. */
  Optional<TokenOwner> authenticate(String presented) {
    if (presented == null || presented.isEmpty()) {
      return Optional.empty();
    }
    if (apiToken.matches(presented)) {
      return Optional.of(new TokenOwner(API_TOKEN_NAME, Role.ALL));
    }
    byte[] hash = sha256(presented);
    TokenOwner found = null;
    for (Entry entry : entries) {
      // Every entry is compared, so the time does not tell which one matched.
      if (MessageDigest.isEqual(hash, entry.sha256()) && found == null) {
        found = new TokenOwner(entry.name(), entry.roles());
      }
    }
    return Optional.ofNullable(found);
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
