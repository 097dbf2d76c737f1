package dev.durableloops.api.temporal;

import dev.durableloops.activities.CommandPolicy;
import dev.durableloops.activities.GitStore;
import dev.durableloops.activities.LoopActivitiesImpl;
import dev.durableloops.api.LoopsProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The beans the Temporal worker registers ({@code spring.temporal.workers[0].activity-beans}) and
 * the git store, which the worker pushes to and the API reads diffs from.
 */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  @Bean
  GitStore gitStore(LoopsProperties properties) {
    if (properties.gitStore() == null || properties.gitStore().isBlank()) {
      return GitStore.under(properties.dataDir());
    }
    return new GitStore(properties.gitStore(), properties.dataDir().toAbsolutePath().resolve("store-cache.git"));
  }

  @Bean
  LoopActivitiesImpl loopActivities(LoopsProperties properties, GitStore gitStore) {
    return new LoopActivitiesImpl(properties.dataDir(),
        new CommandPolicy(properties.outputCap().toBytes(), properties.inheritedEnv(), properties.secrets()), gitStore);
  }
}
