package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.crypto.StructuredDataEncoder;
import org.web3j.utils.Numeric;

class Eip712Test {

    private static final String DOMAIN_TYPES =
            """
            "EIP712Domain": [
              {"name": "name", "type": "string"},
              {"name": "version", "type": "string"},
              {"name": "chainId", "type": "uint256"},
              {"name": "verifyingContract", "type": "address"}
            ]""";

    private static final String ETHER_MAIL =
            """
            {
              "types": {
                %s,
                "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
                "Mail": [
                  {"name": "from", "type": "Person"},
                  {"name": "to", "type": "Person"},
                  {"name": "contents", "type": "string"}
                ]
              },
              "primaryType": "Mail",
              "domain": {
                "name": "Ether Mail",
                "version": "1",
                "chainId": 1,
                "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
              },
              "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
              }
            }"""
                    .formatted(DOMAIN_TYPES);

    private static final String ETHER_MAIL_CONTRACT = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";
    private static final String ETHER_MAIL_DOMAIN =
            "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f";
    private static final String ETHER_MAIL_DIGEST =
            "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2";

    private static final BigInteger MAX_UINT256 = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final String CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    private static final long CHAIN_ID = 31337;

    private final Random random = new Random(712);

    @Test
    void etherMailExampleFromTheSpecificationThroughWeb3jsEncoder() throws Exception {
        StructuredDataEncoder encoder = new StructuredDataEncoder(ETHER_MAIL);

        assertThat(Numeric.toHexString(encoder.hashDomain())).isEqualTo(ETHER_MAIL_DOMAIN);
        assertThat(Numeric.toHexString(encoder.hashStructuredData())).isEqualTo(ETHER_MAIL_DIGEST);
    }

    @Test
    void etherMailDomainSeparatorAndDigestMatchTheSpecification() {
        byte[] separator = Eip712.domainSeparator("Ether Mail", 1, ETHER_MAIL_CONTRACT);
        // hashStruct(Mail) assembled by hand, to put digest() itself against the specification.
        byte[] personType = keccak("Person(string name,address wallet)");
        byte[] mailType = keccak("Mail(Person from,Person to,string contents)Person(string name,address wallet)");
        byte[] from =
                Hash.sha3(concat(personType, keccak("Cow"), addressWord("cd2a3d9f938e13cd947ec05abc7fe734df8dd826")));
        byte[] to =
                Hash.sha3(concat(personType, keccak("Bob"), addressWord("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")));
        byte[] mail = Hash.sha3(concat(mailType, from, to, keccak("Hello, Bob!")));

        assertThat(Numeric.toHexString(separator)).isEqualTo(ETHER_MAIL_DOMAIN);
        assertThat(Numeric.toHexString(Eip712.digest(separator, mail))).isEqualTo(ETHER_MAIL_DIGEST);
    }

    @Test
    void etherMailSignatureFromTheSpecificationIsReproducedAndRecovered() {
        // The specification's signer: private key keccak256("cow"). Both web3j and the reference
        // implementation use deterministic RFC 6979 nonces, so the signature must match byte for byte.
        ECKeyPair cow = ECKeyPair.create(keccak("cow"));
        byte[] digest = Numeric.hexStringToByteArray(ETHER_MAIL_DIGEST);
        String expected = "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                + "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" + "1c";

        byte[] signature = Eip712.sign(digest, cow);

        assertThat(Numeric.toHexString(signature)).isEqualTo(expected);
        assertThat(Eip712.recover(digest, signature)).isEqualTo("0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826");
    }

    @Test
    void typeStringsAndHashesMatchWeb3jsEncoder() throws Exception {
        StructuredDataEncoder encoder = new StructuredDataEncoder(
                registrationJson(CONTRACT, CHAIN_ID, CONTRACT, bytes32(), bytes32(), BigInteger.ONE, BigInteger.TEN));
        StructuredDataEncoder grants = new StructuredDataEncoder(
                grantJson(CONTRACT, CHAIN_ID, bytes32(), CONTRACT, BigInteger.ONE, BigInteger.TEN));
        StructuredDataEncoder decisions = new StructuredDataEncoder(
                decisionJson(CONTRACT, CHAIN_ID, bytes32(), CONTRACT, true, BigInteger.ONE, BigInteger.TEN));
        StructuredDataEncoder revocations =
                new StructuredDataEncoder(revocationJson(CONTRACT, CHAIN_ID, bytes32(), BigInteger.TEN));

        assertThat(encoder.encodeType("Registration")).isEqualTo(Eip712.REGISTRATION_TYPE);
        assertThat(encoder.typeHash("Registration")).isEqualTo(Eip712.registrationTypeHash());
        assertThat(encoder.encodeType("EIP712Domain")).isEqualTo(Eip712.DOMAIN_TYPE);
        assertThat(encoder.typeHash("EIP712Domain")).isEqualTo(Eip712.domainTypeHash());
        assertThat(decisions.encodeType("Decision")).isEqualTo(Eip712.DECISION_TYPE);
        assertThat(decisions.typeHash("Decision")).isEqualTo(Eip712.decisionTypeHash());
        assertThat(grants.encodeType("Grant")).isEqualTo(Eip712.GRANT_TYPE);
        assertThat(grants.typeHash("Grant")).isEqualTo(Eip712.grantTypeHash());
        assertThat(revocations.encodeType("Revocation")).isEqualTo(Eip712.REVOCATION_TYPE);
        assertThat(revocations.typeHash("Revocation")).isEqualTo(Eip712.revocationTypeHash());
    }

    @Test
    void typeHashConstantsAreTheContractsConstants() {
        assertThat(Numeric.toHexString(Eip712.domainTypeHash()))
                .isEqualTo("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
        assertThat(Eip712.decisionTypeHash())
                .isEqualTo(keccak("Decision(bytes32 entry,address intermediateAccount,bool release,uint256 nonce,"
                        + "uint256 deadline)"));
        assertThat(Eip712.revocationTypeHash())
                .isEqualTo(keccak("Revocation(bytes32 credentialHash,uint256 deadline)"));
        assertThat(Eip712.grantTypeHash())
                .isEqualTo(keccak("Grant(bytes32 credentialHash,address grantee,uint64 expiresAt,uint256 deadline)"));
        assertThat(Eip712.registrationTypeHash())
                .isEqualTo(keccak("Registration(address patient,bytes32 encryptionKey,bytes32 profileHash,"
                        + "uint256 nonce,uint256 deadline)"));
    }

    @Test
    void typeHashAccessorsReturnCopies() {
        Eip712.decisionTypeHash()[0] ^= 1;

        assertThat(Eip712.decisionTypeHash()).isEqualTo(keccak(Eip712.DECISION_TYPE));
    }

    @Test
    void domainSeparatorsOfAllThreeContractsMatchWeb3jsEncoder() throws Exception {
        for (String name : new String[] {Eip712.REGISTRY_NAME, Eip712.ESCROW_NAME, Eip712.GRANTS_NAME}) {
            for (long chainId : new long[] {1, 31337, Long.MAX_VALUE}) {
                String contract = randomAddress();
                StructuredDataEncoder encoder =
                        new StructuredDataEncoder(revocationJson(name, contract, chainId, bytes32(), BigInteger.ONE));

                assertThat(Eip712.domainSeparator(name, chainId, contract))
                        .as("%s on chain %d", name, chainId)
                        .isEqualTo(encoder.hashDomain());
            }
        }
    }

    @Test
    void registrationDigestMatchesWeb3jsEncoder() throws Exception {
        for (int i = 0; i < 20; i++) {
            String patient = randomAddress();
            String contract = randomAddress();
            byte[] key = bytes32();
            byte[] profile = bytes32();
            BigInteger nonce = i == 0 ? MAX_UINT256 : uint(256);
            BigInteger deadline = i == 1 ? BigInteger.ZERO : uint(256);
            byte[] separator = Eip712.domainSeparator(Eip712.REGISTRY_NAME, CHAIN_ID, contract);

            byte[] ours = Eip712.digest(separator, Eip712.registration(patient, key, profile, nonce, deadline));

            assertThat(ours)
                    .isEqualTo(new StructuredDataEncoder(
                                    registrationJson(contract, CHAIN_ID, patient, key, profile, nonce, deadline))
                            .hashStructuredData());
        }
    }

    @Test
    void decisionDigestMatchesWeb3jsEncoder_forReleaseAndRefusal() throws Exception {
        for (int i = 0; i < 20; i++) {
            String contract = randomAddress();
            byte[] entry = bytes32();
            String intermediate = randomAddress();
            boolean release = i % 2 == 0;
            BigInteger nonce = i == 0 ? MAX_UINT256 : i == 1 ? BigInteger.ZERO : uint(256);
            BigInteger deadline = i == 2 ? MAX_UINT256 : uint(64);
            byte[] separator = Eip712.domainSeparator(Eip712.ESCROW_NAME, CHAIN_ID, contract);

            byte[] ours = Eip712.digest(separator, Eip712.decision(entry, intermediate, release, nonce, deadline));

            assertThat(ours)
                    .as("release=%s", release)
                    .isEqualTo(new StructuredDataEncoder(
                                    decisionJson(contract, CHAIN_ID, entry, intermediate, release, nonce, deadline))
                            .hashStructuredData());
        }
    }

    @Test
    void decisionBindsEveryField() {
        byte[] entry = bytes32();
        String intermediate = randomAddress();
        byte[] base = Eip712.decision(entry, intermediate, true, BigInteger.ONE, BigInteger.TEN);
        byte[] otherEntry = entry.clone();
        otherEntry[0] ^= 1;

        assertThat(Eip712.decision(entry, intermediate, true, BigInteger.ONE, BigInteger.TEN))
                .isEqualTo(base);
        assertThat(Eip712.decision(entry, intermediate.toLowerCase(), true, BigInteger.ONE, BigInteger.TEN))
                .as("address case")
                .isEqualTo(base);
        assertThat(Eip712.decision(otherEntry, intermediate, true, BigInteger.ONE, BigInteger.TEN))
                .as("entry")
                .isNotEqualTo(base);
        assertThat(Eip712.decision(entry, randomAddress(), true, BigInteger.ONE, BigInteger.TEN))
                .as("intermediate account")
                .isNotEqualTo(base);
        assertThat(Eip712.decision(entry, intermediate, false, BigInteger.ONE, BigInteger.TEN))
                .as("release")
                .isNotEqualTo(base);
        assertThat(Eip712.decision(entry, intermediate, true, BigInteger.TWO, BigInteger.TEN))
                .as("nonce")
                .isNotEqualTo(base);
        assertThat(Eip712.decision(entry, intermediate, true, BigInteger.ONE, BigInteger.TWO))
                .as("deadline")
                .isNotEqualTo(base);
    }

    @Test
    void grantDigestMatchesWeb3jsEncoder() throws Exception {
        for (int i = 0; i < 20; i++) {
            String contract = randomAddress();
            String grantee = randomAddress();
            byte[] credential = bytes32();
            BigInteger expiresAt = i == 0 ? MAX_UINT64 : uint(64);
            BigInteger deadline = uint(256);
            byte[] separator = Eip712.domainSeparator(Eip712.GRANTS_NAME, CHAIN_ID, contract);

            byte[] ours = Eip712.digest(separator, Eip712.grant(credential, grantee, expiresAt, deadline));

            assertThat(ours)
                    .isEqualTo(new StructuredDataEncoder(
                                    grantJson(contract, CHAIN_ID, credential, grantee, expiresAt, deadline))
                            .hashStructuredData());
        }
    }

    @Test
    void revocationDigestMatchesWeb3jsEncoder() throws Exception {
        for (int i = 0; i < 20; i++) {
            String contract = randomAddress();
            byte[] credential = bytes32();
            BigInteger deadline = uint(256);
            byte[] separator = Eip712.domainSeparator(Eip712.GRANTS_NAME, CHAIN_ID, contract);

            byte[] ours = Eip712.digest(separator, Eip712.revocation(credential, deadline));

            assertThat(ours)
                    .isEqualTo(new StructuredDataEncoder(revocationJson(contract, CHAIN_ID, credential, deadline))
                            .hashStructuredData());
        }
    }

    @Test
    void structHashesRefuseValuesOutsideTheirSolidityTypes() {
        BigInteger tooBig = MAX_UINT256.add(BigInteger.ONE);
        BigInteger negative = BigInteger.ONE.negate();

        assertThatThrownBy(() -> Eip712.decision(bytes32(), CONTRACT, true, BigInteger.ONE, tooBig))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Eip712.decision(bytes32(), CONTRACT, true, tooBig, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nonce");
        assertThatThrownBy(() -> Eip712.decision(bytes32(), CONTRACT, true, negative, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nonce");
        assertThatThrownBy(() -> Eip712.decision(bytes32(), "0x1234", true, BigInteger.ONE, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intermediateAccount");
        assertThatThrownBy(() -> Eip712.revocation(bytes32(), negative)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Eip712.grant(bytes32(), CONTRACT, MAX_UINT64.add(BigInteger.ONE), BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expiresAt");
        assertThatThrownBy(() -> Eip712.grant(bytes32(), "0x1234", BigInteger.ONE, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grantee");
        assertThatThrownBy(() -> Eip712.registration(CONTRACT, new byte[31], bytes32(), BigInteger.ONE, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encryptionKey");
        assertThatThrownBy(() -> Eip712.registration(CONTRACT, bytes32(), bytes32(), null, BigInteger.ONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nonce");
        assertThatThrownBy(() -> Eip712.domainSeparator(Eip712.ESCROW_NAME, 0, CONTRACT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Eip712.digest(new byte[32], new byte[33]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signThenRecoverGivesTheSignersAddress() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        byte[] digest = Eip712.digest(
                Eip712.domainSeparator(Eip712.ESCROW_NAME, CHAIN_ID, CONTRACT),
                Eip712.decision(bytes32(), CONTRACT, true, BigInteger.ONE, BigInteger.valueOf(1_900_000_000L)));

        byte[] signature = Eip712.sign(digest, key);

        assertThat(signature).hasSize(65);
        assertThat(Eip712.recover(digest, signature)).isEqualTo("0x" + Keys.getAddress(key));
        byte[] otherDigest = digest.clone();
        otherDigest[0] ^= 1;
        assertThat(Eip712.recover(otherDigest, signature)).isNotEqualTo("0x" + Keys.getAddress(key));
    }

    @Test
    void signaturesAreLowSWithV27Or28_over200RandomKeys() throws Exception {
        SecureRandom seeds = new SecureRandom();
        for (int i = 0; i < 200; i++) {
            ECKeyPair key = Keys.createEcKeyPair(seeds);
            byte[] digest = bytes32();

            byte[] signature = Eip712.sign(digest, key);

            BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
            assertThat(s).isLessThanOrEqualTo(Eip712.HALF_ORDER).isPositive();
            assertThat(signature[64]).isIn((byte) 27, (byte) 28);
            assertThat(Eip712.recover(digest, signature)).isEqualTo("0x" + Keys.getAddress(key));
        }
    }

    @Test
    void recoverRefusesTheHighSTwinThatPlainEcrecoverWouldAccept() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        byte[] digest = bytes32();
        byte[] signature = Eip712.sign(digest, key);
        byte[] twin = highSTwin(signature);

        // The twin is a valid ECDSA signature of the same key: only the low-s rule rejects it.
        BigInteger twinKey = Sign.recoverFromSignature(
                twin[64] - 27,
                new ECDSASignature(
                        new BigInteger(1, Arrays.copyOfRange(twin, 0, 32)),
                        new BigInteger(1, Arrays.copyOfRange(twin, 32, 64))),
                digest);
        assertThat(twinKey).isEqualTo(key.getPublicKey());
        assertThatThrownBy(() -> Eip712.recover(digest, twin))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("high");
    }

    @Test
    void toLowSNormalisesAHighSSignatureBackToItsCanonicalTwin() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        byte[] digest = bytes32();
        byte[] signature = Eip712.sign(digest, key);

        assertThat(Eip712.toLowS(highSTwin(signature))).isEqualTo(signature);
        assertThat(Eip712.toLowS(signature)).isEqualTo(signature);
    }

    @Test
    void recoverRefusesBadV() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        byte[] digest = bytes32();
        byte[] signature = Eip712.sign(digest, key);

        for (int v : new int[] {0, 1, 26, 29, 255}) {
            byte[] bad = signature.clone();
            bad[64] = (byte) v;
            assertThatThrownBy(() -> Eip712.recover(digest, bad))
                    .as("v = %d", v)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("v must be 27 or 28");
        }
    }

    @Test
    void recoverRefusesMalformedSignatures() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        byte[] digest = bytes32();
        byte[] signature = Eip712.sign(digest, key);
        byte[] zeroR = signature.clone();
        Arrays.fill(zeroR, 0, 32, (byte) 0);
        byte[] zeroS = signature.clone();
        Arrays.fill(zeroS, 32, 64, (byte) 0);
        byte[] rAtOrder = signature.clone();
        System.arraycopy(Numeric.toBytesPadded(Eip712.CURVE_ORDER, 32), 0, rAtOrder, 0, 32);
        // r = 5 is no x coordinate on secp256k1 (5^3 + 7 = 132 is not a square mod p).
        byte[] offCurve = signature.clone();
        System.arraycopy(Numeric.toBytesPadded(BigInteger.valueOf(5), 32), 0, offCurve, 0, 32);

        for (byte[] bad : new byte[][] {
            null,
            new byte[0],
            Arrays.copyOf(signature, 64),
            Arrays.copyOf(signature, 66),
            zeroR,
            zeroS,
            rAtOrder,
            offCurve
        }) {
            assertThatThrownBy(() -> Eip712.recover(digest, bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Eip712.recover(new byte[31], signature)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signRefusesADigestThatIsNot32Bytes() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();

        assertThatThrownBy(() -> Eip712.sign(new byte[33], key)).isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] highSTwin(byte[] signature) {
        byte[] twin = signature.clone();
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        System.arraycopy(Numeric.toBytesPadded(Eip712.CURVE_ORDER.subtract(s), 32), 0, twin, 32, 32);
        twin[64] = (byte) (signature[64] == 27 ? 28 : 27);
        return twin;
    }

    private static String registrationJson(
            String contract,
            long chainId,
            String patient,
            byte[] key,
            byte[] profile,
            BigInteger nonce,
            BigInteger deadline) {
        return typedData(
                "Registration",
                """
                [{"name": "patient", "type": "address"}, {"name": "encryptionKey", "type": "bytes32"},
                 {"name": "profileHash", "type": "bytes32"}, {"name": "nonce", "type": "uint256"},
                 {"name": "deadline", "type": "uint256"}]""",
                Eip712.REGISTRY_NAME,
                contract,
                chainId,
                """
                {"patient": "%s", "encryptionKey": "%s", "profileHash": "%s", "nonce": %s, "deadline": %s}"""
                        .formatted(patient, hex(key), hex(profile), nonce, deadline));
    }

    private static String decisionJson(
            String contract,
            long chainId,
            byte[] entry,
            String intermediate,
            boolean release,
            BigInteger nonce,
            BigInteger deadline) {
        return typedData(
                "Decision",
                """
                [{"name": "entry", "type": "bytes32"}, {"name": "intermediateAccount", "type": "address"},
                 {"name": "release", "type": "bool"}, {"name": "nonce", "type": "uint256"},
                 {"name": "deadline", "type": "uint256"}]""",
                Eip712.ESCROW_NAME,
                contract,
                chainId,
                """
                {"entry": "%s", "intermediateAccount": "%s", "release": %s, "nonce": %s, "deadline": %s}"""
                        .formatted(hex(entry), intermediate, release, nonce, deadline));
    }

    private static String grantJson(
            String contract,
            long chainId,
            byte[] credential,
            String grantee,
            BigInteger expiresAt,
            BigInteger deadline) {
        return typedData(
                "Grant",
                """
                [{"name": "credentialHash", "type": "bytes32"}, {"name": "grantee", "type": "address"},
                 {"name": "expiresAt", "type": "uint64"}, {"name": "deadline", "type": "uint256"}]""",
                Eip712.GRANTS_NAME,
                contract,
                chainId,
                """
                {"credentialHash": "%s", "grantee": "%s", "expiresAt": %s, "deadline": %s}"""
                        .formatted(hex(credential), grantee, expiresAt, deadline));
    }

    private static String revocationJson(String contract, long chainId, byte[] credential, BigInteger deadline) {
        return revocationJson(Eip712.GRANTS_NAME, contract, chainId, credential, deadline);
    }

    private static String revocationJson(
            String name, String contract, long chainId, byte[] credential, BigInteger deadline) {
        return typedData(
                "Revocation",
                """
                [{"name": "credentialHash", "type": "bytes32"}, {"name": "deadline", "type": "uint256"}]""",
                name,
                contract,
                chainId,
                """
                {"credentialHash": "%s", "deadline": %s}""".formatted(hex(credential), deadline));
    }

    private static String typedData(
            String primaryType, String fields, String name, String contract, long chainId, String message) {
        return """
                {
                  "types": {%s, "%s": %s},
                  "primaryType": "%s",
                  "domain": {"name": "%s", "version": "1", "chainId": %d, "verifyingContract": "%s"},
                  "message": %s
                }"""
                .formatted(DOMAIN_TYPES, primaryType, fields, primaryType, name, chainId, contract, message);
    }

    private String randomAddress() {
        byte[] address = new byte[20];
        random.nextBytes(address);
        // Mixed case on purpose: case must not change any hash.
        String hex = Numeric.toHexStringNoPrefix(address);
        return "0x" + (random.nextBoolean() ? hex.toUpperCase() : hex);
    }

    private byte[] bytes32() {
        byte[] value = new byte[32];
        random.nextBytes(value);
        return value;
    }

    private BigInteger uint(int bits) {
        return new BigInteger(bits, random);
    }

    private static byte[] keccak(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] addressWord(String hex40) {
        return Numeric.hexStringToByteArray("0x" + "00".repeat(12) + hex40);
    }

    private static String hex(byte[] value) {
        return Numeric.toHexString(value);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int off = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, off, part.length);
            off += part.length;
        }
        return out;
    }
}
