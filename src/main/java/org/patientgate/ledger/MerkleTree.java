package org.patientgate.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.web3j.crypto.Hash;

/**
 * A Merkle tree over 32-byte leaves with sorted-pair hashing, built exactly as the contracts'
 * {@code MerkleProofs} library verifies it, so a batch of escrow entries can be anchored on chain as
 * one root and each entry later proven with its sibling path alone (no left/right flags). A level's
 * last node without a sibling is carried up unchanged, which keeps proofs at most ⌈log2 n⌉ long and
 * never pads the tree with duplicates. Instances are immutable and safe to share between threads.
 */
public final class MerkleTree {

    private static final int WORD = 32;

    // All levels, each one flat array of 32-byte nodes: one allocation per level instead of one per
    // node keeps building a large batch cheap. levels[0] holds the leaves, the last one the root.
    private final byte[][] levels;

    private MerkleTree(byte[][] levels) {
        this.levels = levels;
    }

    /**
     * Builds the tree over {@code leaves} in the given order.
     *
     * @throws IllegalArgumentException if the list is empty or a leaf is null or not 32 bytes long
     */
    public static MerkleTree of(List<byte[]> leaves) {
        Objects.requireNonNull(leaves, "leaves");
        int n = leaves.size();
        if (n == 0) {
            throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
        }
        if (n > Integer.MAX_VALUE / WORD) {
            throw new IllegalArgumentException("too many leaves: " + n);
        }
        int depth = 1;
        for (int count = n; count > 1; count = (count + 1) >>> 1) {
            depth++;
        }
        byte[][] levels = new byte[depth][];
        // Copying the leaves into the tree's own array is also the defensive copy: callers may
        // reuse their buffers afterwards.
        byte[] bottom = new byte[n * WORD];
        for (int i = 0; i < n; i++) {
            byte[] leaf = leaves.get(i);
            if (leaf == null || leaf.length != WORD) {
                throw new IllegalArgumentException(
                        "leaf " + i + " is not 32 bytes: " + (leaf == null ? "null" : leaf.length + " bytes"));
            }
            System.arraycopy(leaf, 0, bottom, i * WORD, WORD);
        }
        levels[0] = bottom;
        byte[] scratch = new byte[2 * WORD];
        for (int level = 1, count = n; level < depth; level++) {
            byte[] below = levels[level - 1];
            int parents = (count + 1) >>> 1;
            byte[] above = new byte[parents * WORD];
            for (int i = 0; i + 1 < count; i += 2) {
                pairInto(below, i * WORD, below, (i + 1) * WORD, scratch, above, (i >>> 1) * WORD);
            }
            if ((count & 1) == 1) {
                // Odd node out: carried up as is, so it contributes no proof element at this level.
                System.arraycopy(below, (count - 1) * WORD, above, (parents - 1) * WORD, WORD);
            }
            levels[level] = above;
            count = parents;
        }
        return new MerkleTree(levels);
    }

    /** The root; with a single leaf, that leaf. Returns a fresh copy. */
    public byte[] root() {
        return levels[levels.length - 1].clone();
    }

    /** Number of leaves. */
    public int size() {
        return levels[0].length / WORD;
    }

    /**
     * The proof of leaf {@code index}: its siblings bottom-up, skipping levels where the node was
     * carried up without a sibling. Empty for a one-leaf tree. The list is unmodifiable and its
     * arrays are copies.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not a leaf position
     */
    public List<byte[]> proof(int index) {
        Objects.checkIndex(index, size());
        List<byte[]> proof = new ArrayList<>(levels.length - 1);
        int i = index;
        for (int level = 0; level < levels.length - 1; level++) {
            byte[] nodes = levels[level];
            int sibling = i ^ 1;
            if (sibling * WORD < nodes.length) {
                proof.add(Arrays.copyOfRange(nodes, sibling * WORD, sibling * WORD + WORD));
            }
            i >>>= 1;
        }
        return Collections.unmodifiableList(proof);
    }

    /**
     * True when folding {@code proof} onto {@code leaf} with {@link #hashPair} yields {@code root},
     * the same check as {@code MerkleProofs.verify} on chain.
     *
     * @throws IllegalArgumentException if the root, the leaf or a proof element is not 32 bytes
     */
    public static boolean verify(List<byte[]> proof, byte[] root, byte[] leaf) {
        Objects.requireNonNull(proof, "proof");
        requireWord(root, "root");
        requireWord(leaf, "leaf");
        byte[] h = leaf.clone();
        byte[] scratch = new byte[2 * WORD];
        for (byte[] sibling : proof) {
            requireWord(sibling, "proof element");
            pairInto(h, 0, sibling, 0, scratch, h, 0);
        }
        return Arrays.equals(h, root);
    }

    /**
     * Sorted-pair hash: keccak256(min ‖ max), comparing the two 32-byte values as unsigned 256-bit
     * integers (equal values give keccak256(a ‖ a)).
     *
     * @throws IllegalArgumentException if either value is not 32 bytes
     */
    public static byte[] hashPair(byte[] a, byte[] b) {
        requireWord(a, "a");
        requireWord(b, "b");
        byte[] out = new byte[WORD];
        pairInto(a, 0, b, 0, new byte[2 * WORD], out, 0);
        return out;
    }

    // Big-endian bytes compared unsigned and lexicographically order exactly like uint256, which is
    // what the contract's lt(a, b) does; a signed byte comparison would misorder values >= 0x80...
    private static void pairInto(byte[] a, int aOff, byte[] b, int bOff, byte[] scratch, byte[] out, int outOff) {
        boolean aFirst = Arrays.compareUnsigned(a, aOff, aOff + WORD, b, bOff, bOff + WORD) < 0;
        System.arraycopy(aFirst ? a : b, aFirst ? aOff : bOff, scratch, 0, WORD);
        System.arraycopy(aFirst ? b : a, aFirst ? bOff : aOff, scratch, WORD, WORD);
        System.arraycopy(Hash.sha3(scratch, 0, 2 * WORD), 0, out, outOff, WORD);
    }

    private static void requireWord(byte[] value, String what) {
        if (value == null || value.length != WORD) {
            throw new IllegalArgumentException(
                    what + " is not 32 bytes: " + (value == null ? "null" : value.length + " bytes"));
        }
    }
}
