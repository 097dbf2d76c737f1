package dev.durableloops.activities;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.durableloops.workflows.ForkSeed;
import dev.durableloops.workflows.StartGrant;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.steps.FirstRun;
import dev.durableloops.workflows.spec.LoopSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs and checks {@link StartGrant}s: HMAC-SHA256 with a key the API and the workers share
 * ({@code durable-loops.grant-key}, or {@code <data>/grant-key}: 32 random bytes, base64url, made
 * owner-only on first use — the data directory is hidden from step commands). A grant binds who
 * started the loop and their roles to the hash of the normalized spec ({@link #specHash}): a grant
 * copied onto another spec, or with a forged signature, is worth nothing. The same spec started
 * again with a copied grant (what a schedule does) gets the roles it was started with. A grant also
 * binds what the loop's first run was started with besides the spec (a carried state, a fork seed:
 * {@link #startHash}): a copied grant brings no caps, commits or seeds of its own.
 */
public final class StartGrants {

  private static final Logger log = LoggerFactory.getLogger(StartGrants.class);

  /** The canonical JSON of a spec: properties and map entries sorted, so the API and workers hash alike. */
  private static final JsonMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  /**
   * Who started a loop, as far as the worker can tell.
   *
   * @param name the starter's name, or {@code null} when unknown
   * @param roles the starter's roles; empty without a valid grant
   * @param problem why the grant was not accepted ({@code null} when it was)
   */
  public record Starter(String name, Set<String> roles, String problem) {}

  private final byte[] key;

  /** Grants signed with {@code key} (at least 16 bytes). */
  public StartGrants(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("a start grant key needs at least 16 bytes");
    }
    this.key = key.clone();
  }

  /**
   * The grants of an installation: {@code configured} when given (its UTF-8 bytes), else the key in
   * {@code <dataDir>/grant-key}, made on first use.
   *
   * @throws UncheckedIOException when the key file can be neither read nor made
   * @throws IllegalStateException when the key file is not owner-only ({@link #requireOwnerOnly})
   */
  public static StartGrants of(Path dataDir, String configured) {
    if (configured != null && !configured.isBlank()) {
      return new StartGrants(configured.strip().getBytes(StandardCharsets.UTF_8));
    }
    return new StartGrants(keyFile(dataDir.toAbsolutePath().resolve("grant-key")));
  }

  private static byte[] keyFile(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Path tmp = Files.createTempFile(file.getParent(), "grant-key", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        try {
          // No REPLACE_EXISTING: when another process made the key first, its key is the one.
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
          log.info("made the start grant key in {} (owner-only); the API and every worker need the same key", file);
        } catch (FileAlreadyExistsException raced) {
          Files.deleteIfExists(tmp);
        }
      }
      requireOwnerOnly(file);
      return Files.readString(file).strip().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the start grant key " + file, e);
    }
  }

  /**
   * Refuses a key file that is not a regular file, or that its group or others may read or write:
   * whoever reads the key can sign grants with any role.
   *
   * @throws IllegalStateException saying how to fix it
   */
  static void requireOwnerOnly(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("the start grant key " + file + " is not a regular file: refusing to use it");
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      // No POSIX permissions (not a Unix file system): nothing to check.
      return;
    }
    Set<PosixFilePermission> open = java.util.EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    open.retainAll(permissions);
    if (!open.isEmpty()) {
      throw new IllegalStateException("the start grant key " + file + " is " + PosixFilePermissions.toString(permissions)
          + ": others than its owner may read or change it, and with it sign a grant with any role; make it owner-only "
          + "(chmod 600 " + file + ") or set durable-loops.grant-key");
    }
  }

  /** SHA-256 (hex) of the canonical JSON of {@code spec.normalized()}. */
  public static String specHash(LoopSpec spec) {
    try {
      return Hashes.sha256(CANONICAL.writeValueAsString(spec.normalized()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a loop spec is always JSON", e);
    }
  }

  /**
   * SHA-256 (hex) of the canonical JSON of a first run's carried state and fork seed, or {@code null}
   * when it has neither (a plain start, whose grant is the same as before grants signed starts).
   */
  public static String startHash(LoopState carried, ForkSeed fork) {
    if (carried == null && fork == null) {
      return null;
    }
    try {
      Map<String, Object> start = new java.util.TreeMap<>();
      start.put("carried", carried);
      start.put("fork", fork);
      return Hashes.sha256(CANONICAL.writeValueAsString(start));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a loop's state and fork seed are always JSON", e);
    }
  }

  /** A grant for a plain start of {@code spec} (no carried state, no fork), by {@code startedBy} with {@code roles}. */
  public StartGrant sign(LoopSpec spec, String startedBy, Collection<String> roles) {
    return sign(spec, startedBy, roles, null, null);
  }

  /** A grant for {@code spec} started with {@code carried} and {@code fork}, by {@code startedBy} with {@code roles}. */
  public StartGrant sign(LoopSpec spec, String startedBy, Collection<String> roles, LoopState carried, ForkSeed fork) {
    List<String> sorted = List.copyOf(new TreeSet<>(roles));
    String hash = specHash(spec);
    String start = startHash(carried, fork);
    return new StartGrant(startedBy, sorted, hash, mac(startedBy, sorted, hash, start), start);
  }

  /**
   * Who started the loop of {@code spec}: the grant's name and roles when its signature is right
   * and it was made for this spec; else nobody with no role, with the reason. What the loop's first
   * run was started with is not checked ({@link #verify(LoopSpec, StartGrant, FirstRun)}).
   */
  public Starter verify(LoopSpec spec, StartGrant grant) {
    return verify(spec, grant, null);
  }

  /**
   * As {@link #verify(LoopSpec, StartGrant)}, and in a loop's first run ({@code firstRun} not
   * {@code null}) the grant must also have been made for what the run was started with.
   */
  public Starter verify(LoopSpec spec, StartGrant grant, FirstRun firstRun) {
    if (grant == null) {
      return new Starter(null, Set.of(), "the loop carries no start grant (it was not started through the API)");
    }
    if (grant.roles() == null || grant.specHash() == null || grant.signature() == null) {
      return new Starter(null, Set.of(), "its start grant is incomplete");
    }
    String expected = mac(grant.startedBy(), List.copyOf(new TreeSet<>(grant.roles())), grant.specHash(), grant.startHash());
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), grant.signature().getBytes(StandardCharsets.US_ASCII))) {
      return new Starter(null, Set.of(), "its start grant's signature is not the API's");
    }
    if (!grant.specHash().equals(specHash(spec))) {
      return new Starter(null, Set.of(), "its start grant was made for another spec");
    }
    if (firstRun != null && !java.util.Objects.equals(grant.startHash(), startHash(firstRun.carried(), firstRun.fork()))) {
      return new Starter(null, Set.of(), "its start grant was made for another start (the state or fork seed it was started with differ)");
    }
    return new Starter(grant.startedBy(), Set.copyOf(grant.roles()), null);
  }

  /**
   * Who started the parent of a fan-out's child: the name and roles of {@code grant} when its
   * signature is the API's, whatever spec and start it was made for (the child's spec is the
   * parent's for one task, and its start a fork of the parent; {@link LoopGuard} admits this only
   * for a loop Temporal records as a child of the loop its fork seed names). Else nobody, with the reason.
   */
  public Starter verifyParentGrant(StartGrant grant) {
    if (grant == null || grant.roles() == null || grant.specHash() == null || grant.signature() == null) {
      return new Starter(null, Set.of(), "the child carries no complete start grant of its parent");
    }
    String expected = mac(grant.startedBy(), List.copyOf(new TreeSet<>(grant.roles())), grant.specHash(), grant.startHash());
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), grant.signature().getBytes(StandardCharsets.US_ASCII))) {
      return new Starter(null, Set.of(), "its parent's start grant's signature is not the API's");
    }
    return new Starter(grant.startedBy(), Set.copyOf(grant.roles()), null);
  }

  /**
   * The HMAC of the fields, each length-prefixed so no two field lists share a message; a start hash
   * makes it a v2 message (a plain start's stays v1, so grants made before start hashes still verify).
   */
  private String mac(String startedBy, List<String> roles, String specHash, String startHash) {
    StringBuilder message = new StringBuilder(startHash == null ? "durable-loops start grant v1" : "durable-loops start grant v2");
    field(message, startedBy == null ? "" : startedBy);
    field(message, String.join(",", roles));
    field(message, specHash);
    if (startHash != null) {
      field(message, startHash);
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  private static void field(StringBuilder message, String value) {
    message.append('\n').append(value.length()).append(':').append(value);
  }
}
