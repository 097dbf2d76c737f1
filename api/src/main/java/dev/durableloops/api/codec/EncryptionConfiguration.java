package dev.durableloops.api.codec;

import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.Base64;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Optional encryption of Temporal payloads at rest: set {@code durable-loops.encryption-key}
 * ({@code DURABLE_LOOPS_ENCRYPTION_KEY}, base64 of 32 random bytes, e.g. {@code openssl rand
 * -base64 32}) and every client and worker of this app encrypts with {@link AesGcmPayloadCodec}.
 * The Temporal UI can still show payloads through the codec endpoint ({@link CodecController}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("durable-loops.encryption-key")
class EncryptionConfiguration {

  @Bean
  AesGcmPayloadCodec payloadCodec(org.springframework.core.env.Environment env) {
    String key = env.getRequiredProperty("durable-loops.encryption-key");
    return new AesGcmPayloadCodec(Base64.getDecoder().decode(key.strip()), env.getProperty("durable-loops.encryption-key-id", "default"));
  }

  /** The data converter the Temporal starter uses for the client and the workers. */
  @Bean
  DataConverter mainDataConverter(AesGcmPayloadCodec codec) {
    return new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(codec));
  }
}
