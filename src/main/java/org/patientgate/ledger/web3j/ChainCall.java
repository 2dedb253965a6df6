package org.patientgate.ledger.web3j;

/** A contract call ready to sign: the contract's address and the ABI-encoded call data. */
record ChainCall(String to, String data) {}
