package org.patientgate.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * HL7 v2 messages for the ingest unit tests, built per case so each test shows the field it varies.
 * Segments end in CR unless a test joins them otherwise. Real-world samples (copied from Microsoft
 * FHIR-Converter's test data) are read from {@code src/test/resources/hl7v2/}.
 */
final class Hl7TestMessages {

    private Hl7TestMessages() {}

    static Msh msh() {
        return new Msh();
    }

    /** An MSH segment with valid defaults; each setter changes one field. */
    static final class Msh {
        private final String[] fields = new String[19];

        private Msh() {
            fields[3] = "LABSYS";
            fields[4] = "GENHOSP";
            fields[5] = "PATIENTGATE";
            fields[6] = "HUB";
            fields[7] = "20261123101500+0100";
            fields[9] = "ORU^R01^ORU_R01";
            fields[10] = "MSG00001";
            fields[11] = "P";
            fields[12] = "2.5.1";
        }

        Msh field(int n, String value) {
            fields[n] = value;
            return this;
        }

        Msh type(String value) {
            return field(9, value);
        }

        Msh controlId(String value) {
            return field(10, value);
        }

        Msh processingId(String value) {
            return field(11, value);
        }

        Msh version(String value) {
            return field(12, value);
        }

        Msh charset(String value) {
            return field(18, value);
        }

        /** MSH-1 to the last valued field, without a segment terminator. */
        String segment() {
            int last = 12;
            for (int n = 3; n < fields.length; n++) {
                if (fields[n] != null && !fields[n].isEmpty()) {
                    last = Math.max(last, n);
                }
            }
            StringBuilder out = new StringBuilder("MSH|^~\\&");
            for (int n = 3; n <= last; n++) {
                out.append('|').append(fields[n] == null ? "" : fields[n]);
            }
            return out.toString();
        }

        @Override
        public String toString() {
            return segment() + "\r";
        }
    }

    static String pid(String pid3, String name) {
        return "PID|1||" + pid3 + "||" + name + "||19800101|F\r";
    }

    static String pid() {
        return pid("MRN12345^^^GENHOSP^MR", "DOE^JANE");
    }

    static String evn(String event) {
        return "EVN|" + event + "|20261123101500\r";
    }

    static String pv1() {
        return "PV1|1|I|WARD1^101^A\r";
    }

    static String orc() {
        return "ORC|RE|ORD1|FIL1\r";
    }

    static String obr() {
        return "OBR|1|ORD1|FIL1|24331-1^Lipid panel^LN|||20261123090000\r";
    }

    static String obx(String valueType, String value, String status) {
        return "OBX|1|" + valueType + "|2093-3^Cholesterol^LN||" + value + "|mg/dL|<200||||" + status + "\r";
    }

    static String txa() {
        return "TXA|1|DS|TX|20261123100000|||||||DOC123||||||AU\r";
    }

    /** A complete ORU^R01 that the checker accepts. */
    static String oru(String version) {
        return msh().version(version) + pid() + obr() + obx("NM", "182", "F");
    }

    /** A complete ADT^A01 that the checker accepts. */
    static String adtA01(String version) {
        return msh().type(version.equals("2.3") ? "ADT^A01" : "ADT^A01^ADT_A01").version(version)
                + evn("A01")
                + pid()
                + pv1();
    }

    /** A complete MDM^T02 that the checker accepts. */
    static String mdmT02(String version) {
        return msh().type(version.equals("2.3") ? "MDM^T02" : "MDM^T02^MDM_T02").version(version)
                + evn("T02")
                + pid()
                + pv1()
                + txa()
                + obx("TX", "Discharge summary text", "F");
    }

    static Hl7Envelope decode(String text) throws Hl7Envelope.UnreadableMessageException {
        return Hl7Envelope.decode(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    static Hl7Envelope decode(byte[] bytes, Charset listenerDefault) throws Hl7Envelope.UnreadableMessageException {
        return Hl7Envelope.decode(bytes, listenerDefault);
    }

    /** A copied sample from {@code src/test/resources/hl7v2/}, as the bytes a sender would frame. */
    static byte[] sample(String fileName) {
        try (InputStream in = Hl7TestMessages.class.getResourceAsStream("/hl7v2/" + fileName)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource hl7v2/" + fileName);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Concatenates byte arrays, for frames that mix encodings or carry a byte order mark. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
