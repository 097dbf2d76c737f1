package dev.durableloops.api.rules;

import dev.durableloops.api.SpecRejectedException;
import dev.durableloops.api.temporal.Executions;
import dev.durableloops.workflows.LoopSearchAttributes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * {@code /api/rules}: rules of a repository that outlive a loop — a note or a reflection promoted,
 * or written anew; every loop started on the repository afterwards gets the rules in force in
 * {@code .loop/RULES.md} and its prompt.
 */
@RestController
@ConditionalOnProperty(name = "durable-loops.serve-api", havingValue = "true", matchIfMissing = true)
@RequestMapping(path = "/api/rules", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "rules", description = "Rules of a repository, given to every later loop on it")
class RuleController {

  /**
   * A new rule.
   *
   * @param repository the repository, as loops name it; or give {@code loop}
   * @param loop a loop whose repository it is
   * @param text the rule
   * @param source where it came from (a note, a reflection), or {@code null}
   */
  record RuleRequest(@Size(max = 1_000) String repository, @Size(max = 200) String loop, @NotBlank @Size(max = 2_000) String text,
      @Size(max = 300) String source) {}

  /**
   * An edit.
   *
   * @param text the new text, or {@code null} to keep it
   * @param retired whether it no longer applies; {@code null} keeps it as it is
   */
  record RuleEdit(@Size(max = 2_000) String text, Boolean retired) {}

  private final RepositoryRules rules;
  private final Executions executions;

  RuleController(RepositoryRules rules, Executions executions) {
    this.rules = rules;
    this.executions = executions;
  }

  @Operation(operationId = "listRules", summary = "The rules of a repository (?repository=…, or ?loop=<id> for that loop's), retired ones included")
  @ApiResponse(responseCode = "200", description = "The rules, oldest first")
  @ApiResponse(responseCode = "404", description = "No loop with the id given as ?loop=")
  @GetMapping
  List<RepositoryRules.Rule> list(@RequestParam(required = false) String repository, @RequestParam(required = false) String loop) {
    return rules.of(repositoryOf(repository, loop));
  }

  @Operation(operationId = "addRule", summary = "Make a rule of a repository (from a note, a reflection, or new)")
  @ApiResponse(responseCode = "201", description = "Made; Location is the rule's URL")
  @ApiResponse(responseCode = "404", description = "No loop with the id given as loop")
  @ApiResponse(responseCode = "409", description = "The repository has as many rules as it may keep")
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<RepositoryRules.Rule> add(@Valid @RequestBody RuleRequest request, Authentication caller) {
    RepositoryRules.Rule rule = rules.add(repositoryOf(request.repository(), request.loop()), request.text(), caller.getName(),
        request.source());
    return ResponseEntity.created(URI.create("/api/rules/" + rule.id())).body(rule);
  }

  @Operation(operationId = "editRule", summary = "Edit a rule's text, or retire it ({\"retired\": true}) or bring it back")
  @ApiResponse(responseCode = "200", description = "Edited")
  @ApiResponse(responseCode = "404", description = "No such rule")
  @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
  RepositoryRules.Rule edit(@PathVariable String id, @Valid @RequestBody RuleEdit edit) {
    if (edit.text() != null && edit.text().isBlank()) {
      throw new SpecRejectedException("text", "must not be blank");
    }
    return rules.edit(id, edit.text(), edit.retired());
  }

  private String repositoryOf(String repository, String loop) {
    if (repository != null && !repository.isBlank()) {
      return repository;
    }
    if (loop != null && !loop.isBlank()) {
      String repo = executions.describe(loop).getTypedSearchAttributes().get(LoopSearchAttributes.REPOSITORY);
      if (repo != null) {
        return repo;
      }
    }
    throw new SpecRejectedException("repository", "name the repository, or a loop whose repository it is");
  }
}
