package dev.durableloops.api;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The project's own settings, {@code durable-loops.*}. Temporal's connection is
 * {@code spring.temporal.*}.
 *
 * @param dataDir where loops keep their workspaces and logs; default {@code ./.data}
 *     ({@code DURABLE_LOOPS_DATA_DIR})
 * @param taskQueue the task queue the loop worker polls; default {@code durable-loops}
 * @param temporalUiUrl base URL of the Temporal UI for links; default {@code http://localhost:8233}
 * @param registerSearchAttributes whether the app registers the loop search attributes on the
 *     namespace at start when they are missing; default {@code true}
 */
@ConfigurationProperties("durable-loops")
record LoopsProperties(
    @DefaultValue(".data") Path dataDir,
    @DefaultValue("durable-loops") String taskQueue,
    @DefaultValue("http://localhost:8233") String temporalUiUrl,
    @DefaultValue("true") boolean registerSearchAttributes) {}
