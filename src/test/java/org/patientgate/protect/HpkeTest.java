package org.patientgate.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.hpke.AEAD;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.junit.jupiter.api.Test;

class HpkeTest {

    private static final HexFormat HEX = HexFormat.of();

    // RFC 9180 test vectors (the CFRG test-vectors.json published with RFC 9180), the entry for
    // mode 0 (base), kem_id 0x0020 DHKEM(X25519, HKDF-SHA256), kdf_id 0x0001 HKDF-SHA256,
    // aead_id 0x0002 AES-256-GCM, and its first encryption (sequence number 0). RFC 9180's printed
    // Appendix A.1 has only the AES-128-GCM variant of this KEM; this suite is in the JSON file.
    private static final String V_INFO = "4f6465206f6e2061204772656369616e2055726e"; // "Ode on a Grecian Urn"
    private static final String V_IKM_E = "2cd7c601cefb3d42a62b04b7a9041494c06c7843818e0ce28a8f704ae7ab20f9";
    private static final String V_IKM_R = "dac33b0e9db1b59dbbea58d59a14e7b5896e9bdf98fad6891e99d1686492b9ee";
    private static final String V_SK_EM = "179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11";
    private static final String V_PK_EM = "6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256";
    private static final String V_SK_RM = "497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d";
    private static final String V_PK_RM = "430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c";
    private static final String V_ENC = "6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256";
    private static final String V_SHARED_SECRET = "3101c54c3a4f87439eaac080699ed9bbcc726ffe44e860c0424ccb7e3e2ead7b";
    private static final String V_KEY = "f50b0609186798729ed0564b36ef2ef8044f1f9d05636874d1f46c819c7a669f";
    private static final String V_BASE_NONCE = "151d9929e2449747889bc923";
    private static final String V_AAD = "436f756e742d30"; // "Count-0"
    private static final String V_PT =
            "4265617574792069732074727574682c20747275746820626561757479"; // "Beauty is truth, ..."
    private static final String V_NONCE = "151d9929e2449747889bc923"; // sequence 0: base_nonce itself
    private static final String V_CT =
            "e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a";

    private static final byte[] INFO = "patientgate/test/info".getBytes(StandardCharsets.UTF_8);
    private static final byte[] AAD = "report-42|slot-7".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = "a 32-byte sub-key or any payload".getBytes(StandardCharsets.UTF_8);

    private static byte[] hex(String s) {
        return HEX.parseHex(s);
    }

    private static HPKE bcSuite() {
        return new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static byte[] flipBit(byte[] in, int index, int bit) {
        byte[] out = in.clone();
        out[index] ^= (byte) (1 << bit);
        return out;
    }

    // ---------------------------------------------------------------- RFC 9180 vector

    /**
     * The vector prints skEm and skRm as DeriveKeyPair's raw output; RFC 9180 §7.1.2 has SerializePrivateKey
     * clamp an X25519 key (RFC 7748 §5 decodeScalar25519), which BouncyCastle does. Both forms are the
     * same X25519 scalar, so the derived key pair is compared with the clamped vector value.
     */
    @Test
    void bouncyCastleDerivesTheVectorKeyPairsFromTheirSeeds() {
        HPKE hpke = bcSuite();

        AsymmetricCipherKeyPair ephemeral = hpke.deriveKeyPair(hex(V_IKM_E));
        AsymmetricCipherKeyPair recipient = hpke.deriveKeyPair(hex(V_IKM_R));

        assertThat(hpke.serializePrivateKey(ephemeral.getPrivate())).isEqualTo(clamp(hex(V_SK_EM)));
        assertThat(hpke.serializePublicKey(ephemeral.getPublic())).isEqualTo(hex(V_PK_EM));
        assertThat(hpke.serializePrivateKey(recipient.getPrivate())).isEqualTo(clamp(hex(V_SK_RM)));
        assertThat(hpke.serializePublicKey(recipient.getPublic())).isEqualTo(hex(V_PK_RM));
    }

    @Test
    void theUnclampedVectorPrivateKeysAreTheSameX25519KeysAsTheirClampedForms() {
        assertThat(clamp(hex(V_SK_RM))).isNotEqualTo(hex(V_SK_RM));
        assertThat(Hpke.publicKeyOf(clamp(hex(V_SK_RM)))).isEqualTo(hex(V_PK_RM));
        assertThat(Hpke.publicKeyOf(clamp(hex(V_SK_EM)))).isEqualTo(hex(V_PK_EM));
    }

    private static byte[] clamp(byte[] scalar) {
        byte[] out = scalar.clone();
        out[0] &= (byte) 0xf8;
        out[31] &= (byte) 0x7f;
        out[31] |= (byte) 0x40;
        return out;
    }

    @Test
    void bouncyCastleSenderWithTheVectorEphemeralGivesTheVectorEncAndCiphertext() throws Exception {
        HPKE hpke = bcSuite();
        AsymmetricCipherKeyPair ephemeral = hpke.deriveKeyPair(hex(V_IKM_E));

        HPKEContextWithEncapsulation sender =
                hpke.setupBaseS(new X25519PublicKeyParameters(hex(V_PK_RM), 0), hex(V_INFO), ephemeral);

        assertThat(sender.getEncapsulation()).isEqualTo(hex(V_ENC));
        assertThat(sender.seal(hex(V_AAD), hex(V_PT))).isEqualTo(hex(V_CT));
    }

    @Test
    void ourOpenReadsTheVectorEncFollowedByItsCiphertext() {
        byte[] sealed = concat(hex(V_ENC), hex(V_CT));

        assertThat(Hpke.open(hex(V_SK_RM), hex(V_INFO), hex(V_AAD), sealed)).isEqualTo(hex(V_PT));
        assertThat(Hpke.recipient(hex(V_SK_RM)).open(hex(V_INFO), hex(V_AAD), sealed))
                .isEqualTo(hex(V_PT));
    }

    @Test
    void ourSealWithTheVectorEphemeralGivesTheVectorEncAndCiphertext() {
        byte[] sealed = Hpke.seal(hex(V_PK_RM), hex(V_INFO), hex(V_AAD), hex(V_PT), hex(V_SK_EM));

        assertThat(sealed).isEqualTo(concat(hex(V_ENC), hex(V_CT)));
    }

    @Test
    void aLargePlaintextOpensBothWaysBetweenUsAndBouncyCastle() throws Exception {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] large = new byte[15 * 1024 + 7];
        new java.util.Random(42).nextBytes(large);
        HPKE hpke = bcSuite();
        AsymmetricCipherKeyPair recipient = hpke.deserializePrivateKey(keys.privateKey(), keys.publicKey());

        byte[] ours = Hpke.seal(keys.publicKey(), INFO, AAD, large);
        byte[] openedByBc = hpke.setupBaseR(Arrays.copyOf(ours, Hpke.ENC_LENGTH), recipient, INFO)
                .open(AAD, Arrays.copyOfRange(ours, Hpke.ENC_LENGTH, ours.length));
        assertThat(openedByBc).isEqualTo(large);

        byte[][] bc = hpke.seal(new X25519PublicKeyParameters(keys.publicKey(), 0), INFO, AAD, large, null, null, null);
        assertThat(Hpke.open(keys.privateKey(), INFO, AAD, concat(bc[1], bc[0])))
                .isEqualTo(large);
    }

    @Test
    void ourPublicKeyOfTheVectorRecipientKeyIsTheVectorPublicKey() {
        assertThat(Hpke.publicKeyOf(hex(V_SK_RM))).isEqualTo(hex(V_PK_RM));
        assertThat(Hpke.publicKeyOf(hex(V_SK_EM))).isEqualTo(hex(V_PK_EM));
        assertThat(Hpke.recipient(hex(V_SK_RM)).publicKey()).isEqualTo(hex(V_PK_RM));
    }

    @Test
    void vectorKeyAndBaseNonceProduceTheVectorCiphertextUnderAes256Gcm() throws Exception {
        assertThat(hex(V_KEY)).hasSize(32);
        assertThat(hex(V_NONCE)).isEqualTo(hex(V_BASE_NONCE));

        AEAD aead = new AEAD(HPKE.aead_AES_GCM256, hex(V_KEY), hex(V_BASE_NONCE));

        assertThat(aead.seal(hex(V_AAD), hex(V_PT))).isEqualTo(hex(V_CT));
    }

    /**
     * RFC 9180 §4.1 (DHKEM Encap/Decap, ExtractAndExpand) and §5.1 (KeySchedule), written out here with
     * the JDK's HMAC-SHA256 so that the vector's shared_secret, key and base_nonce are recomputed
     * independently of BouncyCastle's HPKE class (BouncyCastle only does the X25519 function).
     */
    @Test
    void sharedSecretKeyAndBaseNonceFollowFromTheVectorKeysByTheRfcKeySchedule() throws Exception {
        byte[] dhFromSender = x25519(hex(V_SK_EM), hex(V_PK_RM));
        byte[] dhFromRecipient = x25519(hex(V_SK_RM), hex(V_PK_EM));
        assertThat(dhFromSender).isEqualTo(dhFromRecipient);

        byte[] kemSuite = concat("KEM".getBytes(StandardCharsets.US_ASCII), new byte[] {0x00, 0x20});
        byte[] eaePrk = labeledExtract(kemSuite, new byte[0], "eae_prk", dhFromSender);
        byte[] sharedSecret = labeledExpand(kemSuite, eaePrk, "shared_secret", concat(hex(V_ENC), hex(V_PK_RM)), 32);
        assertThat(sharedSecret).isEqualTo(hex(V_SHARED_SECRET));

        byte[] hpkeSuite =
                concat("HPKE".getBytes(StandardCharsets.US_ASCII), new byte[] {0x00, 0x20, 0x00, 0x01, 0x00, 0x02});
        byte[] pskIdHash = labeledExtract(hpkeSuite, new byte[0], "psk_id_hash", new byte[0]);
        byte[] infoHash = labeledExtract(hpkeSuite, new byte[0], "info_hash", hex(V_INFO));
        byte[] context = concat(new byte[] {0x00}, pskIdHash, infoHash);
        byte[] secret = labeledExtract(hpkeSuite, sharedSecret, "secret", new byte[0]);

        assertThat(labeledExpand(hpkeSuite, secret, "key", context, 32)).isEqualTo(hex(V_KEY));
        assertThat(labeledExpand(hpkeSuite, secret, "base_nonce", context, 12)).isEqualTo(hex(V_BASE_NONCE));
    }

    private static byte[] x25519(byte[] privateKey, byte[] publicKey) {
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(new X25519PrivateKeyParameters(privateKey, 0));
        byte[] out = new byte[agreement.getAgreementSize()];
        agreement.calculateAgreement(new X25519PublicKeyParameters(publicKey, 0), out, 0);
        return out;
    }

    private static byte[] hmacSha256(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        // HKDF-Extract with an empty salt uses HashLen zero bytes (RFC 5869 §2.2).
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[32] : key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] labeledExtract(byte[] suiteId, byte[] salt, String label, byte[] ikm) throws Exception {
        byte[] labeledIkm = concat(
                "HPKE-v1".getBytes(StandardCharsets.US_ASCII), suiteId, label.getBytes(StandardCharsets.US_ASCII), ikm);
        return hmacSha256(salt, labeledIkm);
    }

    private static byte[] labeledExpand(byte[] suiteId, byte[] prk, String label, byte[] info, int length)
            throws Exception {
        byte[] labeledInfo = concat(
                new byte[] {(byte) (length >>> 8), (byte) length},
                "HPKE-v1".getBytes(StandardCharsets.US_ASCII),
                suiteId,
                label.getBytes(StandardCharsets.US_ASCII),
                info);
        // Every output here is at most one SHA-256 block, so HKDF-Expand is T(1) alone.
        assertThat(length).isLessThanOrEqualTo(32);
        byte[] block = hmacSha256(prk, concat(labeledInfo, new byte[] {0x01}));
        return Arrays.copyOf(block, length);
    }

    // ---------------------------------------------------------------- behaviour

    @Test
    void sealedValueOpensWithTheMatchingPrivateKey() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();

        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertThat(sealed).hasSize(Hpke.ENC_LENGTH + PLAINTEXT.length + 16);
        assertThat(Hpke.open(keys.privateKey(), INFO, AAD, sealed)).isEqualTo(PLAINTEXT);
        assertThat(Hpke.recipient(keys.privateKey()).open(INFO, AAD, sealed)).isEqualTo(PLAINTEXT);
    }

    @Test
    void sealedValueIsEncThenCiphertextAsBouncyCastleReadsIt() throws Exception {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);
        HPKE hpke = bcSuite();
        AsymmetricCipherKeyPair recipient = hpke.deserializePrivateKey(keys.privateKey(), keys.publicKey());

        byte[] opened = hpke.setupBaseR(Arrays.copyOf(sealed, Hpke.ENC_LENGTH), recipient, INFO)
                .open(AAD, Arrays.copyOfRange(sealed, Hpke.ENC_LENGTH, sealed.length));

        assertThat(opened).isEqualTo(PLAINTEXT);
    }

    @Test
    void eachSealUsesAFreshEphemeralKey() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();

        byte[] first = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);
        byte[] second = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertThat(Arrays.copyOf(first, Hpke.ENC_LENGTH)).isNotEqualTo(Arrays.copyOf(second, Hpke.ENC_LENGTH));
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void emptyPlaintextSealsToTheShortestValueThatStillOpens() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();

        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, new byte[0]);

        assertThat(sealed).hasSize(Hpke.ENC_LENGTH + 16);
        assertThat(Hpke.open(keys.privateKey(), INFO, AAD, sealed)).isEmpty();
    }

    @Test
    void openingWithAnotherPrivateKeyIsAnInvalidSubkey() {
        Hpke.KeyPair intended = Hpke.generateKeyPair();
        Hpke.KeyPair other = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(intended.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(other.privateKey(), INFO, AAD, sealed));
    }

    @Test
    void aFlippedBitInEncIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, flipBit(sealed, 0, 0)));
        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, flipBit(sealed, Hpke.ENC_LENGTH - 1, 3)));
    }

    @Test
    void aFlippedBitInTheCiphertextIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, flipBit(sealed, Hpke.ENC_LENGTH, 0)));
        assertInvalidSubkey(() ->
                Hpke.open(keys.privateKey(), INFO, AAD, flipBit(sealed, Hpke.ENC_LENGTH + PLAINTEXT.length - 1, 7)));
    }

    @Test
    void aFlippedBitInTheTagIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, flipBit(sealed, sealed.length - 1, 0)));
    }

    @Test
    void aFlippedBitInInfoIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), flipBit(INFO, INFO.length - 1, 0), AAD, sealed));
    }

    @Test
    void aFlippedBitInTheAssociatedDataIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, flipBit(AAD, 0, 0), sealed));
    }

    @Test
    void aTruncatedOrAbsentSealedValueIsRefused() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, Arrays.copyOf(sealed, sealed.length - 1)));
        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, Arrays.copyOf(sealed, Hpke.ENC_LENGTH + 15)));
        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, Arrays.copyOf(sealed, Hpke.ENC_LENGTH)));
        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, new byte[0]));
        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, null));
    }

    @Test
    void aLowOrderEncIsRefusedAsAnInvalidSubkey() {
        // An all-zero X25519 point makes the Diffie-Hellman output zero (RFC 7748 §6.1); RFC 9180 §7.1.4
        // has the recipient abort. It is an altered sealed value, so it must be refused like one.
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sealed = Hpke.seal(keys.publicKey(), INFO, AAD, PLAINTEXT);
        byte[] zeroEnc = sealed.clone();
        Arrays.fill(zeroEnc, 0, Hpke.ENC_LENGTH, (byte) 0);

        assertInvalidSubkey(() -> Hpke.open(keys.privateKey(), INFO, AAD, zeroEnc));
    }

    @Test
    void keysOfAnyLengthButThirtyTwoBytesAreIllegalArguments() {
        byte[] short31 = new byte[31];
        byte[] long33 = new byte[33];
        byte[] sealed = new byte[Hpke.ENC_LENGTH + 16];

        assertThatThrownBy(() -> Hpke.publicKeyOf(short31)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.publicKeyOf(long33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.publicKeyOf(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.recipient(short31)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.open(short31, INFO, AAD, sealed)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.seal(short31, INFO, AAD, PLAINTEXT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Hpke.seal(long33, INFO, AAD, PLAINTEXT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recipientPublicKeyIsThePublicKeyOfItsPrivateKey() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();

        assertThat(keys.privateKey()).hasSize(Hpke.KEY_LENGTH);
        assertThat(keys.publicKey()).hasSize(Hpke.KEY_LENGTH);
        assertThat(Hpke.publicKeyOf(keys.privateKey())).isEqualTo(keys.publicKey());
        assertThat(Hpke.recipient(keys.privateKey()).publicKey()).isEqualTo(Hpke.publicKeyOf(keys.privateKey()));
    }

    @Test
    void keyPairAndRecipientNeverPrintThePrivateKey() {
        Hpke.KeyPair keys = Hpke.generateKeyPair();
        byte[] sk = keys.privateKey();
        List<String> renderings = List.of(
                HEX.formatHex(sk),
                HEX.withUpperCase().formatHex(sk),
                Base64.getEncoder().encodeToString(sk),
                Base64.getUrlEncoder().withoutPadding().encodeToString(sk),
                Arrays.toString(sk));

        String keyPairText = keys.toString();
        String recipientText = Hpke.recipient(sk).toString();

        for (String rendering : renderings) {
            assertThat(keyPairText).doesNotContain(rendering);
            assertThat(recipientText).doesNotContain(rendering);
        }
        assertThat(keyPairText).contains("****");
        assertThat(recipientText).contains("****");
    }

    @Test
    void concurrentSealAndOpenFromSeveralThreadsAllSucceed() throws Exception {
        int threads = 4;
        int rounds = 200;
        Hpke.KeyPair shared = Hpke.generateKeyPair();
        Hpke.Recipient sharedRecipient = Hpke.recipient(shared.privateKey());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<Integer> work = () -> {
                    start.await();
                    Hpke.KeyPair own = Hpke.generateKeyPair();
                    int opened = 0;
                    for (int i = 0; i < rounds; i++) {
                        byte[] aad = ("thread-" + thread + "/round-" + i).getBytes(StandardCharsets.UTF_8);
                        byte[] pt = concat(aad, PLAINTEXT);
                        byte[] toShared = Hpke.seal(shared.publicKey(), INFO, aad, pt);
                        byte[] toOwn = Hpke.seal(own.publicKey(), INFO, aad, pt);
                        if (Arrays.equals(sharedRecipient.open(INFO, aad, toShared), pt)
                                && Arrays.equals(Hpke.open(own.privateKey(), INFO, aad, toOwn), pt)) {
                            opened++;
                        }
                    }
                    return opened;
                };
                results.add(pool.submit(work));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                assertThat(result.get(2, TimeUnit.MINUTES)).isEqualTo(rounds);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertInvalidSubkey(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(ProtectException.class).satisfies(e -> assertThat(
                        ((ProtectException) e).reason())
                .isEqualTo(ProtectException.Reason.INVALID_SUBKEY));
    }
}
