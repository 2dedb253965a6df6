package org.patientgate.ledger.web3j;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

class ContractErrorsTest {

    private static final String ROOT_HEX = "0x" + "0123456789abcdef".repeat(4);
    private static final String SIGNER_A = "0x00000000000000000000000000000000000000aa";
    private static final String SIGNER_B = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /** Revert data as the EVM returns it: keccak selector of the signature, then the ABI-encoded arguments. */
    @SuppressWarnings("rawtypes")
    private static String revert(String signature, Type... args) {
        return Hash.sha3String(signature).substring(0, 10) + FunctionEncoder.encodeConstructor(List.<Type>of(args));
    }

    private static Bytes32 root() {
        return new Bytes32(Numeric.hexStringToByteArray(ROOT_HEX));
    }

    @Test
    void namesBatchExistsAndDescribesItWithTheExactRoot() {
        String data = revert("BatchExists(bytes32)", root());

        assertThat(ContractErrors.name(data)).contains("BatchExists");
        assertThat(ContractErrors.describe(data)).isEqualTo("BatchExists(" + ROOT_HEX + ")");
    }

    @Test
    void describesWrongSignerWithBothAddresses() {
        String data = revert("WrongSigner(address,address)", new Address(SIGNER_A), new Address(SIGNER_B));

        assertThat(ContractErrors.name(data)).contains("WrongSigner");
        assertThat(ContractErrors.describe(data)).isEqualTo("WrongSigner(" + SIGNER_A + ", " + SIGNER_B + ")");
    }

    @Test
    void describesAlreadyDecidedWithTheLeafAndTheDecision() {
        String data = revert("AlreadyDecided(bytes32,uint8)", root(), new Uint8(2));

        assertThat(ContractErrors.name(data)).contains("AlreadyDecided");
        assertThat(ContractErrors.describe(data)).isEqualTo("AlreadyDecided(" + ROOT_HEX + ", 2)");
    }

    @Test
    void describesNonceUsedWithThePatientAndTheFullNonce() {
        BigInteger nonce = BigInteger.ONE.shiftLeft(255).add(BigInteger.valueOf(7));
        String data = revert("NonceUsed(address,uint256)", new Address(SIGNER_B), new Uint256(nonce));

        assertThat(ContractErrors.name(data)).contains("NonceUsed");
        assertThat(ContractErrors.describe(data)).isEqualTo("NonceUsed(" + SIGNER_B + ", " + nonce + ")");
        // for logs the patient's address is cut to a prefix
        assertThat(ContractErrors.describeForLog(data))
                .isEqualTo("NonceUsed(" + SIGNER_B.substring(0, 8) + "…, " + nonce + ")");
    }

    @Test
    void describesUnregisteredPartyWithItsAddress() {
        String data = revert("UnregisteredParty(address)", new Address(SIGNER_B));

        assertThat(ContractErrors.name(data)).contains("UnregisteredParty");
        assertThat(ContractErrors.describe(data)).isEqualTo("UnregisteredParty(" + SIGNER_B + ")");
    }

    @Test
    void describesErrorsOfEveryContract() {
        assertThat(ContractErrors.describe(revert("NotAdmin(address)", new Address(SIGNER_A))))
                .isEqualTo("NotAdmin(" + SIGNER_A + ")");
        assertThat(ContractErrors.describe(revert("GrantExists(bytes32)", root())))
                .isEqualTo("GrantExists(" + ROOT_HEX + ")");
        assertThat(ContractErrors.describe(revert("InvalidRange(uint64,uint64)", new Uint64(9), new Uint64(3))))
                .isEqualTo("InvalidRange(9, 3)");
        assertThat(ContractErrors.describe(
                        revert("Expired(bytes32,uint256)", root(), new Uint256(BigInteger.valueOf(1_700_000_000L)))))
                .isEqualTo("Expired(" + ROOT_HEX + ", 1700000000)");
    }

    @Test
    void describesAnErrorWithoutArguments() {
        String data = revert("EmptyBatch()");

        assertThat(ContractErrors.name(data)).contains("EmptyBatch");
        assertThat(ContractErrors.describe(data)).isEqualTo("EmptyBatch()");
    }

    @Test
    void unknownSelectorIsDescribedAsRawRevert() {
        String data = "0x12345678" + "00".repeat(32);

        assertThat(ContractErrors.name(data)).isEmpty();
        assertThat(ContractErrors.describe(data)).isEqualTo("revert 0x12345678");
    }

    @Test
    void nullOrShortDataIsARevertWithoutAReason() {
        assertThat(ContractErrors.describe(null)).isEqualTo("revert without a reason");
        assertThat(ContractErrors.describe("0x")).isEqualTo("revert without a reason");
        assertThat(ContractErrors.describe("0x1234567")).isEqualTo("revert without a reason");
        assertThat(ContractErrors.name(null)).isEmpty();
        assertThat(ContractErrors.name("0x")).isEmpty();
    }

    @Test
    void selectorMatchesWhateverItsCase() {
        String data = revert("BatchExists(bytes32)", root());
        String upper = "0x" + data.substring(2, 10).toUpperCase() + data.substring(10);

        assertThat(upper).isNotEqualTo(data);
        assertThat(ContractErrors.name(upper)).contains("BatchExists");
        assertThat(ContractErrors.describe(upper)).isEqualTo("BatchExists(" + ROOT_HEX + ")");
    }

    @Test
    void aSignatureWithOtherArgumentTypesIsNotMistakenForTheError() {
        // same name, different types: a different selector
        assertThat(ContractErrors.name(revert("BatchExists(uint256)", new Uint256(1))))
                .isEmpty();
    }
}
