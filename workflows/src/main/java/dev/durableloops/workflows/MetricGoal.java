package dev.durableloops.workflows;

/** Which direction of a check's metric is better. */
public enum MetricGoal {
  MAXIMIZE,
  MINIMIZE
}
