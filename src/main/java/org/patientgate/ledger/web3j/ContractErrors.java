package org.patientgate.ledger.web3j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Names the contracts' custom errors in revert data: the 4-byte selector is matched against every
 * {@code error} in the compiled ABIs (on the classpath under {@code contracts/}) and its arguments
 * decoded, so a refusal reads {@code UnknownBatch(0x…)} instead of raw hex.
 */
public final class ContractErrors {

    static final List<String> CONTRACTS =
            List.of("ParticipantRegistry", "ConsentEscrow", "AccessGrants", "AuditAnchor");

    private record ErrorDef(String name, List<String> types) {}

    private static final Map<String, ErrorDef> BY_SELECTOR = load();

    private ContractErrors() {}

    private static Map<String, ErrorDef> load() {
        ObjectMapper json = new ObjectMapper();
        Map<String, ErrorDef> out = new HashMap<>();
        for (String contract : CONTRACTS) {
            try (InputStream in = ContractErrors.class.getResourceAsStream("/contracts/" + contract + ".abi")) {
                if (in == null) {
                    throw new IllegalStateException("contracts/" + contract + ".abi is not on the classpath (build)");
                }
                for (JsonNode item : json.readTree(in)) {
                    if (!"error".equals(item.path("type").asText())) {
                        continue;
                    }
                    List<String> types = new ArrayList<>();
                    item.path("inputs").forEach(i -> types.add(i.path("type").asText()));
                    String signature = item.path("name").asText() + "(" + String.join(",", types) + ")";
                    String selector = Hash.sha3String(signature).substring(0, 10);
                    out.put(selector, new ErrorDef(item.path("name").asText(), types));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(out);
    }

    /** The error's name, e.g. {@code BatchExists}, if the revert data is one of the contracts' errors. */
    public static Optional<String> name(String revertData) {
        return def(revertData).map(ErrorDef::name);
    }

    /** The error with its decoded arguments, e.g. {@code UnknownBatch(0x12…)}; raw data otherwise. */
    public static String describe(String revertData) {
        return describe(revertData, false);
    }

    /**
     * As {@link #describe(String)} but with addresses shortened to a prefix, for logs and the
     * outbox's error column, which must not carry a patient's address.
     */
    public static String describeForLog(String revertData) {
        return describe(revertData, true);
    }

    private static String describe(String revertData, boolean redactAddresses) {
        if (revertData == null || revertData.length() < 10) {
            return "revert without a reason";
        }
        Optional<ErrorDef> def = def(revertData);
        if (def.isEmpty()) {
            return "revert " + revertData.substring(0, 10);
        }
        List<String> args = new ArrayList<>();
        try {
            List<TypeReference<Type>> refs = new ArrayList<>();
            for (String t : def.get().types()) {
                refs.add(TypeReference.makeTypeReference(t));
            }
            for (Type<?> value : FunctionReturnDecoder.decode("0x" + revertData.substring(10), refs)) {
                Object v = value.getValue();
                if (redactAddresses && value instanceof org.web3j.abi.datatypes.Address) {
                    // a patient's address is a pseudonymous identifier: logs and the outbox get a prefix
                    String a = String.valueOf(v);
                    args.add(a.length() > 8 ? a.substring(0, 8) + "…" : a);
                } else {
                    args.add(v instanceof byte[] b ? Numeric.toHexString(b) : String.valueOf(v));
                }
            }
        } catch (ClassNotFoundException | RuntimeException e) {
            args.add("…");
        }
        return def.get().name() + "(" + String.join(", ", args) + ")";
    }

    private static Optional<ErrorDef> def(String revertData) {
        if (revertData == null || revertData.length() < 10) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_SELECTOR.get(revertData.substring(0, 10).toLowerCase()));
    }
}
