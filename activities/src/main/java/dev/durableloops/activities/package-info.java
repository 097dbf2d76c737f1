/**
 * Every side effect of a loop: the loop's git workspace (JGit), step commands run as processes,
 * JUnit XML reports, and the memory files written into the workspace. The entry point is
 * {@link dev.durableloops.activities.WorkerActivities}: the implementations of both activity
 * contracts (the workspace steps and the outbound ones) of one worker.
 */
package dev.durableloops.activities;
