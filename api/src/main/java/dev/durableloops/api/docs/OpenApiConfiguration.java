package dev.durableloops.api.docs;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description ({@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}) built by
 * springdoc-openapi from the controllers and their typed records: the bearer security scheme every
 * {@code /api/**} call needs, and the RFC 9457 problem+json body every error carries.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

  /** The name of the bearer scheme in the description. */
  static final String BEARER = "bearer";

  /** The schema of every error body. */
  static final String PROBLEM = "Problem";

  @Bean
  OpenAPI durableLoopsOpenApi() {
    return new OpenAPI()
        .info(new Info().title("durable-loops API").version("v1")
            .description("Autonomous coding loops as durable Temporal workflows: start, watch, approve, roll back and fork loops. "
                + "Errors are RFC 9457 application/problem+json."))
        .components(new Components()
            .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("The API token: DURABLE_LOOPS_API_TOKEN, or the one the app wrote to <data>/api-token")))
        .addSecurityItem(new SecurityRequirement().addList(BEARER));
  }

  /**
   * Adds the problem+json errors every loop endpoint may answer (400, 401, 404, 409, 413, 503), so
   * a client generated from the description knows their shape.
   */
  @Bean
  OpenApiCustomizer problemResponses() {
    Map<String, String> common = Map.of(
        "400", "Invalid request: the problem names each field at fault in 'errors'",
        "401", "No or a wrong bearer token",
        "404", "No such loop (or checkpoint, attempt, log)",
        "409", "The loop is not in a state that allows this",
        "413", "Request body too large",
        "503", "Temporal, a worker or the git store is unavailable; try again");
    return api -> {
      // Added here, after springdoc has put the generated schemas in place.
      api.getComponents().addSchemas(PROBLEM, problemSchema());
      addProblems(api, common);
    };
  }

  private static void addProblems(OpenAPI api, Map<String, String> common) {
    api.getPaths().forEach((path, item) -> item.readOperations().forEach(operation -> common.forEach((code, text) -> {
      if (!operation.getResponses().containsKey(code)) {
        operation.getResponses().addApiResponse(code, new ApiResponse().description(text).content(new Content()
            .addMediaType("application/problem+json", new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
      }
    })));
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private static Schema problemSchema() {
    Schema error = new Schema<>().type("object")
        .addProperty("field", new Schema<>().type("string"))
        .addProperty("message", new Schema<>().type("string"));
    return new Schema<>().type("object").description("RFC 9457 problem details")
        .addProperty("type", new Schema<>().type("string").format("uri"))
        .addProperty("title", new Schema<>().type("string"))
        .addProperty("status", new Schema<>().type("integer"))
        .addProperty("detail", new Schema<>().type("string"))
        .addProperty("instance", new Schema<>().type("string"))
        .addProperty("errors", new Schema<>().type("array").items(error));
  }
}
