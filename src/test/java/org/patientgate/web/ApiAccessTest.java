package org.patientgate.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ApiAccessTest {

    @Test
    void participantsPaths_arePublicOrSessions_andEverythingElseUnderApiIsOperations() {
        assertThat(ApiAccess.of("POST", "/api/participants")).isEqualTo(ApiAccess.PUBLIC);
        assertThat(ApiAccess.of("GET", "/api/participants/0xab")).isEqualTo(ApiAccess.PUBLIC);
        assertThat(ApiAccess.of("POST", "/api/auth/token")).isEqualTo(ApiAccess.PUBLIC);
        assertThat(ApiAccess.of("POST", "/api/patients/me/identifiers")).isEqualTo(ApiAccess.PATIENT);
        assertThat(ApiAccess.of("GET", "/api/protect/reports")).isEqualTo(ApiAccess.PARTICIPANT);
        assertThat(ApiAccess.of("GET", "/api/protect/module-key")).isEqualTo(ApiAccess.PUBLIC);
        assertThat(ApiAccess.of("GET", "/api/messages")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("POST", "/api/enrolment-codes")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("GET", "/api")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("GET", "/fhir/metadata")).isEqualTo(ApiAccess.NONE);
        assertThat(ApiAccess.of("GET", "/apiary")).isEqualTo(ApiAccess.NONE);
    }

    @Test
    void keyEncryptionKeys_stayOperationsOnly_andTheModuleKeyIsPublicOnlyToRead() {
        assertThat(ApiAccess.of("GET", "/api/protect/kek")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("POST", "/api/protect/kek/rotate")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("POST", "/api/protect/module-key")).isEqualTo(ApiAccess.PARTICIPANT);
        assertThat(ApiAccess.of("GET", "/api/protect/module-key/x")).isEqualTo(ApiAccess.PARTICIPANT);
    }

    @Test
    void lookAlikePrefixes_doNotBorrowAnotherClass() {
        assertThat(ApiAccess.of("GET", "/api/patientsx")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("GET", "/api/participants-export")).isEqualTo(ApiAccess.OPERATIONS);
        assertThat(ApiAccess.of("GET", "/api/protect/kekx")).isEqualTo(ApiAccess.PARTICIPANT);
        assertThat(ApiAccess.of("GET", "/api/authx")).isEqualTo(ApiAccess.OPERATIONS);
    }

    @Test
    void path_isTheContainersDecodedServletPath_notTheRawUri() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/protect/%6Bek/rotate");
        request.setServletPath("/api/protect/kek/rotate");

        assertThat(ApiAccess.path(request)).isEqualTo("/api/protect/kek/rotate");
        assertThat(ApiAccess.of(request)).isEqualTo(ApiAccess.OPERATIONS);
    }
}
