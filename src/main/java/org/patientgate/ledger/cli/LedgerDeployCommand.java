package org.patientgate.ledger.cli;

import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.patientgate.ledger.LedgerIdentities;
import org.patientgate.ledger.web3j.LedgerDeployer;
import org.patientgate.ledger.web3j.Web3jContracts;
import org.patientgate.protect.KeystoreProperties;
import org.patientgate.protect.ProtectConfiguration;
import org.patientgate.protect.pkcs12.Pkcs12KeyCustody;
import org.web3j.crypto.Hash;

/**
 * {@code java -jar patientgate.jar ledger deploy}: deploys the four contracts to the network named
 * by {@code HUB_LEDGER_RPC_URL} / {@code HUB_LEDGER_CHAIN_ID} with the hub's consortium-admin key,
 * admits the hub's hosted institution, and prints the {@code HUB_LEDGER_CONTRACTS_*} lines to put
 * in the deployment's environment. Keys come from the hub's keystore ({@code HUB_DATA_DIR},
 * {@code HUB_KEYSTORE_PASSWORD}); no private key is printed.
 */
public final class LedgerDeployCommand {

    private LedgerDeployCommand() {}

    /** Runs the command; returns the process exit code. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("deploy")) {
            err.println("usage: java -jar patientgate.jar ledger deploy");
            err.println("  environment: HUB_LEDGER_RPC_URL, HUB_LEDGER_CHAIN_ID, HUB_DATA_DIR (default ./data),");
            err.println("  HUB_KEYSTORE_PASSWORD (or HUB_KEYSTORE_PASSWORD_FILE), optional HUB_LEDGER_INSTITUTION,");
            err.println("  HUB_LEDGER_INSTITUTION_NAME, HUB_LEDGER_GAS_PRICE");
            return 2;
        }
        String rpcUrl = env.get("HUB_LEDGER_RPC_URL");
        String chainId = env.get("HUB_LEDGER_CHAIN_ID");
        if (rpcUrl == null || rpcUrl.isBlank() || chainId == null || chainId.isBlank()) {
            err.println("ledger deploy: set HUB_LEDGER_RPC_URL and HUB_LEDGER_CHAIN_ID to the target network");
            return 2;
        }
        Path dataDir = Path.of(env.getOrDefault("HUB_DATA_DIR", "./data"));
        Path keystoreFile = env.containsKey("HUB_KEYSTORE_PATH")
                ? Path.of(env.get("HUB_KEYSTORE_PATH"))
                : dataDir.resolve("keys").resolve("hub.p12");
        KeystoreProperties keystore = new KeystoreProperties(
                keystoreFile,
                env.get("HUB_KEYSTORE_PASSWORD"),
                env.containsKey("HUB_KEYSTORE_PASSWORD_FILE") ? Path.of(env.get("HUB_KEYSTORE_PASSWORD_FILE")) : null);
        String institutionId = env.getOrDefault("HUB_LEDGER_INSTITUTION", "local");
        String institutionName = env.getOrDefault("HUB_LEDGER_INSTITUTION_NAME", "PatientGate hosted institution");
        Pkcs12KeyCustody keys = null;
        try {
            keys = new Pkcs12KeyCustody(
                    keystoreFile,
                    ProtectConfiguration.password(keystoreFile, keystore).toCharArray());
            String institution = LedgerIdentities.institution(institutionId);
            byte[] admin = keys.ledgerKey(LedgerIdentities.ADMIN);
            err.println("Deploying with the consortium admin " + LedgerDeployer.addressOf(admin) + " to " + rpcUrl);
            Map<String, String> addresses = LedgerDeployer.deploy(
                    rpcUrl,
                    Long.parseLong(chainId.trim()),
                    admin,
                    keys.ledgerKey(institution),
                    keys.encryptionPublicKey(institution),
                    profileHash(institutionId, institutionName),
                    env.containsKey("HUB_LEDGER_GAS_PRICE")
                            ? new BigInteger(env.get("HUB_LEDGER_GAS_PRICE").trim())
                            : null);
            out.println("HUB_LEDGER_CONTRACTS_REGISTRY=" + addresses.get(Web3jContracts.REGISTRY));
            out.println("HUB_LEDGER_CONTRACTS_ESCROW=" + addresses.get(Web3jContracts.ESCROW));
            out.println("HUB_LEDGER_CONTRACTS_GRANTS=" + addresses.get(Web3jContracts.GRANTS));
            out.println("HUB_LEDGER_CONTRACTS_AUDIT=" + addresses.get(Web3jContracts.AUDIT));
            return 0;
        } catch (RuntimeException e) {
            err.println("ledger deploy failed: " + e.getMessage());
            return 1;
        } finally {
            if (keys != null) {
                keys.close();
            }
        }
    }

    /** The institution's published profile hash (the same rule the hub applies on its embedded chain). */
    public static byte[] profileHash(String institutionId, String institutionName) {
        com.fasterxml.jackson.databind.node.ObjectNode profile =
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        profile.put("id", institutionId);
        profile.put("name", institutionName);
        return Hash.sha3(profile.toString().getBytes(StandardCharsets.UTF_8));
    }
}
