package org.patientgate.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EnrolmentCodeTest {

    private final SecureRandom random = new SecureRandom();

    @Test
    void alphabet_has32SymbolsWithoutLookAlikes() {
        assertThat(EnrolmentCode.ALPHABET).hasSize(32).doesNotContain("0", "O", "1", "I");
        assertThat(EnrolmentCode.ALPHABET.chars().distinct().count()).isEqualTo(32);
    }

    @Test
    void generate_makesTenSymbolCodes_formattedInGroupsOfFour() {
        String code = EnrolmentCode.generate(random);

        assertThat(code).matches("[A-HJ-NP-Z2-9]{10}");
        assertThat(EnrolmentCode.format(code))
                .matches("[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}")
                .isEqualTo(code.substring(0, 4) + "-" + code.substring(4, 8) + "-" + code.substring(8));
    }

    @Test
    void generate_usesEverySymbol_andDoesNotRepeatCodes() {
        Set<String> codes = new HashSet<>();
        Set<Character> symbols = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String code = EnrolmentCode.generate(random);
            codes.add(code);
            code.chars().forEach(c -> symbols.add((char) c));
        }

        assertThat(codes).hasSize(2000);
        assertThat(symbols).hasSize(32);
    }

    @Test
    void canonical_readsWhatAPatientTypes_regardlessOfCaseDashesAndSpaces() {
        assertThat(EnrolmentCode.canonical("abcd-efgh-jk")).contains("ABCDEFGHJK");
        assertThat(EnrolmentCode.canonical(" ABCD EFGH JK ")).contains("ABCDEFGHJK");
        assertThat(EnrolmentCode.canonical("ABCDEFGHJK")).contains("ABCDEFGHJK");
    }

    @Test
    void canonical_refusesLookAlikes_wrongLengths_andNonAsciiCaseFolds() {
        assertThat(EnrolmentCode.canonical("ABCD-EFGH-J0")).isEmpty();
        assertThat(EnrolmentCode.canonical("ABCD-EFGH-JI")).isEmpty();
        assertThat(EnrolmentCode.canonical("ABCD-EFGH-J")).isEmpty();
        assertThat(EnrolmentCode.canonical("ABCD-EFGH-JKL")).isEmpty();
        assertThat(EnrolmentCode.canonical("ABCD-EFGH-J\u017f")).isEmpty(); // long s upper-cases to S
        assertThat(EnrolmentCode.canonical(null)).isEmpty();
        assertThat(EnrolmentCode.canonical("")).isEmpty();
    }

    @Test
    void hash_isTheSha256OfTheCanonicalForm_soFormattingDoesNotMatter() {
        String code = EnrolmentCode.generate(random);
        String typed = EnrolmentCode.format(code).toLowerCase(java.util.Locale.ROOT);

        assertThat(EnrolmentCode.hash(EnrolmentCode.canonical(typed).orElseThrow()))
                .isEqualTo(EnrolmentCode.hash(code))
                .hasSize(32);
        assertThat(EnrolmentCode.hash(code)).isNotEqualTo(EnrolmentCode.hash(EnrolmentCode.generate(random)));
    }
}
