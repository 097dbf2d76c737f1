package dev.durableloops.api.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payloads;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Temporal UI's remote codec endpoint ({@code POST /codec/decode}, {@code POST /codec/encode},
 * bodies {@code {"payloads": [...]}} in protobuf JSON), so the UI can show encrypted payloads.
 * Off unless {@code durable-loops.codec-endpoint=true}: whoever can reach it can decrypt, so enable it
 * only where the app is reachable by the people allowed to read loop data. Set the UI's codec
 * endpoint to {@code http://127.0.0.1:8080/codec} (UI settings, or the dev server's
 * {@code --ui-codec-endpoint}); CORS allows the configured Temporal UI origin.
 */
@RestController
@ConditionalOnProperty({"durable-loops.encryption-key", "durable-loops.codec-endpoint"})
@CrossOrigin(originPatterns = "${durable-loops.temporal-ui-url:http://localhost:8233}", allowedHeaders = "*")
class CodecController {

  private final AesGcmPayloadCodec codec;

  CodecController(AesGcmPayloadCodec codec) {
    this.codec = codec;
  }

  @PostMapping(path = "/codec/decode", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  String decode(@RequestBody String body) throws InvalidProtocolBufferException {
    Payloads.Builder in = Payloads.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(body, in);
    return JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(codec.decode(in.getPayloadsList())));
  }

  @PostMapping(path = "/codec/encode", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
  String encode(@RequestBody String body) throws InvalidProtocolBufferException {
    Payloads.Builder in = Payloads.newBuilder();
    JsonFormat.parser().ignoringUnknownFields().merge(body, in);
    return JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(codec.encode(in.getPayloadsList())));
  }
}
