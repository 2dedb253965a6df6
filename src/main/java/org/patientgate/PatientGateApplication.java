package org.patientgate;

import java.util.Arrays;
import org.patientgate.ledger.cli.LedgerDeployCommand;
import org.patientgate.normalize.cli.ConvertCommand;
import org.patientgate.wallet.cli.WalletCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Entry point of the PatientGate hub: HL7 v2 (MLLP) and FHIR R4 ingestion in front of the
 * normalization, protection, escrow and ledger capabilities. Run with {@code java -jar
 * target/patientgate.jar}; every part it needs starts embedded unless configured as external.
 * {@code java -jar target/patientgate.jar convert ...} runs the mapping converter instead ({@link
 * ConvertCommand}), without the hub; {@code ledger deploy} deploys the contracts to an external
 * network ({@link LedgerDeployCommand}); {@code wallet ...} is the patients' and nodes' wallet, a
 * client of a running hub ({@link WalletCommand}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PatientGateApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("convert")) {
            // the mapping developer's converter: plain Java, no Spring context, no embedded servers
            System.exit(ConvertCommand.standalone(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("ledger")) {
            // the consortium admin's one-off contract deployment to an external network
            System.exit(LedgerDeployCommand.run(
                    Arrays.copyOfRange(args, 1, args.length), System.getenv(), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("wallet")) {
            // the patient's or node's wallet: a REST client of a running hub, no Spring context
            System.exit(WalletCommand.run(
                    Arrays.copyOfRange(args, 1, args.length), System.getenv(), System.out, System.err));
        }
        SpringApplication.run(PatientGateApplication.class, args);
    }
}
