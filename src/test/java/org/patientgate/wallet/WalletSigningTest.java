package org.patientgate.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.patientgate.ledger.Eip712;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

class WalletSigningTest {

    private static final String ESCROW = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    private static final String GRANTS = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
    private static final String REGISTRY = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
    private static final long CHAIN = 31337;

    // never contacted: these tests sign offline
    private final Wallet wallet = new Wallet(WalletKeys.generate(), new HubClient(URI.create("http://127.0.0.1:9")));
    private final SecureRandom random = new SecureRandom();

    private static Sign.SignatureData split(byte[] signature) {
        return new Sign.SignatureData(
                signature[64], Arrays.copyOfRange(signature, 0, 32), Arrays.copyOfRange(signature, 32, 64));
    }

    @Test
    void personalSignature_recoversToTheWalletAddress() throws Exception {
        String message = "PatientGate sign-in\naddress: " + wallet.address() + "\nchallenge: 5f1c";

        byte[] signature = wallet.personalSign(message);

        assertThat(signature).hasSize(65);
        assertThat(signature[64]).isIn((byte) 27, (byte) 28);
        BigInteger key = Sign.signedPrefixedMessageToKey(message.getBytes(StandardCharsets.UTF_8), split(signature));
        assertThat("0x" + Keys.getAddress(key)).isEqualTo(wallet.address());
        BigInteger other =
                Sign.signedPrefixedMessageToKey((message + ".").getBytes(StandardCharsets.UTF_8), split(signature));
        assertThat("0x" + Keys.getAddress(other)).isNotEqualTo(wallet.address());
    }

    @Test
    void registrationText_isExactlyTheContractsText() {
        assertThat(Wallet.registrationText(
                        "0x00000000000000000000000000000000000000aa", Role.NODE, "a2V5", "St. Elsewhere Lab"))
                .isEqualTo("PatientGate registration\n"
                        + "address: 0x00000000000000000000000000000000000000aa\n"
                        + "role: NODE\n"
                        + "encryption-key: a2V5\n"
                        + "name: St. Elsewhere Lab");
        assertThat(Wallet.registrationText("0x00000000000000000000000000000000000000bb", Role.PATIENT, "a2V5", null))
                .isEqualTo("PatientGate registration\n"
                        + "address: 0x00000000000000000000000000000000000000bb\n"
                        + "role: PATIENT\n"
                        + "encryption-key: a2V5\n"
                        + "name: ");
    }

    @Test
    void decisionSignature_recoversViaEip712_andBindsTheDecision() {
        byte[] entry = new byte[32];
        random.nextBytes(entry);
        String intermediate = "0x1111111111111111111111111111111111111111";
        BigInteger nonce = new BigInteger(256, random);
        BigInteger deadline = BigInteger.valueOf(1_900_000_000L);
        SigningDomain domain = SigningDomain.escrow(CHAIN, ESCROW);

        byte[] signature = wallet.signDecision(domain, entry, intermediate, true, nonce, deadline);

        byte[] released =
                Eip712.digest(domain.separator(), Eip712.decision(entry, intermediate, true, nonce, deadline));
        byte[] refused =
                Eip712.digest(domain.separator(), Eip712.decision(entry, intermediate, false, nonce, deadline));
        byte[] otherIntermediate = Eip712.digest(
                domain.separator(),
                Eip712.decision(entry, "0x2222222222222222222222222222222222222222", true, nonce, deadline));
        byte[] otherNonce = Eip712.digest(
                domain.separator(), Eip712.decision(entry, intermediate, true, nonce.add(BigInteger.ONE), deadline));
        byte[] otherChain = Eip712.digest(
                SigningDomain.escrow(CHAIN + 1, ESCROW).separator(),
                Eip712.decision(entry, intermediate, true, nonce, deadline));
        assertThat(Eip712.recover(released, signature)).isEqualTo(wallet.address());
        assertThat(Eip712.recover(refused, signature)).isNotEqualTo(wallet.address());
        assertThat(Eip712.recover(otherIntermediate, signature)).isNotEqualTo(wallet.address());
        assertThat(Eip712.recover(otherNonce, signature)).isNotEqualTo(wallet.address());
        assertThat(Eip712.recover(otherChain, signature)).isNotEqualTo(wallet.address());
    }

    @Test
    void registrationSignature_coversTheWalletsEncryptionKey() {
        SigningDomain domain = SigningDomain.registry(CHAIN, REGISTRY);
        BigInteger nonce = BigInteger.valueOf(3);
        BigInteger deadline = BigInteger.valueOf(1_900_000_000L);

        byte[] signature = wallet.signRegistration(domain, new byte[32], nonce, deadline);

        byte[] digest = Eip712.digest(
                domain.separator(),
                Eip712.registration(wallet.address(), wallet.encryptionPublicKey(), new byte[32], nonce, deadline));
        assertThat(Eip712.recover(digest, signature)).isEqualTo(wallet.address());
        byte[] otherKey = wallet.encryptionPublicKey();
        otherKey[0] ^= 1;
        byte[] forOtherKey = Eip712.digest(
                domain.separator(), Eip712.registration(wallet.address(), otherKey, new byte[32], nonce, deadline));
        assertThat(Eip712.recover(forOtherKey, signature)).isNotEqualTo(wallet.address());
    }

    @Test
    void grantAndRevocationSignatures_recoverViaEip712() {
        byte[] credential = new byte[32];
        random.nextBytes(credential);
        String grantee = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
        BigInteger expiresAt = BigInteger.valueOf(1_950_000_000L);
        BigInteger deadline = BigInteger.valueOf(1_900_000_000L);
        SigningDomain domain = SigningDomain.grants(CHAIN, GRANTS);

        byte[] grant = wallet.signGrant(domain, credential, grantee, expiresAt, deadline);
        byte[] revocation = wallet.signRevocation(domain, credential, deadline);

        assertThat(Eip712.recover(
                        Eip712.digest(domain.separator(), Eip712.grant(credential, grantee, expiresAt, deadline)),
                        grant))
                .isEqualTo(wallet.address());
        assertThat(Eip712.recover(
                        Eip712.digest(domain.separator(), Eip712.revocation(credential, deadline)), revocation))
                .isEqualTo(wallet.address());
    }

    @Test
    void signingDomain_refusesAMalformedContractAddress() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningDomain.escrow(CHAIN, "0x1234"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
