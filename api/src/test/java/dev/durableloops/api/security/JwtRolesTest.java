package dev.durableloops.api.security;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.durableloops.api.TestServerSearchAttributes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Teams with an identity provider: with a JWT decoder configured (here one for HS256 tokens signed
 * by the test; in production {@code spring.security.oauth2.resourceserver.jwt.issuer-uri}), a JWT's
 * {@code roles} claim grants the roles; a bad signature or an expired token is 401.
 */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=admin-token-0123456789"})
@AutoConfigureMockMvc
@Import({TestServerSearchAttributes.class, JwtRolesTest.Decoder.class})
class JwtRolesTest {

  static final byte[] KEY = "a-test-key-of-at-least-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8);

  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;

  @Autowired MockMvc mvc;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
  }

  /** The identity provider's key, as a decoder. */
  @TestConfiguration(proxyBeanMethods = false)
  static class Decoder {
    @Bean
    JwtDecoder jwtDecoder() {
      return NimbusJwtDecoder.withSecretKey(new SecretKeySpec(KEY, "HmacSHA256")).build();
    }
  }

  static String jwt(byte[] key, long expiresInSeconds, String... roles) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("jane").claim("roles", List.of(roles))
        .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000)).build();
    SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    token.sign(new MACSigner(key));
    return token.serialize();
  }

  @Test
  void aJwtsRolesClaimGrantsItsRoles() throws Exception {
    String reviewer = jwt(KEY, 600, "viewer", "approver");
    mvc.perform(get("/api/loops/loop-nope").header("Authorization", "Bearer " + reviewer)).andExpect(status().isNotFound());
    mvc.perform(post("/api/loops/loop-nope/decision").header("Authorization", "Bearer " + reviewer)
        .contentType(MediaType.APPLICATION_JSON).content("{\"decision\":\"APPROVE\",\"diffHash\":\"x\"}")).andExpect(status().isNotFound());
    mvc.perform(post("/api/loops").header("Authorization", "Bearer " + reviewer)
        .contentType(MediaType.APPLICATION_JSON).content("{}")).andExpect(status().isForbidden());
  }

  @Test
  void aForgedOrExpiredJwtIsRefused() throws Exception {
    byte[] otherKey = "another-key-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);
    mvc.perform(get("/api/loops/loop-nope").header("Authorization", "Bearer " + jwt(otherKey, 600, "viewer")))
        .andExpect(status().isUnauthorized());
    mvc.perform(get("/api/loops/loop-nope").header("Authorization", "Bearer " + jwt(KEY, -600, "viewer")))
        .andExpect(status().isUnauthorized());
    // Named tokens still work beside JWTs.
    mvc.perform(get("/api/loops/loop-nope").header("Authorization", "Bearer admin-token-0123456789")).andExpect(status().isNotFound());
  }
}
