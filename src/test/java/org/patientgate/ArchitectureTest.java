package org.patientgate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Keeps the capabilities apart (see STYLE.md): technology stays in its room, and capabilities do
 * not depend on each other in circles.
 */
@AnalyzeClasses(packages = "org.patientgate", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule web3jOnlyInLedger = noClasses()
            .that()
            .resideOutsideOfPackage("org.patientgate.ledger..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.web3j..");

    @ArchTest
    static final ArchRule bouncyCastleOnlyInProtect = noClasses()
            .that()
            .resideOutsideOfPackage("org.patientgate.protect..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.bouncycastle..");

    @ArchTest
    static final ArchRule noCamelInCoreCapabilities = noClasses()
            .that()
            .resideInAnyPackage(
                    "org.patientgate.access..",
                    "org.patientgate.matching..",
                    "org.patientgate.protect..",
                    "org.patientgate.ingest..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.camel..");

    @ArchTest
    static final ArchRule jdbcOnlyInAdapters = noClasses()
            .that()
            .resideInAPackage("org.patientgate.ingest")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("java.sql..", "org.springframework.jdbc..");

    @ArchTest
    static final ArchRule noCyclesBetweenCapabilities =
            slices().matching("org.patientgate.(*)..").should().beFreeOfCycles();
}
