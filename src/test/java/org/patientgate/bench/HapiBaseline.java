package org.patientgate.bench;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.model.v251.datatype.CE;
import ca.uhn.hl7v2.model.v251.datatype.CWE;
import ca.uhn.hl7v2.model.v251.datatype.CX;
import ca.uhn.hl7v2.model.v251.datatype.EI;
import ca.uhn.hl7v2.model.v251.datatype.HD;
import ca.uhn.hl7v2.model.v251.datatype.IS;
import ca.uhn.hl7v2.model.v251.datatype.NM;
import ca.uhn.hl7v2.model.v251.datatype.SN;
import ca.uhn.hl7v2.model.v251.datatype.ST;
import ca.uhn.hl7v2.model.v251.datatype.TS;
import ca.uhn.hl7v2.model.v251.datatype.XAD;
import ca.uhn.hl7v2.model.v251.datatype.XCN;
import ca.uhn.hl7v2.model.v251.datatype.XON;
import ca.uhn.hl7v2.model.v251.datatype.XPN;
import ca.uhn.hl7v2.model.v251.datatype.XTN;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_ORDER_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_PATIENT_RESULT;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_SPECIMEN;
import ca.uhn.hl7v2.model.v251.message.ORU_R01;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.model.v251.segment.NTE;
import ca.uhn.hl7v2.model.v251.segment.OBR;
import ca.uhn.hl7v2.model.v251.segment.OBX;
import ca.uhn.hl7v2.model.v251.segment.PID;
import ca.uhn.hl7v2.model.v251.segment.PV1;
import ca.uhn.hl7v2.model.v251.segment.SPM;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.NoValidation;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Specimen;
import org.hl7.fhir.r4.model.StringType;

/**
 * The "HAPI-only" baseline the mapping engine is measured against: HAPI HL7 v2 parses the message
 * into the v2.5.1 model, hand-written Java copies the fields into HAPI FHIR R4 resources, and HAPI
 * FHIR serializes the collection Bundle to UTF-8 JSON. It does the same work the normalizer is asked
 * to do for an ORU^R01 (Patient, Encounter, Practitioner, Organization, Specimen, DiagnosticReport,
 * one Observation per OBX), with no mapping files and no generality beyond ORU^R01 v2.5.1.
 *
 * <p>The contexts are built once (as {@code IngestConfiguration} does for the hub) and the
 * PipeParser is shared, as the hub's processing stage shares it between consumer threads. A FHIR
 * JSON parser is made per call: cheap, and IParser is not guaranteed thread-safe. Resource ids
 * (fullUrl {@code urn:uuid:}) are name-based UUIDs from the sender, the control id and the
 * resource's place in the message, so a replay gives the same ids, as the normalizer's do.
 */
final class HapiBaseline implements AutoCloseable {

    private static final String LOINC = "http://loinc.org";
    private static final String SNOMED = "http://snomed.info/sct";
    private static final String UCUM = "http://unitsofmeasure.org";
    private static final String V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203";
    private static final String V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074";
    private static final String V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String V3_INTERPRETATION =
            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    private static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    /** v2 times without an offset are read in this offset (FHIR needs one once a time is given). */
    private static final String DEFAULT_OFFSET = "+00:00";

    private final HapiContext hapi;
    private final PipeParser pipeParser;
    private final FhirContext fhir;

    HapiBaseline() {
        // Mirrors IngestConfiguration's HapiContext (validation off twice over), but with HAPI's
        // default model class factory so a 2.5.1 message parses into the v2.5.1 structures.
        DefaultHapiContext context = new DefaultHapiContext();
        context.setValidationContext(new NoValidation());
        context.getParserConfiguration().setValidating(false);
        this.hapi = context;
        this.pipeParser = context.getPipeParser();
        this.fhir = FhirContext.forR4();
    }

    FhirContext fhirContext() {
        return fhir;
    }

    /** The whole conversion: v2 bytes (UTF-8, as the benchmark message declares) to Bundle JSON bytes. */
    byte[] toBundleJson(byte[] message) throws HL7Exception {
        Bundle bundle = toBundle(message);
        return fhir.newJsonParser().encodeResourceToString(bundle).getBytes(StandardCharsets.UTF_8);
    }

    Bundle toBundle(byte[] message) throws HL7Exception {
        ORU_R01 oru = (ORU_R01) pipeParser.parse(new String(message, StandardCharsets.UTF_8));
        return new Conversion(oru).run();
    }

    @Override
    public void close() throws IOException {
        hapi.close();
    }

    /** One message's conversion; holds the Bundle under construction and the de-duplicated parties. */
    private static final class Conversion {
        private final ORU_R01 oru;
        private final String idSeed;
        private final Bundle bundle = new Bundle();
        private final Map<String, String> practitioners = new LinkedHashMap<>();
        private final Map<String, String> organizations = new LinkedHashMap<>();
        private int sequence;

        Conversion(ORU_R01 oru) {
            this.oru = oru;
            MSH msh = oru.getMSH();
            this.idSeed = msh.getSendingApplication().getNamespaceID().getValue()
                    + '|'
                    + msh.getSendingFacility().getNamespaceID().getValue()
                    + '|'
                    + msh.getMessageControlID().getValue()
                    + '|';
        }

        Bundle run() throws HL7Exception {
            MSH msh = oru.getMSH();
            bundle.setType(Bundle.BundleType.COLLECTION);
            bundle.setId(uuid("Bundle"));
            String timestamp = fhirDateTime(msh.getDateTimeOfMessage());
            if (timestamp != null) {
                bundle.setTimestampElement(new InstantType(timestamp));
            }

            for (ORU_R01_PATIENT_RESULT result : oru.getPATIENT_RESULTAll()) {
                PID pid = result.getPATIENT().getPID();
                String patientUrl = add(patient(pid));
                PV1 pv1 = result.getPATIENT().getVISIT().getPV1();
                String encounterUrl = pv1.isEmpty() ? null : add(encounter(pv1, patientUrl));
                for (ORU_R01_ORDER_OBSERVATION order : result.getORDER_OBSERVATIONAll()) {
                    order(order, patientUrl, encounterUrl);
                }
            }
            return bundle;
        }

        private void order(ORU_R01_ORDER_OBSERVATION order, String patientUrl, String encounterUrl)
                throws HL7Exception {
            OBR obr = order.getOBR();
            DiagnosticReport report = new DiagnosticReport();
            EI filler = obr.getFillerOrderNumber();
            if (!filler.isEmpty()) {
                report.addIdentifier()
                        .setType(new CodeableConcept(new Coding(V2_0203, "FILL", null)))
                        .setSystem(namespace(filler.getNamespaceID().getValue()))
                        .setValue(filler.getEntityIdentifier().getValue());
            }
            report.setStatus(reportStatus(obr.getResultStatus().getValue()));
            String section = obr.getDiagnosticServSectID().getValue();
            if (section != null) {
                report.addCategory(new CodeableConcept(new Coding(V2_0074, section, null)));
            }
            report.setCode(codeableConcept(obr.getUniversalServiceIdentifier()));
            report.setSubject(new Reference(patientUrl));
            if (encounterUrl != null) {
                report.setEncounter(new Reference(encounterUrl));
            }
            String effective = fhirDateTime(obr.getObservationDateTime());
            if (effective != null) {
                report.setEffective(new DateTimeType(effective));
            }
            String issued = fhirDateTime(obr.getResultsRptStatusChngDateTime());
            if (issued != null) {
                report.setIssuedElement(new InstantType(issued));
            }
            for (XCN provider : obr.getOrderingProvider()) {
                // The ordering provider is who asked for the report; FHIR R4 has no slot on
                // DiagnosticReport, so it is kept as a Practitioner the Bundle carries.
                practitioner(provider);
            }

            List<String> specimenUrls = new ArrayList<>();
            for (ORU_R01_SPECIMEN specimen : order.getSPECIMENAll()) {
                specimenUrls.add(add(specimen(specimen.getSPM(), patientUrl)));
            }
            for (String url : specimenUrls) {
                report.addSpecimen(new Reference(url));
            }

            List<String> performers = new ArrayList<>();
            for (ORU_R01_OBSERVATION observation : order.getOBSERVATIONAll()) {
                OBX obx = observation.getOBX();
                Observation fhirObservation = observation(obx, observation.getNTEAll(), patientUrl, encounterUrl);
                if (specimenUrls.size() == 1) {
                    fhirObservation.setSpecimen(new Reference(specimenUrls.get(0)));
                }
                XON performer = obx.getPerformingOrganizationName();
                if (!performer.isEmpty()) {
                    String orgUrl = organization(performer);
                    fhirObservation.addPerformer(new Reference(orgUrl));
                    if (!performers.contains(orgUrl)) {
                        performers.add(orgUrl);
                    }
                }
                report.addResult(new Reference(add(fhirObservation)));
            }
            for (String orgUrl : performers) {
                report.addPerformer(new Reference(orgUrl));
            }
            add(report);
        }

        private Patient patient(PID pid) throws HL7Exception {
            Patient patient = new Patient();
            for (CX cx : pid.getPatientIdentifierList()) {
                Identifier identifier = patient.addIdentifier()
                        .setSystem(system(cx.getAssigningAuthority()))
                        .setValue(cx.getIDNumber().getValue());
                String type = cx.getIdentifierTypeCode().getValue();
                if (type != null) {
                    identifier.setType(new CodeableConcept(new Coding(V2_0203, type, null)));
                }
            }
            for (XPN xpn : pid.getPatientName()) {
                HumanName name = patient.addName()
                        .setFamily(xpn.getFamilyName().getSurname().getValue());
                addGiven(name, xpn.getGivenName().getValue());
                addGiven(
                        name,
                        xpn.getSecondAndFurtherGivenNamesOrInitialsThereof().getValue());
                if ("L".equals(xpn.getNameTypeCode().getValue())) {
                    name.setUse(HumanName.NameUse.OFFICIAL);
                }
            }
            String birth = fhirDateTime(pid.getDateTimeOfBirth());
            if (birth != null) {
                patient.setBirthDateElement(new DateType(birth.length() > 10 ? birth.substring(0, 10) : birth));
            }
            patient.setGender(gender(pid.getAdministrativeSex().getValue()));
            for (XAD xad : pid.getPatientAddress()) {
                Address address = patient.addAddress();
                addLine(
                        address,
                        xad.getStreetAddress().getStreetOrMailingAddress().getValue());
                addLine(address, xad.getOtherDesignation().getValue());
                address.setCity(xad.getCity().getValue())
                        .setState(xad.getStateOrProvince().getValue())
                        .setPostalCode(xad.getZipOrPostalCode().getValue())
                        .setCountry(xad.getCountry().getValue());
                String type = xad.getAddressType().getValue();
                if ("H".equals(type)) {
                    address.setUse(Address.AddressUse.HOME);
                } else if ("B".equals(type) || "O".equals(type)) {
                    address.setUse(Address.AddressUse.WORK);
                }
            }
            for (XTN xtn : pid.getPhoneNumberHome()) {
                ContactPoint telecom = telecom(xtn);
                if (telecom != null) {
                    patient.addTelecom(telecom);
                }
            }
            return patient;
        }

        private Encounter encounter(PV1 pv1, String patientUrl) throws HL7Exception {
            Encounter encounter = new Encounter();
            encounter.setStatus(Encounter.EncounterStatus.UNKNOWN);
            String patientClass = pv1.getPatientClass().getValue();
            String actCode =
                    switch (patientClass == null ? "" : patientClass) {
                        case "I" -> "IMP";
                        case "E" -> "EMER";
                        case "O" -> "AMB";
                        default -> null;
                    };
            if (actCode != null) {
                encounter.setClass_(new Coding(V3_ACT_CODE, actCode, null));
            }
            CX visit = pv1.getVisitNumber();
            if (!visit.isEmpty()) {
                encounter
                        .addIdentifier()
                        .setType(new CodeableConcept(new Coding(
                                V2_0203, visit.getIdentifierTypeCode().getValue(), null)))
                        .setSystem(system(visit.getAssigningAuthority()))
                        .setValue(visit.getIDNumber().getValue());
            }
            encounter.setSubject(new Reference(patientUrl));
            String start = fhirDateTime(pv1.getAdmitDateTime());
            if (start != null) {
                encounter.setPeriod(new Period().setStartElement(new DateTimeType(start)));
            }
            for (XCN attending : pv1.getAttendingDoctor()) {
                encounter
                        .addParticipant()
                        .addType(new CodeableConcept(
                                new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ATND", null)))
                        .setIndividual(new Reference(practitioner(attending)));
            }
            return encounter;
        }

        private Specimen specimen(SPM spm, String patientUrl) throws HL7Exception {
            Specimen specimen = new Specimen();
            EI placer = spm.getSpecimenID().getPlacerAssignedIdentifier();
            if (!placer.isEmpty()) {
                specimen.addIdentifier()
                        .setType(new CodeableConcept(new Coding(V2_0203, "PLAC", null)))
                        .setSystem(namespace(placer.getNamespaceID().getValue()))
                        .setValue(placer.getEntityIdentifier().getValue());
            }
            EI filler = spm.getSpecimenID().getFillerAssignedIdentifier();
            if (!filler.isEmpty()) {
                specimen.setAccessionIdentifier(new Identifier()
                        .setSystem(namespace(filler.getNamespaceID().getValue()))
                        .setValue(filler.getEntityIdentifier().getValue()));
            }
            specimen.setType(codeableConcept(spm.getSpecimenType()));
            specimen.setSubject(new Reference(patientUrl));
            Specimen.SpecimenCollectionComponent collection = specimen.getCollection();
            String collected = fhirDateTime(spm.getSpecimenCollectionDateTime().getRangeStartDateTime());
            if (collected != null) {
                collection.setCollected(new DateTimeType(collected));
            }
            if (!spm.getSpecimenCollectionMethod().isEmpty()) {
                collection.setMethod(codeableConcept(spm.getSpecimenCollectionMethod()));
            }
            String received = fhirDateTime(spm.getSpecimenReceivedDateTime());
            if (received != null) {
                specimen.setReceivedTimeElement(new DateTimeType(received));
            }
            return specimen;
        }

        private Observation observation(OBX obx, List<NTE> notes, String patientUrl, String encounterUrl)
                throws HL7Exception {
            Observation observation = new Observation();
            observation.setStatus(
                    observationStatus(obx.getObservationResultStatus().getValue()));
            observation.addCategory(new CodeableConcept(new Coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory")));
            observation.setCode(codeableConcept(obx.getObservationIdentifier()));
            observation.setSubject(new Reference(patientUrl));
            if (encounterUrl != null) {
                observation.setEncounter(new Reference(encounterUrl));
            }
            String effective = fhirDateTime(obx.getDateTimeOfTheObservation());
            if (effective != null) {
                observation.setEffective(new DateTimeType(effective));
            }
            observation.setValue(value(obx));
            String range = obx.getReferencesRange().getValue();
            if (range != null) {
                observation.addReferenceRange().setText(range);
            }
            for (IS flag : obx.getAbnormalFlags()) {
                String code = flag.getValue();
                if (code != null) {
                    observation.addInterpretation(new CodeableConcept(new Coding(V3_INTERPRETATION, code, null)));
                }
            }
            for (NTE nte : notes) {
                for (var comment : nte.getComment()) {
                    if (comment.getValue() != null) {
                        observation.addNote(new Annotation().setText(comment.getValue()));
                    }
                }
            }
            return observation;
        }

        /** OBX-5 by OBX-2: NM and SN become a Quantity (with OBX-6 as the UCUM unit), ST a string, CWE/CE a code. */
        private org.hl7.fhir.r4.model.Type value(OBX obx) throws HL7Exception {
            if (obx.getObservationValueReps() == 0) {
                return null;
            }
            Type data = obx.getObservationValue(0).getData();
            if (data instanceof NM nm) {
                return nm.getValue() == null ? null : quantity(new BigDecimal(nm.getValue()), obx.getUnits());
            }
            if (data instanceof SN sn) {
                String num1 = sn.getNum1().getValue();
                String separator = sn.getSeparatorSuffix().getValue();
                if (num1 == null || separator != null || sn.getNum2().getValue() != null) {
                    // Ranges and ratios are not in this message; keep them as text rather than guess.
                    return new StringType(sn.encode());
                }
                Quantity quantity = quantity(new BigDecimal(num1), obx.getUnits());
                String comparator = sn.getComparator().getValue();
                if (comparator != null && !"=".equals(comparator)) {
                    quantity.setComparator(Quantity.QuantityComparator.fromCode(comparator));
                }
                return quantity;
            }
            if (data instanceof CWE cwe) {
                return codeableConcept(cwe);
            }
            if (data instanceof CE ce) {
                return codeableConcept(ce);
            }
            if (data instanceof ST st) {
                return new StringType(st.getValue());
            }
            return new StringType(data.encode());
        }

        private static Quantity quantity(BigDecimal value, CE units) {
            Quantity quantity = new Quantity().setValue(value);
            String unit = units.getIdentifier().getValue();
            if (unit != null) {
                String text = units.getText().getValue();
                quantity.setUnit(text != null ? text : unit);
                String system = codeSystem(units.getNameOfCodingSystem().getValue());
                if (system != null) {
                    quantity.setSystem(system).setCode(unit);
                }
            }
            return quantity;
        }

        private String practitioner(XCN xcn) {
            String key = system(xcn.getAssigningAuthority())
                    + '|'
                    + xcn.getIDNumber().getValue();
            String url = practitioners.get(key);
            if (url != null) {
                return url;
            }
            Practitioner practitioner = new Practitioner();
            practitioner
                    .addIdentifier()
                    .setSystem(system(xcn.getAssigningAuthority()))
                    .setValue(xcn.getIDNumber().getValue());
            HumanName name = practitioner
                    .addName()
                    .setFamily(xcn.getFamilyName().getSurname().getValue());
            addGiven(name, xcn.getGivenName().getValue());
            addGiven(name, xcn.getSecondAndFurtherGivenNamesOrInitialsThereof().getValue());
            String prefix = xcn.getPrefixEgDR().getValue();
            if (prefix != null) {
                name.addPrefix(prefix);
            }
            url = add(practitioner);
            practitioners.put(key, url);
            return url;
        }

        private String organization(XON xon) {
            String key = system(xon.getAssigningAuthority())
                    + '|'
                    + xon.getOrganizationIdentifier().getValue()
                    + '|'
                    + xon.getOrganizationName().getValue();
            String url = organizations.get(key);
            if (url != null) {
                return url;
            }
            Organization organization = new Organization();
            String id = xon.getOrganizationIdentifier().getValue();
            if (id != null) {
                organization
                        .addIdentifier()
                        .setSystem(system(xon.getAssigningAuthority()))
                        .setValue(id);
            }
            organization.setName(xon.getOrganizationName().getValue());
            url = add(organization);
            organizations.put(key, url);
            return url;
        }

        private String add(Resource resource) {
            String url = "urn:uuid:" + uuid(resource.fhirType() + '|' + sequence++);
            bundle.addEntry().setFullUrl(url).setResource(resource);
            return url;
        }

        private String uuid(String local) {
            return UUID.nameUUIDFromBytes((idSeed + local).getBytes(StandardCharsets.UTF_8))
                    .toString();
        }
    }

    private static ContactPoint telecom(XTN xtn) {
        String equipment = xtn.getTelecommunicationEquipmentType().getValue();
        String use = xtn.getTelecommunicationUseCode().getValue();
        ContactPoint telecom = new ContactPoint();
        String email = xtn.getEmailAddress().getValue();
        if (email != null || "Internet".equals(equipment) || "NET".equals(use)) {
            if (email == null) {
                return null;
            }
            return telecom.setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(email);
        }
        StringBuilder number = new StringBuilder();
        appendPart(number, xtn.getCountryCode().getValue(), "+");
        appendPart(number, xtn.getAreaCityCode().getValue(), "");
        appendPart(number, xtn.getLocalNumber().getValue(), "");
        if (number.length() == 0) {
            String unformatted = xtn.getTelephoneNumber().getValue();
            if (unformatted == null) {
                return null;
            }
            number.append(unformatted);
        }
        telecom.setSystem(
                "FX".equals(equipment) ? ContactPoint.ContactPointSystem.FAX : ContactPoint.ContactPointSystem.PHONE);
        telecom.setValue(number.toString());
        if ("CP".equals(equipment)) {
            telecom.setUse(ContactPoint.ContactPointUse.MOBILE);
        } else if ("PRN".equals(use)) {
            telecom.setUse(ContactPoint.ContactPointUse.HOME);
        } else if ("WPN".equals(use)) {
            telecom.setUse(ContactPoint.ContactPointUse.WORK);
        }
        return telecom;
    }

    private static void appendPart(StringBuilder number, String part, String prefix) {
        if (part != null) {
            if (number.length() > 0) {
                number.append(' ');
            }
            number.append(prefix).append(part);
        }
    }

    private static CodeableConcept codeableConcept(CE ce) {
        CodeableConcept concept = new CodeableConcept();
        addCoding(
                concept,
                ce.getIdentifier().getValue(),
                ce.getText().getValue(),
                ce.getNameOfCodingSystem().getValue());
        addCoding(
                concept,
                ce.getAlternateIdentifier().getValue(),
                ce.getAlternateText().getValue(),
                ce.getNameOfAlternateCodingSystem().getValue());
        concept.setText(ce.getText().getValue());
        return concept;
    }

    private static CodeableConcept codeableConcept(CWE cwe) {
        CodeableConcept concept = new CodeableConcept();
        addCoding(
                concept,
                cwe.getIdentifier().getValue(),
                cwe.getText().getValue(),
                cwe.getNameOfCodingSystem().getValue());
        addCoding(
                concept,
                cwe.getAlternateIdentifier().getValue(),
                cwe.getAlternateText().getValue(),
                cwe.getNameOfAlternateCodingSystem().getValue());
        String text = cwe.getOriginalText().getValue();
        concept.setText(text != null ? text : cwe.getText().getValue());
        return concept;
    }

    private static void addCoding(CodeableConcept concept, String code, String display, String v2System) {
        if (code != null) {
            concept.addCoding(new Coding(codeSystem(v2System), code, display));
        }
    }

    /** HL7 table 0396 names to FHIR system URIs; a local code ("L", "99zzz") gets no system. */
    private static String codeSystem(String v2System) {
        if (v2System == null) {
            return null;
        }
        return switch (v2System) {
            case "LN" -> LOINC;
            case "SCT", "SNM", "SNOMED-CT" -> SNOMED;
            case "UCUM" -> UCUM;
            case "HL70078" -> "http://terminology.hl7.org/CodeSystem/v2-0078";
            default -> null;
        };
    }

    /** An assigning authority (HD) as a system: {@code urn:oid:} for ISO OIDs, else the namespace. */
    private static String system(HD hd) {
        String universal = hd.getUniversalID().getValue();
        if (universal != null && "ISO".equals(hd.getUniversalIDType().getValue())) {
            return "urn:oid:" + universal;
        }
        if (universal != null && "URI".equals(hd.getUniversalIDType().getValue())) {
            return universal;
        }
        return namespace(hd.getNamespaceID().getValue());
    }

    private static String namespace(String namespaceId) {
        return namespaceId == null ? null : "urn:patientgate:namespace:" + namespaceId;
    }

    private static void addGiven(HumanName name, String given) {
        if (given != null) {
            name.addGiven(given);
        }
    }

    private static void addLine(Address address, String line) {
        if (line != null) {
            address.addLine(line);
        }
    }

    private static AdministrativeGender gender(String sex) {
        if (sex == null) {
            return null;
        }
        return switch (sex) {
            case "F" -> AdministrativeGender.FEMALE;
            case "M" -> AdministrativeGender.MALE;
            case "O", "A" -> AdministrativeGender.OTHER;
            default -> AdministrativeGender.UNKNOWN;
        };
    }

    private static DiagnosticReport.DiagnosticReportStatus reportStatus(String status) {
        if (status == null) {
            return DiagnosticReport.DiagnosticReportStatus.UNKNOWN;
        }
        return switch (status) {
            case "F" -> DiagnosticReport.DiagnosticReportStatus.FINAL;
            case "C" -> DiagnosticReport.DiagnosticReportStatus.CORRECTED;
            case "P", "R", "S", "I" -> DiagnosticReport.DiagnosticReportStatus.PRELIMINARY;
            case "A" -> DiagnosticReport.DiagnosticReportStatus.PARTIAL;
            case "X" -> DiagnosticReport.DiagnosticReportStatus.CANCELLED;
            case "O" -> DiagnosticReport.DiagnosticReportStatus.REGISTERED;
            default -> DiagnosticReport.DiagnosticReportStatus.UNKNOWN;
        };
    }

    private static Observation.ObservationStatus observationStatus(String status) {
        if (status == null) {
            return Observation.ObservationStatus.UNKNOWN;
        }
        return switch (status) {
            case "F" -> Observation.ObservationStatus.FINAL;
            case "C" -> Observation.ObservationStatus.CORRECTED;
            case "P", "R", "S", "I" -> Observation.ObservationStatus.PRELIMINARY;
            case "X" -> Observation.ObservationStatus.CANCELLED;
            case "W", "D" -> Observation.ObservationStatus.ENTEREDINERROR;
            default -> Observation.ObservationStatus.UNKNOWN;
        };
    }

    private static String fhirDateTime(TS ts) {
        return fhirDateTime(ts.getTime().getValue());
    }

    /**
     * A v2 DTM ({@code YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]}) as a FHIR dateTime string,
     * keeping its precision. A time without an offset is read in {@link #DEFAULT_OFFSET}.
     */
    static String fhirDateTime(String dtm) {
        if (dtm == null || dtm.length() < 4) {
            return null;
        }
        int zone = Math.max(dtm.indexOf('+'), dtm.indexOf('-'));
        String main = zone >= 0 ? dtm.substring(0, zone) : dtm;
        String offset = zone >= 0 ? dtm.substring(zone) : null;
        String fraction = null;
        int dot = main.indexOf('.');
        if (dot >= 0) {
            fraction = main.substring(dot + 1);
            main = main.substring(0, dot);
        }
        int length = main.length();
        StringBuilder out = new StringBuilder(30).append(main, 0, 4);
        if (length >= 6) {
            out.append('-').append(main, 4, 6);
        }
        if (length >= 8) {
            out.append('-').append(main, 6, 8);
        }
        if (length < 10) {
            return out.toString();
        }
        out.append('T').append(main, 8, 10).append(':');
        out.append(length >= 12 ? main.substring(10, 12) : "00").append(':');
        out.append(length >= 14 ? main.substring(12, 14) : "00");
        if (fraction != null && !fraction.isEmpty()) {
            out.append('.').append(fraction);
        }
        if (offset != null && offset.length() == 5) {
            out.append(offset, 0, 3).append(':').append(offset, 3, 5);
        } else {
            out.append(DEFAULT_OFFSET);
        }
        return out.toString();
    }
}
