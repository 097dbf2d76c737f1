package dev.durableloops.api.docs;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;

/**
 * The OpenAPI description ({@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}) built by
 * springdoc-openapi from the controllers and their typed records: the bearer security scheme every
 * {@code /api/**} call needs, and the RFC 9457 problem+json body every error carries. Every
 * operation has an {@code operationId} of its own (set on the controllers), so a generated client's
 * methods have stable names ({@code startLoop}, {@code getLoop}, {@code decide}, …).
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

  /** The name of the bearer scheme in the description. */
  static final String BEARER = "bearer";

  /** The schema of every error body. */
  static final String PROBLEM_REF = "#/components/schemas/Problem";

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
   * Documents the errors as they are answered: every error response is
   * {@code application/problem+json} with the {@link Problem} schema; every operation may answer
   * 400 (a parameter, the body or the query string at fault), 401 (no or an unknown token), 403 (the
   * caller lacks the role, {@code EndpointRoles}) and 503 (Temporal, a worker or the git store does
   * not answer; not {@code /api/me}, which asks none of them); every {@code POST} and {@code PUT} may
   * answer 413 (a body past the limit, whatever the endpoint). The 404s and 409s are on the
   * operations that raise them, with their reasons.
   */
  @Bean
  OpenApiCustomizer problemResponses() {
    return api -> {
      // Added here, after springdoc has put the generated schemas in place.
      ModelConverters.getInstance(true).readAll(new AnnotatedType(Problem.class)).forEach(api.getComponents()::addSchemas);
      // springdoc models the events endpoint's return type although its response names LoopEvent;
      // a framework type is no model a client should get.
      api.getComponents().getSchemas().remove("SseEmitter");
      api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
        ApiResponses responses = operation.getResponses();
        add(responses, "400", "Invalid request: the problem names each field at fault in 'errors'");
        add(responses, "401", "No or an unknown bearer token");
        add(responses, "403", "The caller lacks the role this needs (VIEWER, OPERATOR or APPROVER)");
        if (method == PathItem.HttpMethod.POST || method == PathItem.HttpMethod.PUT) {
          add(responses, "413", "Request body too large");
        }
        if (!path.equals("/api/me")) {
          add(responses, "503", "Temporal, a worker or the git store is unavailable; try again");
        }
        responses.forEach((code, response) -> {
          if (code.compareTo("400") >= 0) {
            response.setContent(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                new io.swagger.v3.oas.models.media.MediaType().schema(new Schema<>().$ref(PROBLEM_REF))));
          }
        });
        // Statuses in numeric order, so the description reads (and diffs) the same every time.
        ApiResponses sorted = new ApiResponses();
        new TreeMap<>(responses).forEach(sorted::addApiResponse);
        operation.setResponses(sorted);
      }));
    };
  }

  private static void add(ApiResponses responses, String code, String description) {
    if (!responses.containsKey(code)) {
      responses.addApiResponse(code, new ApiResponse().description(description));
    }
  }
}
