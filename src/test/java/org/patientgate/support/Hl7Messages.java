package org.patientgate.support;

/** HL7 v2 test messages, built per case so each test shows what it sends. Segments end in CR. */
public final class Hl7Messages {

    private Hl7Messages() {}

    public static String msh(String type, String version, String controlId) {
        return msh(type, version, controlId, "P", "", "");
    }

    /** MSH with type (e.g. ORU^R01), version, control id, processing id, MSH-15 and MSH-18. */
    public static String msh(
            String type, String version, String controlId, String processingId, String msh15, String msh18) {
        return "MSH|^~\\&|LABSYS|GENHOSP|PATIENTGATE|HUB|20261123101500+0100||" + type + "|" + controlId + "|"
                + processingId + "|" + version + "|||" + msh15 + "||" + "|" + msh18 + "\r";
    }

    public static String pid(String mrn, String name) {
        return "PID|1||" + mrn + "^^^GENHOSP^MR||" + name + "||19800101|F\r";
    }

    public static String obr() {
        return "OBR|1|ORD1|FIL1|24331-1^Lipid panel^LN|||20261123090000\r";
    }

    public static String obx(String valueType, String value, String status) {
        return "OBX|1|" + valueType + "|2093-3^Cholesterol^LN||" + value + "|mg/dL|<200||||" + status + "\r";
    }

    /** A complete, valid ORU^R01. */
    public static String oru(String version, String controlId) {
        return msh("ORU^R01^ORU_R01", version, controlId)
                + pid("MRN" + controlId, "DOE^JANE")
                + obr()
                + obx("NM", "182", "F");
    }

    /** A complete, valid ADT^A01. */
    public static String adtA01(String version, String controlId) {
        return msh("ADT^A01^ADT_A01", version, controlId)
                + "EVN|A01|20261123101500\r"
                + pid("MRN" + controlId, "DOE^JOHN")
                + "PV1|1|I|WARD1^101^A\r";
    }

    /** Field n of the first segment with the given id (MSH-n counted as the standard does), or null. */
    public static String field(String message, String segment, int n) {
        for (String line : message.split("[\r\n]+")) {
            if (line.startsWith(segment + "|")) {
                String[] fields = line.split("\\|", -1);
                int index = segment.equals("MSH") ? n - 1 : n;
                return index < fields.length ? fields[index] : "";
            }
        }
        return null;
    }
}
