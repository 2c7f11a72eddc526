package dev.tiered.runtime;

import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l1.CoarseClock;
import dev.tiered.runtime.l2.L2;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.HitCounter;
import dev.tiered.runtime.stats.MethodIndexes;

/**
 * What every cached method and invalidation of one runtime shares.
 *
 * @param l2            the shared tier, or {@code null} in L1-only mode
 * @param hits          where every method counts its L1 hits, at its own index
 * @param methodIndexes each method's index in {@code hits}, handed back when the method is gone
 * @param loaders       the cleaner that hands them back
 */
record Shared(TieredConfig config, Versions versions, L2 l2, CoarseClock clock, HitCounter hits,
              FaultReporter faults, MethodIndexes methodIndexes, ClassLoaders loaders, L1Budget budget,
              CallRecorder recorder) {}
