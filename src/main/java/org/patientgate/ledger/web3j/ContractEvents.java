package org.patientgate.ledger.web3j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.patientgate.ledger.LedgerEvent;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * Decodes the contracts' event logs by their ABI (on the classpath under {@code contracts/}): the
 * first topic selects the event, indexed fields come from the other topics and the rest from the
 * data. The event's subject is its first indexed {@code bytes32} (entry, credential hash, root).
 */
final class ContractEvents {

    private record Field(String name, String type, boolean indexed) {}

    private record EventDef(String contract, String name, List<Field> fields) {}

    private final Map<String, EventDef> byTopic = new HashMap<>();

    ContractEvents() {
        ObjectMapper json = new ObjectMapper();
        for (String contract : ContractErrors.CONTRACTS) {
            try (InputStream in = ContractEvents.class.getResourceAsStream("/contracts/" + contract + ".abi")) {
                if (in == null) {
                    throw new IllegalStateException("contracts/" + contract + ".abi is not on the classpath (build)");
                }
                for (JsonNode item : json.readTree(in)) {
                    if (!"event".equals(item.path("type").asText())) {
                        continue;
                    }
                    List<Field> fields = new ArrayList<>();
                    List<String> types = new ArrayList<>();
                    for (JsonNode i : item.path("inputs")) {
                        fields.add(new Field(
                                i.path("name").asText(),
                                i.path("type").asText(),
                                i.path("indexed").asBoolean()));
                        types.add(i.path("type").asText());
                    }
                    String topic = Hash.sha3String(item.path("name").asText() + "(" + String.join(",", types) + ")");
                    byTopic.put(topic, new EventDef(contract, item.path("name").asText(), fields));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The event in a log, if it is one of the contracts' events. */
    Optional<LedgerEvent> decode(Log log) {
        if (log.getTopics() == null || log.getTopics().isEmpty()) {
            return Optional.empty();
        }
        EventDef def = byTopic.get(log.getTopics().get(0).toLowerCase());
        if (def == null) {
            return Optional.empty();
        }
        List<TypeReference<Type>> dataRefs = new ArrayList<>();
        try {
            for (Field f : def.fields()) {
                if (!f.indexed()) {
                    dataRefs.add(TypeReference.makeTypeReference(f.type()));
                }
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("event " + def.name() + " has a type web3j cannot decode", e);
        }
        List<Type> data = FunctionReturnDecoder.decode(log.getData(), dataRefs);
        Map<String, String> values = new LinkedHashMap<>();
        byte[] subject = null;
        int topic = 1;
        int datum = 0;
        for (Field f : def.fields()) {
            String value;
            if (f.indexed()) {
                String raw = log.getTopics().get(topic++);
                value = switch (f.type()) {
                    case "address" -> "0x" + raw.substring(raw.length() - 40);
                    case "bool" -> Boolean.toString(Numeric.toBigInt(raw).signum() != 0);
                    default ->
                        f.type().startsWith("uint") ? Numeric.toBigInt(raw).toString() : raw;
                };
                if (subject == null && f.type().equals("bytes32")) {
                    subject = Numeric.hexStringToByteArray(raw);
                }
            } else {
                Object v = data.get(datum++).getValue();
                value = v instanceof byte[] b ? Numeric.toHexString(b) : String.valueOf(v);
            }
            values.put(f.name(), value);
        }
        return Optional.of(new LedgerEvent(
                log.getBlockNumber().longValueExact(),
                log.getLogIndex().intValueExact(),
                log.getTransactionHash(),
                def.contract(),
                def.name(),
                subject,
                values));
    }
}
