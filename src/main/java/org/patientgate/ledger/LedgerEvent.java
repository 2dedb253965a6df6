package org.patientgate.ledger;

import java.util.Map;

/**
 * A contract event read back from the chain: an escrow entry released, rejected or expired, a grant
 * issued or revoked, a batch anchored.
 *
 * @param blockNumber the block it was emitted in
 * @param logIndex its position in that block
 * @param txHash the transaction that emitted it
 * @param contract ParticipantRegistry, ConsentEscrow, AccessGrants or AuditAnchor
 * @param name the event's name, e.g. {@code EntryReleased}
 * @param subject the hash it is about (escrow entry leaf, credential hash, batch root), if any
 * @param data the remaining fields as hex or decimal strings
 */
public record LedgerEvent(
        long blockNumber,
        int logIndex,
        String txHash,
        String contract,
        String name,
        byte[] subject,
        Map<String, String> data) {}
