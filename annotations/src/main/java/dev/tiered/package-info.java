/**
 * The public API of tiered: {@link dev.tiered.Tiered} marks methods whose results are cached,
 * {@link dev.tiered.Invalidates} marks methods that invalidate them, {@link dev.tiered.Tier} says where results are
 * kept. This package has no dependencies, and without {@code -javaagent:tiered-agent.jar} its annotations have no
 * effect at all.
 */
package dev.tiered;
