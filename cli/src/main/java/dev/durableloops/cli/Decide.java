package dev.durableloops.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The decision both {@code approve} and {@code reject} send, bound to the pending diff's hash. */
final class Decide {

  private Decide() {}

  static int decide(DurableLoopsCli cli, String id, String decision, String comment, boolean noDiff) {
    ApiClient api = cli.client();
    JsonNode pending = api.get("/api/loops/" + id).get("pendingDecision");
    if (pending == null || pending.isNull()) {
      cli.out().println(id + " has no pending decision");
      return 1;
    }
    if (!noDiff) {
      cli.out().print(api.text("GET", "/api/loops/" + id + "/attempts/" + Render.text(pending, "iteration") + "/diff", null));
    }
    ObjectNode body = ApiClient.JSON.createObjectNode().put("decision", decision).put("diffHash", Render.text(pending, "diffHash"));
    if (comment != null) {
      body.put("comment", comment);
    }
    JsonNode answer = api.post("/api/loops/" + id + "/decision", body.toString());
    cli.out().println(decision.toLowerCase() + "d iteration " + Render.text(pending, "iteration") + " of " + id + ": "
        + (answer.has("outcome") ? Render.text(answer, "outcome") : Render.text(answer, "message")));
    return 0;
  }
}
