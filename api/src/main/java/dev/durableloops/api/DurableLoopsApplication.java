package dev.durableloops.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The durable-loops app: REST API, web UI and the loop worker in one process. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class DurableLoopsApplication {

  /** Starts the app. */
  public static void main(String[] args) {
    SpringApplication.run(DurableLoopsApplication.class, args);
  }
}
