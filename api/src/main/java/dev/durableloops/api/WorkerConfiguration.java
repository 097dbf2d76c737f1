package dev.durableloops.api;

import dev.durableloops.activities.CommandPolicy;
import dev.durableloops.activities.GitWorkspace;
import dev.durableloops.activities.LoopActivitiesImpl;
import dev.durableloops.activities.LoopPaths;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The beans the Temporal worker registers ({@code spring.temporal.workers[0].activity-beans}) and
 * the workspace access the API reads diffs with.
 */
@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

  @Bean
  LoopActivitiesImpl loopActivities(LoopsProperties properties) {
    return new LoopActivitiesImpl(properties.dataDir(),
        new CommandPolicy(properties.outputCap().toBytes(), properties.inheritedEnv(), properties.secrets()));
  }

  @Bean
  GitWorkspace gitWorkspace(LoopsProperties properties) {
    return new GitWorkspace(new LoopPaths(properties.dataDir()));
  }
}
