package dev.durableloops.workflows.state;

/** The gate's decision on an attempt. */
public enum Verdict {
  ACCEPT,
  REJECT,
  ASK_HUMAN
}
