package org.patientgate.participant;

import java.time.Clock;
import javax.sql.DataSource;
import org.patientgate.ledger.LedgerOutbox;
import org.patientgate.ledger.ParticipantLedger;
import org.patientgate.participant.jdbc.JdbcEnrolmentCodes;
import org.patientgate.participant.jdbc.JdbcParticipants;
import org.patientgate.participant.jdbc.JdbcPatientLinks;
import org.patientgate.participant.jdbc.JdbcSessionStore;
import org.patientgate.protect.IdentifierBlinding;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the participant capability ({@code hub.participants.*}): the registry, sessions and
 * enrolment in PostgreSQL, and the ledger relay of patient registrations when the ledger is on.
 */
@Configuration(proxyBeanMethods = false)
public class ParticipantConfiguration {

    @Bean
    JdbcParticipants participants(DataSource dataSource, ObjectProvider<LedgerOutbox> outbox) {
        return new JdbcParticipants(dataSource, outbox.getIfAvailable());
    }

    @Bean
    JdbcPatientLinks patientLinks(DataSource dataSource) {
        return new JdbcPatientLinks(dataSource);
    }

    @Bean
    ParticipantRegistration participantRegistration(
            JdbcParticipants participants,
            ObjectProvider<ParticipantLedger> ledger,
            ObjectProvider<LedgerOutbox> outbox) {
        return new ParticipantRegistration(
                participants, ledger.getIfAvailable(), outbox.getIfAvailable(), Clock.systemUTC());
    }

    @Bean
    ParticipantSessions participantSessions(
            DataSource dataSource, JdbcParticipants participants, ParticipantProperties properties) {
        return new ParticipantSessions(
                participants, new JdbcSessionStore(dataSource), properties.sessionTtl(), Clock.systemUTC());
    }

    @Bean
    PatientEnrolment patientEnrolment(
            DataSource dataSource,
            JdbcParticipants participants,
            IdentifierBlinding blinding,
            ParticipantProperties properties,
            ObjectProvider<PatientLinks.Listener> listeners) {
        return new PatientEnrolment(
                participants,
                new JdbcEnrolmentCodes(dataSource),
                blinding,
                properties.enrolmentCodeTtl(),
                () -> listeners.orderedStream().toList(),
                Clock.systemUTC());
    }
}
