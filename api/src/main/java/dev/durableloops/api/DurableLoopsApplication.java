package dev.durableloops.api;

import dev.durableloops.api.temporal.EarlySandboxDetection;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The durable-loops app: REST API, web UI and the loop worker in one process. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class DurableLoopsApplication {

  /** Starts the app; the sandbox of step commands is looked for meanwhile ({@link EarlySandboxDetection}). */
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(DurableLoopsApplication.class);
    app.addInitializers(new EarlySandboxDetection());
    app.run(args);
  }
}
