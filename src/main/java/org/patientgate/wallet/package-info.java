/**
 * The wallet of patients and nodes: a client of the hub's privacy API (docs/PROTECT-API.md) that
 * holds a participant's secp256k1 signing key and X25519 encryption key in an encrypted file,
 * signs registrations, sign-in challenges and EIP-712 decisions, and opens, re-seals and presents
 * sub-key strings. It talks to the hub over REST only and shares no classes with the hub's server
 * side; web3j is allowed here because a wallet signs Ethereum messages.
 */
package org.patientgate.wallet;
