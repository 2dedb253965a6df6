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

    // The wallet signs Ethereum messages (personal and EIP-712 signatures) with the participant's key.
    @ArchTest
    static final ArchRule web3jOnlyInLedgerAndWallet = noClasses()
            .that()
            .resideOutsideOfPackages("org.patientgate.ledger..", "org.patientgate.wallet..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.web3j..");

    // The wallet is a client of the hub's REST API: it may use the shared crypto (protect's Hpke and
    // sub-key strings, ledger's EIP-712 hashing) but none of the hub's server side.
    @ArchTest
    static final ArchRule walletIsAClientOfTheHub = noClasses()
            .that()
            .resideInAPackage("org.patientgate.wallet..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.patientgate.web..",
                    "org.patientgate.ingest..",
                    "org.patientgate.normalize..",
                    "org.patientgate.escrow..",
                    "org.patientgate.participant..",
                    "org.patientgate.camel..",
                    "org.patientgate.config..",
                    "org.springframework..",
                    "org.apache.camel..");

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
