package org.patientgate.ledger;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.web3j.crypto.ECDSASignature;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * EIP-712 typed-data hashing and strict secp256k1 signing for the PatientGate contracts: domain
 * separators, the struct hashes of the four signed messages (Registration, Decision, Grant,
 * Revocation), the {@code 0x19 0x01} digest, and 65-byte r‖s‖v signatures. Every rule mirrors the
 * contracts' {@code Signatures} library, including its refusal of high-s and v ∉ {27, 28}, so a
 * signature this class produces or accepts is one the chain accepts too.
 */
public final class Eip712 {

    /** Domain name of the ParticipantRegistry contract. */
    public static final String REGISTRY_NAME = "PatientGate ParticipantRegistry";

    /** Domain name of the ConsentEscrow contract. */
    public static final String ESCROW_NAME = "PatientGate ConsentEscrow";

    /** Domain name of the AccessGrants contract. */
    public static final String GRANTS_NAME = "PatientGate AccessGrants";

    /** Domain version of every PatientGate contract. */
    public static final String VERSION = "1";

    /** The EIP-712 domain type; its keccak256 is {@link #domainTypeHash()}. */
    public static final String DOMAIN_TYPE =
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

    /** A patient's registration or profile update, signed by the patient. */
    public static final String REGISTRATION_TYPE =
            "Registration(address patient,bytes32 encryptionKey,bytes32 profileHash,uint256 nonce,uint256 deadline)";

    /**
     * A patient's release or refusal of one escrow entry ({@code entry} is its Merkle leaf,
     * {@code intermediateAccount} the entry's intermediate account, {@code nonce} any unused uint256).
     */
    public static final String DECISION_TYPE =
            "Decision(bytes32 entry,address intermediateAccount,bool release,uint256 nonce,uint256 deadline)";

    /** A patient's grant of access to a credential holder. */
    public static final String GRANT_TYPE =
            "Grant(bytes32 credentialHash,address grantee,uint64 expiresAt,uint256 deadline)";

    /** A patient's revocation of a grant. */
    public static final String REVOCATION_TYPE = "Revocation(bytes32 credentialHash,uint256 deadline)";

    /** secp256k1's group order n. */
    static final BigInteger CURVE_ORDER =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);

    /** n / 2: a larger s is the malleable twin of a valid signature, which the contracts refuse. */
    static final BigInteger HALF_ORDER = CURVE_ORDER.shiftRight(1);

    private static final int WORD = 32;
    private static final BigInteger UINT64_LIMIT = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private static final byte[] DOMAIN_TYPEHASH = keccakUtf8(DOMAIN_TYPE);
    private static final byte[] REGISTRATION_TYPEHASH = keccakUtf8(REGISTRATION_TYPE);
    private static final byte[] DECISION_TYPEHASH = keccakUtf8(DECISION_TYPE);
    private static final byte[] GRANT_TYPEHASH = keccakUtf8(GRANT_TYPE);
    private static final byte[] REVOCATION_TYPEHASH = keccakUtf8(REVOCATION_TYPE);
    private static final byte[] VERSION_HASH = keccakUtf8(VERSION);

    private Eip712() {}

    /** keccak256 of {@link #DOMAIN_TYPE}; a fresh copy. */
    public static byte[] domainTypeHash() {
        return DOMAIN_TYPEHASH.clone();
    }

    /** keccak256 of {@link #REGISTRATION_TYPE}, the contract's REGISTRATION_TYPEHASH; a fresh copy. */
    public static byte[] registrationTypeHash() {
        return REGISTRATION_TYPEHASH.clone();
    }

    /** keccak256 of {@link #DECISION_TYPE}, the contract's DECISION_TYPEHASH; a fresh copy. */
    public static byte[] decisionTypeHash() {
        return DECISION_TYPEHASH.clone();
    }

    /** keccak256 of {@link #GRANT_TYPE}, the contract's GRANT_TYPEHASH; a fresh copy. */
    public static byte[] grantTypeHash() {
        return GRANT_TYPEHASH.clone();
    }

    /** keccak256 of {@link #REVOCATION_TYPE}, the contract's REVOCATION_TYPEHASH; a fresh copy. */
    public static byte[] revocationTypeHash() {
        return REVOCATION_TYPEHASH.clone();
    }

    /**
     * keccak256(abi.encode(typeHash, keccak256(name), keccak256("1"), chainId, verifyingContract)),
     * the separator of the contract deployed at {@code verifyingContract} on chain {@code chainId}.
     *
     * @throws IllegalArgumentException if the chain id is not positive or the address is malformed
     */
    public static byte[] domainSeparator(String name, long chainId, String verifyingContract) {
        if (name == null) {
            throw new IllegalArgumentException("domain name is null");
        }
        if (chainId <= 0) {
            throw new IllegalArgumentException("chain id must be positive: " + chainId);
        }
        byte[] buf = new byte[5 * WORD];
        putWord(buf, 0, DOMAIN_TYPEHASH);
        putWord(buf, 1, keccakUtf8(name));
        putWord(buf, 2, VERSION_HASH);
        putUint(buf, 3, BigInteger.valueOf(chainId), UINT256_LIMIT, "chainId");
        putAddress(buf, 4, verifyingContract, "verifyingContract");
        return Hash.sha3(buf);
    }

    /** Struct hash of {@link #REGISTRATION_TYPE}. */
    public static byte[] registration(
            String patient, byte[] encryptionKey, byte[] profileHash, BigInteger nonce, BigInteger deadline) {
        byte[] buf = new byte[6 * WORD];
        putWord(buf, 0, REGISTRATION_TYPEHASH);
        putAddress(buf, 1, patient, "patient");
        putBytes32(buf, 2, encryptionKey, "encryptionKey");
        putBytes32(buf, 3, profileHash, "profileHash");
        putUint(buf, 4, nonce, UINT256_LIMIT, "nonce");
        putUint(buf, 5, deadline, UINT256_LIMIT, "deadline");
        return Hash.sha3(buf);
    }

    /**
     * Struct hash of {@link #DECISION_TYPE}; {@code entry} is the escrow entry's Merkle leaf and
     * {@code intermediateAccount} its intermediate account (see {@link EscrowEntry#intermediateAccount}),
     * which the contract computes itself, so a decision over another one recovers to another signer.
     */
    public static byte[] decision(
            byte[] entry, String intermediateAccount, boolean release, BigInteger nonce, BigInteger deadline) {
        byte[] buf = new byte[6 * WORD];
        putWord(buf, 0, DECISION_TYPEHASH);
        putBytes32(buf, 1, entry, "entry");
        putAddress(buf, 2, intermediateAccount, "intermediateAccount");
        // abi.encode(bool): a 32-byte word holding 0 or 1 in its last byte.
        buf[4 * WORD - 1] = (byte) (release ? 1 : 0);
        putUint(buf, 4, nonce, UINT256_LIMIT, "nonce");
        putUint(buf, 5, deadline, UINT256_LIMIT, "deadline");
        return Hash.sha3(buf);
    }

    /** Struct hash of {@link #GRANT_TYPE}; {@code expiresAt} must fit a uint64. */
    public static byte[] grant(byte[] credentialHash, String grantee, BigInteger expiresAt, BigInteger deadline) {
        byte[] buf = new byte[5 * WORD];
        putWord(buf, 0, GRANT_TYPEHASH);
        putBytes32(buf, 1, credentialHash, "credentialHash");
        putAddress(buf, 2, grantee, "grantee");
        putUint(buf, 3, expiresAt, UINT64_LIMIT, "expiresAt");
        putUint(buf, 4, deadline, UINT256_LIMIT, "deadline");
        return Hash.sha3(buf);
    }

    /** Struct hash of {@link #REVOCATION_TYPE}. */
    public static byte[] revocation(byte[] credentialHash, BigInteger deadline) {
        byte[] buf = new byte[3 * WORD];
        putWord(buf, 0, REVOCATION_TYPEHASH);
        putBytes32(buf, 1, credentialHash, "credentialHash");
        putUint(buf, 2, deadline, UINT256_LIMIT, "deadline");
        return Hash.sha3(buf);
    }

    /** keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash), the 32 bytes a signer signs. */
    public static byte[] digest(byte[] domainSeparator, byte[] structHash) {
        requireBytes32(domainSeparator, "domainSeparator");
        requireBytes32(structHash, "structHash");
        byte[] buf = new byte[2 + 2 * WORD];
        buf[0] = 0x19;
        buf[1] = 0x01;
        System.arraycopy(domainSeparator, 0, buf, 2, WORD);
        System.arraycopy(structHash, 0, buf, 2 + WORD, WORD);
        return Hash.sha3(buf);
    }

    /**
     * Signs the 32-byte {@code digest} itself (no "Ethereum Signed Message" prefix) and returns
     * r‖s‖v with v ∈ {27, 28} and s ≤ n/2.
     */
    public static byte[] sign(byte[] digest, ECKeyPair key) {
        requireBytes32(digest, "digest");
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        Sign.SignatureData data = Sign.signMessage(digest, key, false);
        byte[] signature = new byte[2 * WORD + 1];
        System.arraycopy(data.getR(), 0, signature, 0, WORD);
        System.arraycopy(data.getS(), 0, signature, WORD, WORD);
        signature[2 * WORD] = data.getV()[0];
        // web3j 5.0.0 already canonicalises s; normalising again guards against a library change
        // silently producing signatures the contracts would refuse.
        return toLowS(signature);
    }

    /**
     * The 0x-prefixed lowercase address that signed {@code digest}, under the contracts' rules.
     *
     * @throws IllegalArgumentException if the signature is not 65 bytes, v ∉ {27, 28}, r or s is out
     *     of range (including s > n/2), or no public key can be recovered
     */
    public static String recover(byte[] digest, byte[] signature) {
        requireBytes32(digest, "digest");
        if (signature == null || signature.length != 2 * WORD + 1) {
            throw new IllegalArgumentException("signature is not 65 bytes");
        }
        int v = signature[2 * WORD] & 0xff;
        if (v != 27 && v != 28) {
            throw new IllegalArgumentException("signature v must be 27 or 28: " + v);
        }
        BigInteger r = new BigInteger(1, signature, 0, WORD);
        BigInteger s = new BigInteger(1, signature, WORD, WORD);
        // The ecrecover precompile yields no address for r or s outside [1, n-1]; web3j would still
        // recover a key for n <= r < p, so the range is checked here to refuse exactly what the
        // contract refuses.
        if (r.signum() == 0 || r.compareTo(CURVE_ORDER) >= 0) {
            throw new IllegalArgumentException("signature r is out of range");
        }
        if (s.signum() == 0 || s.compareTo(HALF_ORDER) > 0) {
            throw new IllegalArgumentException("signature s is zero or high (s > n/2)");
        }
        BigInteger publicKey;
        try {
            publicKey = Sign.recoverFromSignature(v - 27, new ECDSASignature(r, s), digest);
        } catch (IllegalArgumentException e) {
            // r is not the x coordinate of a curve point.
            throw new IllegalArgumentException("signature does not recover a public key", e);
        }
        if (publicKey == null) {
            throw new IllegalArgumentException("signature does not recover a public key");
        }
        return "0x" + Keys.getAddress(publicKey);
    }

    /** r‖s‖v with s replaced by n − s and v flipped when s > n/2: the same signer, canonical form. */
    static byte[] toLowS(byte[] signature) {
        BigInteger s = new BigInteger(1, signature, WORD, WORD);
        if (s.compareTo(HALF_ORDER) <= 0) {
            return signature;
        }
        byte[] low = signature.clone();
        putUint(low, 1, CURVE_ORDER.subtract(s), UINT256_LIMIT, "s");
        low[2 * WORD] = (byte) (low[2 * WORD] == 27 ? 28 : 27);
        return low;
    }

    /** Writes an address, left-padded to a 32-byte word, at word {@code index} of {@code buf}. */
    static void putAddress(byte[] buf, int index, String address, String what) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException(what + " is not a 0x-prefixed 20-byte hex address");
        }
        int off = index * WORD + 12;
        for (int i = 0; i < 20; i++) {
            int hi = Character.digit(address.charAt(2 + 2 * i), 16);
            int lo = Character.digit(address.charAt(3 + 2 * i), 16);
            buf[off + i] = (byte) ((hi << 4) | lo);
        }
    }

    /** True for a 0x-prefixed 40-hex-digit address (either case, checksum not enforced). */
    static boolean isAddress(String address) {
        return address != null && ADDRESS.matcher(address).matches();
    }

    /** Writes a bytes32 value at word {@code index} of {@code buf}. */
    static void putBytes32(byte[] buf, int index, byte[] value, String what) {
        requireBytes32(value, what);
        putWord(buf, index, value);
    }

    static void requireBytes32(byte[] value, String what) {
        if (value == null || value.length != WORD) {
            throw new IllegalArgumentException(
                    what + " is not 32 bytes: " + (value == null ? "null" : value.length + " bytes"));
        }
    }

    private static void putWord(byte[] buf, int index, byte[] word) {
        System.arraycopy(word, 0, buf, index * WORD, WORD);
    }

    // Big-endian, right-aligned in the word; the range check stands in for the Solidity type's
    // width, since a value that does not fit would hash to something the contract never computes.
    private static void putUint(byte[] buf, int index, BigInteger value, BigInteger limit, String what) {
        if (value == null || value.signum() < 0 || value.compareTo(limit) >= 0) {
            throw new IllegalArgumentException(what + " is out of range for its Solidity type: " + value);
        }
        byte[] bytes = value.toByteArray();
        // toByteArray may carry a leading 0x00 sign byte; only the magnitude goes into the word.
        int skip = bytes.length > WORD ? bytes.length - WORD : 0;
        int length = bytes.length - skip;
        int end = (index + 1) * WORD;
        Arrays.fill(buf, index * WORD, end - length, (byte) 0);
        System.arraycopy(bytes, skip, buf, end - length, length);
    }

    private static byte[] keccakUtf8(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.UTF_8));
    }
}
