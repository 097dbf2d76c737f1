package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedDomainsTest {

  @Test
  void theWorkersListNarrowsTheSpecs() {
    List<String> worker = List.of("api.anthropic.com", "*.github.com", "127.0.0.1:8080", "[::1]:9000");
    assertThat(AllowedDomains.refused(List.of("api.anthropic.com", "API.Anthropic.com:443", "codeload.github.com", "*.api.github.com",
        "*.github.com", "127.0.0.1:8080", "[::1]:9000"), worker)).isEmpty();
    assertThat(AllowedDomains.refused(List.of("github.com", "anthropic.com", "evil-github.com", "127.0.0.1", "127.0.0.1:8081",
        "[::1]", "localhost"), worker)).containsExactly("github.com", "anthropic.com", "evil-github.com", "127.0.0.1", "127.0.0.1:8081",
        "[::1]", "localhost");
  }

  @Test
  void nothingIsAllowedByDefaultAndAStarAllowsAll() {
    assertThat(AllowedDomains.refused(List.of("example.com"), List.of())).containsExactly("example.com");
    assertThat(AllowedDomains.refused(List.of("example.com", "api.example.com:443"), List.of("*"))).isEmpty();
    assertThat(AllowedDomains.refused(List.of("example.com:22"), List.of("*:443"))).containsExactly("example.com:22");
  }

  @Test
  void theWorkersOwnAddressesAreAllowedOnlyByNameNeverByAWildcard() {
    assertThat(AllowedDomains.refused(List.of("localhost", "localhost:7233", "temporal.localhost", "127.0.0.1:7233", "10.0.0.1:5432",
        "[::1]:8080"), List.of("*", "*.localhost"))).containsExactly("localhost", "localhost:7233", "temporal.localhost", "127.0.0.1:7233",
        "10.0.0.1:5432", "[::1]:8080");
    assertThat(AllowedDomains.refused(List.of("localhost:3000", "10.0.0.1:5432"), List.of("localhost", "10.0.0.1"))).isEmpty();
  }

  @Test
  void aWildcardDoesNotCoverANameWithoutADot() {
    assertThat(AllowedDomains.refused(List.of("temporal:7233", "postgresql", "x.temporal"), List.of("*", "*.temporal")))
        .containsExactly("temporal:7233", "postgresql");
    assertThat(AllowedDomains.refused(List.of("temporal:7233"), List.of("temporal:7233"))).isEmpty();
  }
}
