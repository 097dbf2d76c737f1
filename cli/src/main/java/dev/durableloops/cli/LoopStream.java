package dev.durableloops.cli;

import com.launchdarkly.eventsource.ConnectStrategy;
import com.launchdarkly.eventsource.ErrorStrategy;
import com.launchdarkly.eventsource.EventSource;
import com.launchdarkly.eventsource.FaultEvent;
import com.launchdarkly.eventsource.MessageEvent;
import com.launchdarkly.eventsource.StreamClosedByServerException;
import com.launchdarkly.eventsource.StreamEvent;
import com.launchdarkly.eventsource.StreamException;
import com.launchdarkly.eventsource.StreamHttpErrorException;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * A loop's server-sent events ({@code GET /api/loops/{id}/events}) read with LaunchDarkly's
 * okhttp-eventsource: when the stream ends before the loop does (the server closes a stream after
 * 30 minutes; the app restarts; the network drops) it reconnects, sending the id of the last event
 * it got as {@code Last-Event-ID} so the server sends only what is newer. It waits the server's
 * {@code retry} (2 s) doubled per failure up to 30 s; a stream quiet for 60 s (the server sends a
 * keep-alive every 15 s) counts as dropped. An HTTP 4xx answer (unknown loop, bad token) ends it
 * with an {@link ApiClient.ApiException}; other failures are retried for as long as it runs.
 */
final class LoopStream {

  /** What the stream hands on. */
  interface Listener {
    /** A {@code state} event (a LoopView); answers whether to stop reading (the loop has ended). */
    boolean state(JsonNode view);

    /** An {@code output} event (a LoopOutput). */
    void output(JsonNode output);

    /** The stream broke and is being reopened with {@code Last-Event-ID: lastEventId}. */
    void reconnecting(String why, String lastEventId);
  }

  /** Longest quiet time before the stream counts as dropped: four of the server's 15 s keep-alives. */
  static final long READ_TIMEOUT_SECONDS = 60;

  private LoopStream() {}

  /** Reads loop {@code id}'s events until {@code listener} says stop. */
  static void follow(ApiClient api, String id, Listener listener) {
    ErrorStrategy retryUnlessRefused = new ErrorStrategy() {
      @Override
      public Result apply(StreamException e) {
        boolean refused = e instanceof StreamHttpErrorException http && http.getCode() >= 400 && http.getCode() < 500;
        return new Result(refused ? Action.THROW : Action.CONTINUE, this);
      }
    };
    EventSource.Builder builder = new EventSource.Builder(ConnectStrategy.http(api.base.resolve("/api/loops/" + id + "/events"))
        .header("Authorization", "Bearer " + api.token)
        .readTimeout(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .errorStrategy(retryUnlessRefused)
        .retryDelay(2, TimeUnit.SECONDS);
    try (EventSource events = builder.build()) {
      while (true) {
        StreamEvent event = events.readAnyEvent();
        if (event instanceof MessageEvent message) {
          JsonNode data = ApiClient.JSON.readTree(message.getData());
          if ("state".equals(message.getEventName()) && listener.state(data)) {
            return;
          } else if ("output".equals(message.getEventName())) {
            listener.output(data);
          }
        } else if (event instanceof FaultEvent fault) {
          listener.reconnecting(fault.getCause() instanceof StreamClosedByServerException ? "the server closed the stream"
              : String.valueOf(fault.getCause().getMessage()), events.getLastEventId());
        }
      }
    } catch (StreamHttpErrorException e) {
      throw new ApiClient.ApiException(e.getCode(), "the event stream of " + id + " was refused (HTTP " + e.getCode() + ")");
    } catch (StreamException e) {
      throw new ApiClient.ApiException(0, "the event stream of " + id + " failed: " + e.getMessage());
    }
  }
}
