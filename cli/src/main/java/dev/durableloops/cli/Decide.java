package dev.durableloops.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The decision both {@code approve} and {@code reject} send, bound to the pending diff's hash. */
final class Decide {

  private Decide() {}

  static int decide(DurableLoopsCli cli, String id, String decision, String comment, boolean noDiff) {
    return decide(cli, id, decision, comment, noDiff, null);
  }

  /**
   * The decision, on {@code attempt} of a best-of-N iteration when given (one of the passing attempts
   * the pending decision lists), else on the gate's pick.
   */
  static int decide(DurableLoopsCli cli, String id, String decision, String comment, boolean noDiff, Integer attempt) {
    ApiClient api = cli.client();
    JsonNode pending = api.get("/api/loops/" + id).get("pendingDecision");
    if (pending == null || pending.isNull()) {
      cli.out().println(id + " has no pending decision");
      return 1;
    }
    String iteration = Render.text(pending, "iteration");
    String diffHash = Render.text(pending, "diffHash");
    String diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/diff";
    if (attempt != null) {
      JsonNode chosen = null;
      for (JsonNode c : pending.path("attempts")) {
        if (c.path("attempt").asInt() == attempt) {
          chosen = c;
        }
      }
      if (chosen == null) {
        cli.out().println("iteration " + iteration + " of " + id + " has no passing attempt " + attempt + " to decide on");
        return 1;
      }
      diffHash = Render.text(chosen, "diffHash");
      diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/" + attempt + "/diff";
    } else if (pending.path("attempts").isArray()) {
      // Best-of-N: the gate's pick is one of the listed attempts; its diff lives under its own ref.
      for (JsonNode c : pending.path("attempts")) {
        if (Render.text(c, "diffHash").equals(diffHash)) {
          diffPath = "/api/loops/" + id + "/attempts/" + iteration + "/" + Render.text(c, "attempt") + "/diff";
        }
      }
    }
    if (!noDiff) {
      cli.out().print(api.text("GET", diffPath, null));
    }
    ObjectNode body = ApiClient.JSON.createObjectNode().put("decision", decision).put("diffHash", diffHash);
    if (attempt != null) {
      body.put("attempt", attempt.intValue());
    }
    if (comment != null) {
      body.put("comment", comment);
    }
    JsonNode answer = api.post("/api/loops/" + id + "/decision", body.toString());
    cli.out().println(decision.toLowerCase() + "d iteration " + Render.text(pending, "iteration") + " of " + id + ": "
        + (answer.has("outcome") ? Render.text(answer, "outcome") : Render.text(answer, "message")));
    return 0;
  }
}
