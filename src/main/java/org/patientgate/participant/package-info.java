/**
 * The participant capability: patients and nodes registered by address and X25519 key, sign-in by
 * signed challenge into short-lived sessions, and one-time enrolment codes that link a hospital
 * identifier (blinded) to a patient. The wire contract is docs/PROTECT-API.md.
 */
package org.patientgate.participant;
