package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class PersonalSignTest {

    private static final ECKeyPair KEY = ECKeyPair.create(
            new BigInteger("4c0883a69102937d6231471b5dbb6204fe512961708279f0" + "d1f2d1b4e3b2b3a1", 16));
    private static final String ADDRESS = "0x" + Keys.getAddress(KEY);

    @Test
    void digest_isTheEip191PersonalMessageHash_ofAPublishedVector() {
        // ethers.js hashMessage("Hello World")
        assertThat(HexFormat.of().formatHex(PersonalSign.digest("Hello World")))
                .isEqualTo("a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2");
    }

    @Test
    void digest_countsTheMessageLengthInUtf8Bytes_likeWeb3j() {
        String message = "PatientGate registration\nname: Hôpital Saint-Éloi 病院";
        Sign.SignatureData wallet = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), KEY);

        assertThat(PersonalSign.recover(message, rsv(wallet))).isEqualTo(ADDRESS);
    }

    @Test
    void recover_returnsTheLowercaseAddress_ofAWalletsPersonalSignature() {
        String message = "PatientGate sign-in\naddress: " + ADDRESS;
        Sign.SignatureData wallet = Sign.signPrefixedMessage(message.getBytes(StandardCharsets.UTF_8), KEY);

        String signer = PersonalSign.recover(message, rsv(wallet));

        assertThat(signer).isEqualTo(ADDRESS).matches("0x[0-9a-f]{40}");
    }

    @Test
    void sign_makesASignatureWeb3jRecoversToTheSameKey() throws Exception {
        byte[] signature = PersonalSign.sign("hello", KEY);

        BigInteger recovered = Sign.signedPrefixedMessageToKey(
                "hello".getBytes(StandardCharsets.UTF_8),
                new Sign.SignatureData(signature[64], slice(signature, 0, 32), slice(signature, 32, 64)));

        assertThat(recovered).isEqualTo(KEY.getPublicKey());
        assertThat(signature[64]).isIn((byte) 27, (byte) 28);
    }

    @Test
    void recover_ofAnotherMessage_isAnotherAddress() {
        byte[] signature = PersonalSign.sign("role: NODE", KEY);

        assertThat(PersonalSign.recover("role: PATIENT", signature)).isNotEqualTo(ADDRESS);
    }

    @Test
    void recover_refusesTheHighSTwin_andVOtherThan27Or28_andWrongLengths() {
        byte[] signature = PersonalSign.sign("hello", KEY);
        byte[] highS = signature.clone();
        BigInteger s = new BigInteger(1, slice(signature, 32, 64));
        System.arraycopy(word(Eip712.CURVE_ORDER.subtract(s)), 0, highS, 32, 32);
        highS[64] = (byte) (signature[64] == 27 ? 28 : 27);
        assertThat(Eip712.toLowS(highS)).isEqualTo(signature); // the same signer's malleable twin
        byte[] vZero = signature.clone();
        vZero[64] = (byte) (signature[64] - 27);

        assertThatThrownBy(() -> PersonalSign.recover("hello", highS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("high");
        assertThatThrownBy(() -> PersonalSign.recover("hello", vZero))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("v must be 27 or 28");
        assertThatThrownBy(() -> PersonalSign.recover("hello", slice(signature, 0, 64)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65 bytes");
        assertThatThrownBy(() -> PersonalSign.recover(null, signature)).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] rsv(Sign.SignatureData d) {
        byte[] out = new byte[65];
        System.arraycopy(d.getR(), 0, out, 0, 32);
        System.arraycopy(d.getS(), 0, out, 32, 32);
        out[64] = d.getV()[0];
        return out;
    }

    private static byte[] word(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] w = new byte[32];
        int length = Math.min(b.length, 32);
        System.arraycopy(b, b.length - length, w, 32 - length, length);
        return w;
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }
}
