package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import io.temporal.testing.TemporalDevServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Schedules on the real dev server (Temporal's in-memory test server has no schedules): create,
 * trigger, the overlap policy skipping a run while one still runs, the run's loop found by its
 * schedule, pause with a note, unpause, delete.
 */
@SpringBootTest(properties = "durable-loops.api-token=" + TestAuth.TOKEN)
@AutoConfigureMockMvc
@Import(TestAuth.class)
@Timeout(240)
class SchedulesTest {

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;
  static TemporalDevServer server;

  @Autowired MockMvc mvc;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    server = DevServers.start(tmp, registry);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private String body(String name, String cron, String interval, String make) {
    return """
        {"name": "%s", %s "spec": {"name": "%s-run", "goal": "Append a line", "workspace": {"repository": "%s"},
         "make": {"command": "%s"}, "checks": [{"name": "ok", "command": "true"}], "gate": {"approval": "NEVER"}}}
        """.formatted(name, (cron == null ? "" : "\"cron\": \"" + cron + "\",") + (interval == null ? "" : "\"interval\": \"" + interval + "\","),
        name, tmp.resolve("repo"), make);
  }

  private String read(String path) throws Exception {
    return mvc.perform(get(path)).andReturn().getResponse().getContentAsString();
  }

  @Test
  void aScheduleStartsLoopsAndIsSteeredThroughTheApi() throws Exception {
    DevServers.repository(tmp.resolve("repo"), Map.of("a.txt", "a\n"));
    // Exactly one of cron and interval; a cron Temporal cannot read is named too.
    mvc.perform(post("/api/schedules").contentType(MediaType.APPLICATION_JSON).content(body("both", "0 6 * * *", "PT1H", "true")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("interval"));
    mvc.perform(post("/api/schedules").contentType(MediaType.APPLICATION_JSON).content(body("bad-cron", "every day", null, "true")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("cron"));

    mvc.perform(post("/api/schedules").contentType(MediaType.APPLICATION_JSON).content(body("nightly", "0 6 * * *", null, "sleep 6; echo x >> a.txt")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.id").value("schedule-nightly"))
        .andExpect(jsonPath("$.overlap").value("SKIP"))
        .andExpect(jsonPath("$.cron").value("0 6 * * *"))
        .andExpect(jsonPath("$.nextRuns.length()").value(5))
        .andExpect(jsonPath("$.links.temporal").value(org.hamcrest.Matchers.endsWith("/schedules/schedule-nightly")));
    mvc.perform(post("/api/schedules").contentType(MediaType.APPLICATION_JSON).content(body("nightly", "0 6 * * *", null, "true")))
        .andExpect(status().isConflict());

    // Trigger now; a second trigger while that run still runs is skipped (overlap SKIP).
    mvc.perform(post("/api/schedules/schedule-nightly/trigger")).andExpect(status().isOk());
    String running = await().atMost(Duration.ofSeconds(30)).until(() -> read("/api/schedules/schedule-nightly"),
        s -> JsonPath.<Integer>read(s, "$.recentRuns.length()") == 1);
    String loopId = JsonPath.read(running, "$.recentRuns[0].loopId");
    assertThat(loopId).startsWith("loop-nightly-run-");
    mvc.perform(post("/api/schedules/schedule-nightly/trigger")).andExpect(status().isOk());
    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<Integer>read(read("/api/schedules/schedule-nightly"), "$.skipped") == 1);

    // The run is a loop like any other, listed with its schedule; its id holds the time Temporal appended.
    await().atMost(Duration.ofSeconds(60)).until(() -> JsonPath.read(read("/api/loops/" + loopId), "$.status"), "SUCCEEDED"::equals);
    List<String> scheduled = JsonPath.read(read("/api/loops"), "$[?(@.scheduleId == 'schedule-nightly')].id");
    assertThat(scheduled).containsExactly(loopId);
    mvc.perform(get("/api/loops/" + loopId + "/checkpoints/1/diff")).andExpect(status().isOk())
        .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.content().string(org.hamcrest.Matchers.containsString("+x")));
    assertThat(JsonPath.<String>read(read("/api/schedules/schedule-nightly"), "$.recentRuns[0].status")).isEqualTo("SUCCEEDED");

    mvc.perform(post("/api/schedules/schedule-nightly/pause").contentType(MediaType.APPLICATION_JSON).content("{\"note\": \"holiday\"}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.paused").value(true))
        .andExpect(jsonPath("$.note").value("holiday"));
    mvc.perform(post("/api/schedules/schedule-nightly/unpause")).andExpect(jsonPath("$.paused").value(false));
    assertThat(JsonPath.<List<String>>read(read("/api/schedules"), "$[*].id")).containsExactly("schedule-nightly");
    mvc.perform(delete("/api/schedules/schedule-nightly")).andExpect(status().isNoContent());
    mvc.perform(get("/api/schedules/schedule-nightly")).andExpect(status().isNotFound());
    mvc.perform(get("/api/schedules/..%2Fetc")).andExpect(status().is4xxClientError());
  }
}
