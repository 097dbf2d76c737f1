package dev.durableloops.activities;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook deliveries per the Standard Webhooks scheme (standardwebhooks.com), so receivers can
 * check them with that scheme's libraries and reject replays: the headers {@code webhook-id} (the same
 * for every retry of one event), {@code webhook-timestamp} (Unix seconds of this attempt) and
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">}.
 *
 * <p>The key: a secret in the scheme's form {@code whsec_<base64>} is the base64-decoded bytes after
 * the prefix; any other secret is its UTF-8 bytes, which a receiver's library takes as
 * {@code whsec_} followed by the base64 of those bytes.
 */
final class WebhookSignature {

  /** The prefix of a secret in the scheme's own form. */
  static final String SECRET_PREFIX = "whsec_";

  private final byte[] key;

  /**
   * @param secret the configured secret, {@code whsec_<base64>} or any other non-blank text
   * @throws IllegalArgumentException when a {@code whsec_} secret is not base64
   */
  WebhookSignature(String secret) {
    this.key = secret.startsWith(SECRET_PREFIX)
        ? Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()))
        : secret.getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code webhook-signature} value: {@code v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">}. */
  String sign(String id, long timestampSeconds, byte[] body) {
    byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
    Mac mac = mac(key);
    mac.update(prefix);
    return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
  }

  /**
   * Hex HMAC-SHA256 of {@code body} with the UTF-8 bytes of {@code secret}: the former
   * {@code X-Durable-Loops-Signature: sha256=<hex>} header, still sent while receivers move over.
   */
  static String legacyHex(String secret, byte[] body) {
    return HexFormat.of().formatHex(mac(secret.getBytes(StandardCharsets.UTF_8)).doFinal(body));
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
