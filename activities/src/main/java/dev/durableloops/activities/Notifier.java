package dev.durableloops.activities;

import dev.durableloops.workflows.steps.NotifyInput;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Posts loop events to webhooks: JSON with a Slack-compatible {@code text}, the structured fields
 * and the loop's web link; never the API token or a secret (configured secret values are replaced
 * in every text). Headers: {@code X-Durable-Loops-Event}, {@code webhook-id} and
 * {@code X-Durable-Loops-Delivery} (both the same for every retry of one event, for receivers that
 * deduplicate), {@code webhook-timestamp} (Unix seconds of this attempt) and, with a configured
 * secret, {@code webhook-signature} per the Standard Webhooks scheme ({@link WebhookSignature}), and
 * for receivers not yet moved over {@code X-Durable-Loops-Signature: sha256=<hex HMAC-SHA256 of the
 * body>} (GitHub's convention; deprecated, it carries no timestamp so it can be replayed).
 *
 * <p>A webhook that does not answer 2xx within 10 s fails the attempt (Temporal retries it with
 * backoff); the webhooks already reached are kept in the heartbeat details, so a retry posts only to
 * the rest.
 */
final class Notifier {

  /** Longest a webhook may take to answer. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final NotifyConfig config;
  private final Redaction redaction;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final WebhookSignature signature;

  /**
   * @throws IllegalArgumentException when the secret has the {@code whsec_} prefix but is not base64
   */
  Notifier(NotifyConfig config, Redaction redaction) {
    this.config = config;
    this.redaction = redaction;
    this.signature = signed(config) ? new WebhookSignature(config.secret()) : null;
  }

  private static boolean signed(NotifyConfig config) {
    return config.secret() != null && !config.secret().isBlank();
  }

  /**
   * Where the workers send events and how they sign them.
   *
   * @param webhooks URLs every loop's events go to (besides the spec's)
   * @param secret the HMAC key ({@code whsec_<base64>}, or any text taken as its UTF-8 bytes), or
   *     {@code null} to send unsigned
   * @param webUrl the app's address for links, e.g. {@code http://127.0.0.1:8080}
   */
  record NotifyConfig(List<String> webhooks, String secret, String webUrl) {
    static final NotifyConfig NONE = new NotifyConfig(List.of(), null, "http://127.0.0.1:8080");
  }

  @SuppressWarnings("unchecked")
  void send(NotifyInput input) {
    Set<String> urls = new LinkedHashSet<>(config.webhooks());
    if (input.webhooks() != null) {
      urls.addAll(input.webhooks());
    }
    if (urls.isEmpty()) {
      return;
    }
    ActivityExecutionContext context = context();
    Set<String> reached = new LinkedHashSet<>();
    if (context != null) {
      context.getHeartbeatDetails(List.class).ifPresent(done -> reached.addAll((List<String>) done));
    }
    byte[] body = body(input);
    String delivery = context == null ? "local" : context.getInfo().getWorkflowId() + "/" + context.getInfo().getActivityId();
    List<String> failed = new ArrayList<>();
    for (String url : urls) {
      if (reached.contains(url)) {
        continue;
      }
      String outcome = post(url, body, input.event(), delivery);
      if (outcome == null) {
        reached.add(url);
      } else {
        failed.add(url + ": " + outcome);
      }
    }
    if (context != null) {
      context.heartbeat(new ArrayList<>(reached));
    }
    if (!failed.isEmpty()) {
      throw ApplicationFailure.newFailure("webhooks did not take the " + input.event() + " event: " + String.join("; ", failed),
          "NOTIFY_FAILED");
    }
  }

  /** Posts; {@code null} when the receiver answered 2xx, else what went wrong. */
  private String post(String url, byte[] body, String event, String delivery) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
        .header("Content-Type", "application/json")
        .header("User-Agent", "durable-loops")
        .header("X-Durable-Loops-Event", event)
        .header("X-Durable-Loops-Delivery", delivery)
        .header("webhook-id", delivery)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    // Each attempt is stamped and signed anew, so a receiver's tolerance window (5 min in the
    // scheme's libraries) rejects a captured request replayed later.
    long timestamp = Instant.now().getEpochSecond();
    request.header("webhook-timestamp", Long.toString(timestamp));
    if (signature != null) {
      request.header("webhook-signature", signature.sign(delivery, timestamp, body));
      request.header("X-Durable-Loops-Signature", "sha256=" + hmac(config.secret(), body));
    }
    try {
      HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() / 100 == 2 ? null : "answered " + response.statusCode();
    } catch (IOException e) {
      return "unreachable (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (IllegalArgumentException e) {
      return "not a usable URL: " + e.getMessage();
    }
  }

  /** The event's JSON: {@code text} for humans (and Slack), the fields for programs. */
  byte[] body(NotifyInput in) {
    String link = config.webUrl().replaceAll("/+$", "") + "/loop.html?id=" + URLEncoder.encode(in.loopId(), StandardCharsets.UTF_8);
    String text = switch (in.event()) {
      case "approval-needed" -> "⏳ " + in.loopId() + " waits for your approval of iteration " + in.iteration()
          + (in.diffStat() == null ? "" : " (" + in.diffStat() + ")")
          + (in.selection() == null || in.selection().winner() == null ? ""
              : "; attempt " + in.selection().winner() + " of " + in.selection().attempts().size() + " kept: " + in.selection().rule())
          + (in.deadline() == null ? "" : "; decide before " + in.deadline()) + ". " + link;
      case "approval-reminder" -> "⏰ " + in.loopId() + " still waits for approval of iteration " + in.iteration()
          + (in.deadline() == null ? "" : "; it times out at " + in.deadline()) + ". " + link;
      case "attempts-selected" -> "🏁 " + in.loopId() + " iteration " + in.iteration()
          + (in.selection() == null || in.selection().winner() == null ? ""
              : ": attempt " + in.selection().winner() + " of " + in.selection().attempts().size() + " kept: " + in.selection().rule())
          + (in.reason() == null ? "" : " (" + in.reason() + ")") + ". " + link;
      case "budget-needed" -> "💸 " + in.loopId() + " reached a cap and waits for more budget"
          + (in.reason() == null ? "" : ": " + in.reason()) + ". " + link;
      default -> ("SUCCEEDED".equals(in.status()) ? "✅ " : "⚠️ ") + in.loopId() + " ended " + in.status()
          + (in.reason() == null ? "" : ": " + in.reason()) + ". " + link;
    };
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("text", redaction.apply(text));
    event.put("event", in.event());
    event.put("loopId", in.loopId());
    event.put("goal", redaction.apply(in.goal()));
    event.put("status", in.status());
    event.put("iteration", in.iteration());
    event.put("reason", redaction.apply(in.reason()));
    event.put("diffStat", redaction.apply(in.diffStat()));
    event.put("deadline", in.deadline());
    if (in.selection() != null) {
      // Best-of-N: every attempt side by side and the rule that picked the one awaiting approval.
      // The attempts' notes and stats came from steps' output: redacted as the other texts are.
      try {
        event.put("selection", JSON.readTree(redaction.apply(JSON.writeValueAsString(in.selection()))));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("cannot write the selection report as JSON", e);
      }
    }
    event.put("link", link);
    event.put("at", Instant.now().toString());
    try {
      return JSON.writeValueAsBytes(event);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write the event as JSON", e);
    }
  }

  /** Hex HMAC-SHA256 of {@code body} with the UTF-8 bytes of {@code secret} (the deprecated header). */
  static String hmac(String secret, byte[] body) {
    return WebhookSignature.legacyHex(secret, body);
  }

  private static ActivityExecutionContext context() {
    try {
      return Activity.getExecutionContext();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
