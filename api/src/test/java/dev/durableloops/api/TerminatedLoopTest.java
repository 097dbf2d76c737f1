package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * A loop terminated in Temporal (the UI's Terminate, {@code temporal workflow terminate}) while a
 * step runs: its page still answers 200, with the status Temporal ended it in.
 */
class TerminatedLoopTest extends AppTest {

  @Autowired WorkflowClient client;

  @Test
  void aLoopTerminatedWhileItsMakerRunsAnswers200WithItsStatus() throws Exception {
    var repo = repository("terminated-origin", Map.of("a.txt", "a\n"));
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("""
            {"name": "terminated-mid-step", "goal": "Wait", "workspace": {"repository": "%s"},
             "make": {"command": "echo making; sleep 60", "timeout": "PT5M"},
             "checks": [{"name": "tests", "command": "true"}]}
            """.formatted(repo)))
        .andExpect(status().isCreated());
    await().atMost(Duration.ofSeconds(60)).until(
        () -> mvc.perform(get("/api/loops/loop-terminated-mid-step/output")).andReturn().getResponse().getContentAsString(),
        s -> s.contains("\"Make\""));

    client.newUntypedWorkflowStub("loop-terminated-mid-step").terminate("terminated from the Temporal UI");

    MockHttpServletResponse response = mvc.perform(get("/api/loops/loop-terminated-mid-step")).andReturn().getResponse();
    assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
    assertThat(JsonPath.<String>read(response.getContentAsString(), "$.status")).isEqualTo("FAILED");
    assertThat(JsonPath.<String>read(response.getContentAsString(), "$.temporalStatus")).isEqualTo("TERMINATED");
    assertThat(JsonPath.<String>read(response.getContentAsString(), "$.stopReason")).isEqualTo("the workflow was terminated in Temporal");
    // And so it stays while the worker notices (the maker's heartbeat is refused, its run leaves the cache).
    java.util.List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
    await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      MockHttpServletResponse again = mvc.perform(get("/api/loops/loop-terminated-mid-step")).andReturn().getResponse();
      answers.add(again.getStatus() + " " + again.getContentAsString());
      return again.getStatus() == 200;
    });
    assertThat(answers).allMatch(a -> a.startsWith("200 ") && a.contains("\"status\":\"FAILED\""));
  }
}
