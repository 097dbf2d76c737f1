package dev.durableloops.api.security;

import dev.durableloops.api.LoopsProperties;


import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class ApiTokenTest {

  @TempDir Path tmp;

  private LoopsProperties properties(String token) {
    return new LoopsProperties(tmp, "q", "http://ui", false, token, List.of(), List.of(), List.of("https"),
        DataSize.ofKilobytes(256), DataSize.ofMegabytes(64), List.of("PATH"), Map.of(), null, null,
        new LoopsProperties.Capacity(2000, 200, 1200, 8, 8), List.of(), null, "roles", null, null, null, List.of(), Map.of(), null, null);
  }

  @Test
  void aGeneratedTokenIsOwnerOnlyAndStableAcrossStarts() throws Exception {
    ApiToken first = new ApiToken(properties(null));
    Path file = tmp.resolve("api-token");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    String token = Files.readString(file).strip();
    assertThat(token).hasSize(43);
    assertThat(first.matches(token)).isTrue();
    assertThat(first.matches(token + "x")).isFalse();
    assertThat(first.matches(null)).isFalse();
    assertThat(new ApiToken(properties(null)).matches(token)).isTrue();
  }

  @Test
  void aConfiguredTokenWinsAndWritesNoFile() {
    ApiToken token = new ApiToken(properties("configured"));
    assertThat(token.matches("configured")).isTrue();
    assertThat(tmp.resolve("api-token")).doesNotExist();
  }
}
