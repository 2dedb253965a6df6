package org.patientgate.escrow;

/** The words an MLLP sender's application acknowledgment uses for an ended escrow (no report content). */
final class EscrowOutcomeText {

    private EscrowOutcomeText() {}

    static String of(EscrowStore.EscrowReport r) {
        String entry = EscrowProgress.entry(r);
        switch (r.state()) {
            case "RELEASED":
                return "Escrow entry " + entry + " released by the patient to their information-sharing account"
                        + (r.decidedTx() == null ? "" : " (ledger transaction " + r.decidedTx() + ")");
            case "REJECTED":
                return "Escrow entry " + entry + " not published: the patient rejected it; its keys were destroyed";
            case "EXPIRED":
                return "Escrow entry " + entry + " not published: the time to decide ended; its keys were destroyed";
            default:
                return "Report " + r.report()
                        + " not published: the patient did not enrol before the hold ended; its keys were destroyed";
        }
    }
}
