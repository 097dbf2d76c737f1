package dev.durableloops.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.durableloops.activities.StepException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The one error boundary ({@link ApiExceptionHandler}) in a {@code @WebMvcTest} slice: every
 * exception the API raises becomes problem+json with its status and stable type, and an unexpected
 * one never shows its message. A controller that throws each stands in for the real ones, so no
 * Temporal is needed.
 */
@WebMvcTest(controllers = ApiErrorsTest.Throwing.class,
    excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX, pattern = "dev\\.durableloops\\.api\\.security\\..*"))
@AutoConfigureMockMvc(addFilters = false)
@Import({ApiErrorsTest.Throwing.class, ApiExceptionHandler.class})
class ApiErrorsTest {

  @Autowired MockMvc mvc;

  /** Throws what the real controllers' services throw. */
  @RestController
  static class Throwing {
    @GetMapping("/t/not-found")
    void notFound() {
      throw new LoopNotFoundException("no loop with id loop-x");
    }

    @GetMapping("/t/conflict")
    void conflict() {
      throw new LoopConflictException("no decision is pending");
    }

    @GetMapping("/t/no-worker")
    void noWorker() {
      throw new WorkerUnavailableException("no worker is polling task queue durable-loops");
    }

    @GetMapping("/t/rejected")
    void rejected() {
      throw new SpecRejectedException("workspace.repository", "no such directory");
    }

    @GetMapping("/t/store-down")
    void storeDown() {
      throw new StepException(StepException.Kind.STORE_UNAVAILABLE, "cannot fetch from /secret/path/store.git");
    }

    @GetMapping("/t/missing")
    void missing() {
      throw new StepException(StepException.Kind.COMMIT_MISSING, "the git store has no refs/tags/loops/x/cp-9");
    }

    @GetMapping("/t/bug")
    void bug() {
      throw new IllegalStateException("internal detail that must not leak");
    }

    @PostMapping(path = "/t/body", consumes = MediaType.APPLICATION_JSON_VALUE)
    void body(@RequestBody Probe probe) {}
  }

  /** A body with one integer field. */
  record Probe(int count) {}

  @Test
  void eachExceptionIsAProblemWithItsStatusAndType() throws Exception {
    expect("/t/not-found", 404, "not-found", "no loop with id loop-x");
    expect("/t/conflict", 409, "conflict", "no decision is pending");
    expect("/t/no-worker", 503, "no-worker", "no worker is polling task queue durable-loops");
    expect("/t/rejected", 400, "invalid-request", "workspace.repository: no such directory");
    expect("/t/missing", 404, "not-found", "the git store has no refs/tags/loops/x/cp-9");
    expect("/t/store-down", 503, "store-unavailable", "the git store cannot be read right now; try again");
    expect("/t/bug", 500, "internal", "the server could not answer; see its log");
    mvc.perform(get("/t/rejected")).andExpect(jsonPath("$.errors[0].field").value("workspace.repository"));
  }

  @Test
  void anUnreadableBodyNamesTheField() throws Exception {
    mvc.perform(post("/t/body").contentType(MediaType.APPLICATION_JSON).content("{\"count\": \"many\"}"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].field").value("count"));
  }

  private void expect(String path, int status, String type, String detail) throws Exception {
    mvc.perform(get(path))
        .andExpect(status().is(status))
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value(ApiExceptionHandler.TYPE_BASE + type))
        .andExpect(jsonPath("$.detail").value(detail));
  }
}
