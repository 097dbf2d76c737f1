package dev.durableloops.workflows.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {

  private static final Pattern DOMAIN = Pattern.compile(SandboxSpec.DOMAIN);

  @Test
  void allowedDomainsTakeWhatTheSandboxRuntimeTakes() {
    assertThat(List.of("api.anthropic.com", "api.anthropic.com:443", "*.github.com", "*.api.github.com:8443", "localhost",
        "127.0.0.1:8080", "[::1]", "[2001:db8::1]:443")).allMatch(d -> DOMAIN.matcher(d).matches());
    assertThat(List.of("*", "*.com", "*.localhost", "http://example.com", "example.com/path", "exa mple.com", "-x.com", "", "a..b",
        "example.com:")).noneMatch(d -> DOMAIN.matcher(d).matches());
  }

  @Test
  void networkFalseMeansNoDestinationWhateverTheList() {
    assertThat(new SandboxSpec(false, List.of(), List.of("example.com")).domains()).isEmpty();
    assertThat(new SandboxSpec(null, null, List.of("example.com")).domains()).containsExactly("example.com");
    assertThat(SandboxSpec.DEFAULT.domains()).isEmpty();
    assertThat(new SandboxSpec(true, null).normalized()).isEqualTo(SandboxSpec.DEFAULT);
  }
}
