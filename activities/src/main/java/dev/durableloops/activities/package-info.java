/**
 * Every side effect of a loop: the loop's git workspace (JGit), step commands run as processes,
 * JUnit XML reports, and the memory files written into the workspace. The entry point is
 * {@link dev.durableloops.activities.LoopActivitiesImpl}.
 */
package dev.durableloops.activities;
