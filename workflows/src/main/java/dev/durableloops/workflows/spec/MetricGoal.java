package dev.durableloops.workflows.spec;

/** Which direction of a check's metric is better. */
public enum MetricGoal {
  MAXIMIZE,
  MINIMIZE
}
