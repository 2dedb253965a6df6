package org.patientgate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Entry point of the PatientGate hub: HL7 v2 (MLLP) and FHIR R4 ingestion in front of the
 * normalization, protection, escrow and ledger capabilities. Run with {@code java -jar
 * target/patientgate.jar}; every part it needs starts embedded unless configured as external.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PatientGateApplication {

    public static void main(String[] args) {
        SpringApplication.run(PatientGateApplication.class, args);
    }
}
