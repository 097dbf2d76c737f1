package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

/**
 * One trace from {@code POST /api/loops} through the workflow to each step: the HTTP server span
 * (Micrometer tracing over OpenTelemetry), Temporal's client, workflow and activity spans (its
 * OpenTracing interceptors over the OpenTelemetry shim) share one trace id, collected by an
 * in-memory exporter; the steps' log lines carry that trace id.
 */
@Import(TracingTest.Spans.class)
@TestPropertySource(properties = "management.opentelemetry.tracing.export.schedule-delay=50ms")
@ExtendWith(OutputCaptureExtension.class)
class TracingTest extends AppTest {

  /** Spans are kept in memory instead of going to a collector. */
  @TestConfiguration(proxyBeanMethods = false)
  static class Spans {
    @Bean
    InMemorySpanExporter inMemorySpanExporter() {
      return InMemorySpanExporter.create();
    }
  }

  @Autowired InMemorySpanExporter exporter;

  @Test
  void oneTraceRunsFromThePostThroughTheWorkflowToEachStep(CapturedOutput output) throws Exception {
    Path repo = repository("traced", Map.of("a.txt", "a\n"));
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("""
            {"name": "traced", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
             "make": {"command": "echo fixed > a.txt", "timeout": "PT1M"},
             "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}]}
            """.formatted(repo)))
        .andExpect(status().isCreated());
    await().atMost(Duration.ofSeconds(60)).until(
        () -> JsonPath.read(mvc.perform(get("/api/loops/loop-traced")).andReturn().getResponse().getContentAsString(), "$.status"),
        "SUCCEEDED"::equals);

    // The workflow's span ends with the workflow; the exporter gets spans as they end.
    List<SpanData> spans = await().atMost(Duration.ofSeconds(30)).until(exporter::getFinishedSpanItems,
        all -> all.stream().anyMatch(s -> s.getName().equals("RunWorkflow:LoopWorkflow")));
    SpanData start = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getName().equalsIgnoreCase("http post /api/loops"))
        .findFirst().orElseThrow(() -> new AssertionError("no span of POST /api/loops among " + names(spans)));
    String traceId = start.getTraceId();
    List<SpanData> trace = spans.stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    Set<String> names = names(trace);
    System.out.println("trace " + traceId + ": " + names);
    assertThat(names).as("the spans of the POST's trace").contains("StartWorkflow:LoopWorkflow", "RunWorkflow:LoopWorkflow",
        "RunActivity:Make", "RunActivity:Check");
    assertThat(names.stream().filter(n -> n.startsWith("RunActivity:")).count()).as(names.toString()).isGreaterThanOrEqualTo(4);
    assertThat(spans.stream().filter(s -> s.getName().startsWith("RunActivity:") && !s.getTraceId().equals(traceId)).map(SpanData::getName))
        .as("step spans outside the POST's trace").isEmpty();

    // The steps' log lines carry the trace id.
    assertThat(output.getOut().lines().filter(l -> l.contains("Make completed in") && l.contains(traceId)).toList())
        .as("the Make step's log line with trace id " + traceId + " in:\n" + output.getOut().lines().filter(l -> l.contains("completed in")).toList())
        .isNotEmpty();
  }

  private static Set<String> names(List<SpanData> spans) {
    Set<String> names = new TreeSet<>();
    spans.forEach(s -> names.add(s.getName()));
    return names;
  }
}
