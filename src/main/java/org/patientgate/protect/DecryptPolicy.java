package org.patientgate.protect;

/**
 * A check in front of the module's decrypt, run after the sub-key was found to be the caller's and
 * before any key material is combined. The access capability puts its credential check here (a
 * credential that covers the caller, the report and the action); a policy refuses by throwing
 * {@link ProtectException} with reason {@link ProtectException.Reason#POLICY} and a message safe to
 * show.
 */
public interface DecryptPolicy {

    void check(DecryptRequest request, ProtectStore.ReportRecord report, int slot);
}
