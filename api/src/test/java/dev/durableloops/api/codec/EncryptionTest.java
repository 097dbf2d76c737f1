package dev.durableloops.api.codec;

import dev.durableloops.api.DevServers;
import dev.durableloops.api.TestAuth;
import dev.durableloops.api.TestServerSearchAttributes;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import com.jayway.jsonpath.JsonPath;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

/** Payload encryption at rest, end to end on the test server, and the codec endpoint the UI uses. */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=" + TestAuth.TOKEN,
    "durable-loops.encryption-key=" + EncryptionTest.KEY, "durable-loops.codec-endpoint=true"})
@AutoConfigureMockMvc
@Import({TestServerSearchAttributes.class, TestAuth.class})
@Timeout(120)
class EncryptionTest {

  static final String KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;

  @Autowired MockMvc mvc;
  @Autowired WorkflowClient client;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", () -> tmp.toString());
  }

  @Test
  void historiesHoldCiphertextAndTheLoopStillRuns() throws Exception {
    Path repo = DevServers.repository(tmp.resolve("repo"), Map.of("a.txt", "a\n"));
    String goal = "a goal nobody should read in the history";
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("""
            {"name": "secret", "goal": "%s", "workspace": {"repository": "%s"},
             "make": {"command": "echo fixed > a.txt"}, "checks": [{"name": "t", "command": "grep -q fixed a.txt"}]}
            """.formatted(goal, repo)))
        .andExpect(status().isCreated());
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(
        () -> JsonPath.read(mvc.perform(get("/api/loops/loop-secret")).andReturn().getResponse().getContentAsString(), "$.status"),
        "SUCCEEDED"::equals);

    var raw = client.getWorkflowServiceStubs().blockingStub().getWorkflowExecutionHistory(
        GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId("loop-secret")).build()).getHistory();
    Payload input = raw.getEvents(0).getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0);
    assertThat(input.getMetadataMap().get("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
    assertThat(raw.toByteString().toStringUtf8()).doesNotContain(goal);

    String decoded = mvc.perform(post("/codec/decode").contentType(MediaType.APPLICATION_JSON)
            .content(JsonFormat.printer().print(Payloads.newBuilder().addPayloads(input))))
        .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
    Payloads.Builder out = Payloads.newBuilder();
    JsonFormat.parser().merge(decoded, out);
    assertThat(out.getPayloads(0).getData().toStringUtf8()).contains(goal);
  }

  @Test
  void tamperedCiphertextIsRefusedAndPlainPayloadsPassThrough() {
    AesGcmPayloadCodec codec = new AesGcmPayloadCodec(java.util.Base64.getDecoder().decode(KEY), "k");
    Payload plain = Payload.newBuilder().putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom("\"hi\"", StandardCharsets.UTF_8)).build();
    Payload sealed = codec.encode(List.of(plain)).get(0);
    assertThat(codec.decode(List.of(sealed))).containsExactly(plain);
    assertThat(codec.decode(List.of(plain))).containsExactly(plain);
    byte[] bytes = sealed.getData().toByteArray();
    bytes[bytes.length - 1] ^= 1;
    Payload tampered = sealed.toBuilder().setData(ByteString.copyFrom(bytes)).build();
    assertThatThrownBy(() -> codec.decode(List.of(tampered))).isInstanceOf(PayloadCodecException.class);
    assertThatThrownBy(() -> new AesGcmPayloadCodec(new byte[16], "k")).hasMessageContaining("32 bytes");
  }
}
