package org.patientgate.ledger;

/** Names of the hub's ledger key identities in its key custody. */
public final class LedgerIdentities {

    /** The consortium admin on the embedded chain (deploys contracts, admits hosted institutions). */
    public static final String ADMIN = "ledger.admin";

    private LedgerIdentities() {}

    /** The signing identity of a hosted institution. */
    public static String institution(String id) {
        return "ledger.institution." + id;
    }
}
