package dev.durableloops.workflows;

import dev.durableloops.workflows.state.LoopStatus;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.SearchAttributeKey;
import java.util.Map;

/**
 * The custom search attributes a loop keeps up to date, so loops can be found and filtered in the
 * Temporal UI and by {@code GET /api/loops?status=…}. They must be registered on the namespace
 * before a loop starts ({@code temporal operator search-attribute create}, or the
 * {@code --search-attribute} flags of the dev server that the run script passes).
 */
public final class LoopSearchAttributes {

  /** The loop's {@link LoopStatus}, e.g. {@code LoopStatus = 'AWAITING_APPROVAL'}. */
  public static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword("LoopStatus");

  /** Iterations started. */
  public static final SearchAttributeKey<Long> ITERATION = SearchAttributeKey.forLong("LoopIteration");

  /** USD used. */
  public static final SearchAttributeKey<Double> COST_USD = SearchAttributeKey.forDouble("LoopCostUsd");

  /** The repository the loop works on. */
  public static final SearchAttributeKey<String> REPOSITORY = SearchAttributeKey.forKeyword("LoopRepository");

  /** Every attribute by name with its index type, for registration. */
  public static final Map<String, IndexedValueType> ALL =
      Map.of(
          STATUS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
          ITERATION.getName(), IndexedValueType.INDEXED_VALUE_TYPE_INT,
          COST_USD.getName(), IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
          REPOSITORY.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);

  private LoopSearchAttributes() {}
}
