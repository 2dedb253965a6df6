/**
 * The ledger capability: Merkle batching of consent-escrow entries and EIP-712 hashing and signing,
 * computed exactly as the PatientGate Solidity contracts compute them, so that roots, proofs and
 * signatures made here are accepted on chain. web3j is confined to this package.
 */
package org.patientgate.ledger;
