package dev.tiered.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The engine's packages depend one way only, as docs/ARCHITECTURE.md draws them: configuration and counters at the
 * bottom, then L1, L2, versions and coherence, the engine, and observation on top, which nothing below knows.
 */
class LayeringTest {
    private static final JavaClasses ENGINE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tiered.runtime");

    @Test
    void noPackageDependsOnOneAboveIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("observe").definedBy("dev.tiered.runtime.observe..")
                .layer("engine").definedBy("dev.tiered.runtime")
                .layer("tx").definedBy("dev.tiered.runtime.tx..")
                .layer("coherence").definedBy("dev.tiered.runtime.coherence..")
                .layer("l2").definedBy("dev.tiered.runtime.l2..")
                .layer("l1").definedBy("dev.tiered.runtime.l1..")
                .layer("stats").definedBy("dev.tiered.runtime.stats..")
                .layer("config").definedBy("dev.tiered.runtime.config..")
                .whereLayer("observe").mayNotBeAccessedByAnyLayer()
                .whereLayer("engine").mayOnlyBeAccessedByLayers("observe")
                .whereLayer("tx").mayOnlyBeAccessedByLayers("engine")
                .whereLayer("coherence").mayOnlyBeAccessedByLayers("engine", "observe")
                .whereLayer("l2").mayOnlyBeAccessedByLayers("coherence", "engine", "observe")
                .whereLayer("l1").mayOnlyBeAccessedByLayers("l2", "coherence", "engine", "observe")
                .whereLayer("stats").mayOnlyBeAccessedByLayers("l1", "l2", "coherence", "engine", "observe")
                .whereLayer("config")
                .mayOnlyBeAccessedByLayers("stats", "l1", "l2", "coherence", "engine", "observe")
                .check(ENGINE);
    }

    @Test
    void thePackagesHaveNoCycles() {
        slices().matching("dev.tiered.runtime.(*)..").should().beFreeOfCycles().check(ENGINE);
    }

    @Test
    void everyEngineClassIsInALayer() {
        noClasses().should().resideOutsideOfPackages("dev.tiered.runtime", "dev.tiered.runtime.observe",
                        "dev.tiered.runtime.tx", "dev.tiered.runtime.coherence", "dev.tiered.runtime.l2",
                        "dev.tiered.runtime.l1", "dev.tiered.runtime.stats", "dev.tiered.runtime.config")
                .check(ENGINE);
    }

    @Test
    void theEngineNeverUsesByteBuddy() {
        noClasses().should().dependOnClassesThat().resideInAPackage("net.bytebuddy..").check(ENGINE);
    }
}
