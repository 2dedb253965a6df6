package org.patientgate.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Hl7ErrorCodeTest {

    @ParameterizedTest(name = "{0} = {1} {2}")
    @CsvSource(
            delimiter = ';',
            value = {
                "SEGMENT_SEQUENCE_ERROR;100;Segment sequence error;false",
                "REQUIRED_FIELD_MISSING;101;Required field missing;false",
                "DATA_TYPE_ERROR;102;Data type error;false",
                "TABLE_VALUE_NOT_FOUND;103;Table value not found;false",
                "UNSUPPORTED_MESSAGE_TYPE;200;Unsupported message type;true",
                "UNSUPPORTED_EVENT_CODE;201;Unsupported event code;true",
                "UNSUPPORTED_PROCESSING_ID;202;Unsupported processing id;true",
                "UNSUPPORTED_VERSION_ID;203;Unsupported version id;true",
                "APPLICATION_INTERNAL_ERROR;207;Application internal error;true"
            })
    void carriesTable0357CodeTextAndAckSeverity(Hl7ErrorCode code, String number, String text, boolean reject) {
        assertThat(code.code()).isEqualTo(number);
        assertThat(code.text()).isEqualTo(text);
        assertThat(code.reject()).isEqualTo(reject);
    }

    @Test
    void rejectsExactlyTheEnvelopeAndApplicationConditions() {
        assertThat(Arrays.stream(Hl7ErrorCode.values()).filter(Hl7ErrorCode::reject))
                .allMatch(c -> c.code().startsWith("2"));
        assertThat(Arrays.stream(Hl7ErrorCode.values()).filter(c -> !c.reject()))
                .allMatch(c -> c.code().startsWith("1"));
    }

    @Test
    void hasDistinctCodes() {
        assertThat(Arrays.stream(Hl7ErrorCode.values()).map(Hl7ErrorCode::code)).doesNotHaveDuplicates();
    }

    @Test
    void describesAnErrorWithCodeLocationAndText() {
        Hl7Error error = Hl7Error.of(Hl7ErrorCode.DATA_TYPE_ERROR, "OBX", 2, 5, "OBX-5 is not a number");

        assertThat(error.location()).isEqualTo("OBX(2)-5");
        assertThat(error.describe()).isEqualTo("102 Data type error at OBX(2)-5: OBX-5 is not a number");
        assertThat(Hl7Error.of(Hl7ErrorCode.APPLICATION_INTERNAL_ERROR, "", 0, 0, "x")
                        .location())
                .isEqualTo("message");
        assertThat(Hl7Error.of(Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "PID", 1, 0, "x")
                        .location())
                .isEqualTo("PID");
    }
}
