package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

class MerkleTreeTest {

    private static final byte[] LOW = word(0x01);
    private static final byte[] HIGH = word(0x80); // negative as a signed byte, largest unsigned

    @Test
    void hashPairSortsAsUnsigned256BitIntegers() {
        byte[] expected = Hash.sha3(concat(LOW, HIGH));

        assertThat(MerkleTree.hashPair(LOW, HIGH)).isEqualTo(expected);
        assertThat(MerkleTree.hashPair(HIGH, LOW)).isEqualTo(expected);
        assertThat(MerkleTree.hashPair(HIGH, LOW)).isNotEqualTo(Hash.sha3(concat(HIGH, LOW)));
    }

    @Test
    void hashPairComparesTheWholeWord_notJustTheFirstByte() {
        byte[] a = word(0x42);
        byte[] b = word(0x42);
        b[31] = (byte) 0xff;
        a[31] = 0x01;

        assertThat(MerkleTree.hashPair(b, a)).isEqualTo(Hash.sha3(concat(a, b)));
    }

    @Test
    void hashPairOfEqualValuesHashesTheValueTwice() {
        assertThat(MerkleTree.hashPair(HIGH, HIGH.clone())).isEqualTo(Hash.sha3(concat(HIGH, HIGH)));
    }

    @Test
    void hashPairRefusesValuesThatAreNot32Bytes() {
        assertThatThrownBy(() -> MerkleTree.hashPair(new byte[31], LOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleTree.hashPair(LOW, new byte[33])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneLeaf_rootIsTheLeafAndProofIsEmpty() {
        byte[] leaf = leaves(1).get(0);

        MerkleTree tree = MerkleTree.of(List.of(leaf));

        assertThat(tree.size()).isEqualTo(1);
        assertThat(tree.root()).isEqualTo(leaf);
        assertThat(tree.proof(0)).isEmpty();
        assertThat(MerkleTree.verify(List.of(), tree.root(), leaf)).isTrue();
    }

    @Test
    void twoLeaves_rootIsTheirSortedPairHash() {
        List<byte[]> l = leaves(2);

        MerkleTree tree = MerkleTree.of(l);

        assertThat(tree.root()).isEqualTo(MerkleTree.hashPair(l.get(0), l.get(1)));
        assertThat(tree.proof(0)).containsExactly(l.get(1));
        assertThat(tree.proof(1)).containsExactly(l.get(0));
    }

    @Test
    void threeLeaves_lastLeafIsCarriedUpAndPairedAtTheTop() {
        List<byte[]> l = leaves(3);
        byte[] left = MerkleTree.hashPair(l.get(0), l.get(1));

        MerkleTree tree = MerkleTree.of(l);

        assertThat(tree.root()).isEqualTo(MerkleTree.hashPair(left, l.get(2)));
        assertThat(tree.proof(0)).containsExactly(l.get(1), l.get(2));
        assertThat(tree.proof(1)).containsExactly(l.get(0), l.get(2));
        assertThat(tree.proof(2)).containsExactly(left);
    }

    @Test
    void fiveLeaves_carriedNodeSkipsTwoLevels() {
        List<byte[]> l = leaves(5);
        byte[] ab = MerkleTree.hashPair(l.get(0), l.get(1));
        byte[] cd = MerkleTree.hashPair(l.get(2), l.get(3));
        byte[] abcd = MerkleTree.hashPair(ab, cd);

        MerkleTree tree = MerkleTree.of(l);

        assertThat(tree.root()).isEqualTo(MerkleTree.hashPair(abcd, l.get(4)));
        assertThat(tree.proof(4)).containsExactly(abcd);
        assertThat(tree.proof(2)).containsExactly(l.get(3), ab, l.get(4));
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void proofsVerifyForEveryLeaf_upTo33LeavesAnd1000And1001(int n) {
        List<byte[]> l = leaves(n);
        MerkleTree tree = MerkleTree.of(l);
        byte[] root = tree.root();
        int maxLength = 32 - Integer.numberOfLeadingZeros(n - 1); // ⌈log2 n⌉, 0 for n = 1

        assertThat(tree.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            List<byte[]> proof = tree.proof(i);
            assertThat(proof).as("proof length of leaf %d", i).hasSizeLessThanOrEqualTo(maxLength);
            assertThat(MerkleTree.verify(proof, root, l.get(i)))
                    .as("leaf %d of %d", i, n)
                    .isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void rootMatchesAStraightforwardLevelByLevelFold(int n) {
        List<byte[]> l = leaves(n);

        assertThat(MerkleTree.of(l).root()).isEqualTo(referenceRoot(l));
    }

    @Test
    void proofWithOneFlippedBitFails() {
        List<byte[]> l = leaves(13);
        MerkleTree tree = MerkleTree.of(l);
        byte[] root = tree.root();

        for (int i = 0; i < l.size(); i++) {
            List<byte[]> proof = tree.proof(i);
            for (int element = 0; element < proof.size(); element++) {
                for (int bit : new int[] {0, 7, 128, 255}) {
                    List<byte[]> tampered = new ArrayList<>(proof);
                    byte[] flipped = proof.get(element).clone();
                    flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                    tampered.set(element, flipped);
                    assertThat(MerkleTree.verify(tampered, root, l.get(i)))
                            .as("leaf %d, element %d, bit %d", i, element, bit)
                            .isFalse();
                }
            }
        }
    }

    @Test
    void flippedBitInLeafOrRootFails() {
        List<byte[]> l = leaves(6);
        MerkleTree tree = MerkleTree.of(l);
        byte[] leaf = l.get(3).clone();
        leaf[31] ^= 1;
        byte[] root = tree.root();
        root[0] ^= (byte) 0x80;

        assertThat(MerkleTree.verify(tree.proof(3), tree.root(), leaf)).isFalse();
        assertThat(MerkleTree.verify(tree.proof(3), root, l.get(3))).isFalse();
    }

    @Test
    void proofForOneLeafDoesNotVerifyAnother() {
        List<byte[]> l = leaves(17);
        MerkleTree tree = MerkleTree.of(l);
        byte[] root = tree.root();

        for (int i = 0; i < l.size(); i++) {
            for (int j = 0; j < l.size(); j++) {
                if (i != j) {
                    assertThat(MerkleTree.verify(tree.proof(i), root, l.get(j)))
                            .as("proof %d, leaf %d", i, j)
                            .isFalse();
                }
            }
        }
    }

    @Test
    void leafOrderChangesTheRoot_exceptWithinASortedPair() {
        List<byte[]> l = leaves(4);
        byte[] root = MerkleTree.of(l).root();

        List<byte[]> acrossPairs = List.of(l.get(0), l.get(2), l.get(1), l.get(3));
        List<byte[]> reversed = List.of(l.get(3), l.get(2), l.get(1), l.get(0));
        List<byte[]> withinPair = List.of(l.get(1), l.get(0), l.get(2), l.get(3));
        List<byte[]> carriedMoved = List.of(l.get(0), l.get(1), l.get(2));
        List<byte[]> carriedFirst = List.of(l.get(2), l.get(0), l.get(1));

        assertThat(MerkleTree.of(acrossPairs).root()).isNotEqualTo(root);
        // Sorted pairs make each pair's order irrelevant, at every level.
        assertThat(MerkleTree.of(reversed).root()).isEqualTo(root);
        assertThat(MerkleTree.of(withinPair).root()).isEqualTo(root);
        assertThat(MerkleTree.of(carriedFirst).root())
                .isNotEqualTo(MerkleTree.of(carriedMoved).root());
    }

    @Test
    void refusesAnEmptyList() {
        assertThatThrownBy(() -> MerkleTree.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one leaf");
    }

    @Test
    void refusesLeavesThatAreNot32Bytes() {
        List<byte[]> l = new ArrayList<>(leaves(3));
        for (byte[] bad : new byte[][] {new byte[0], new byte[31], new byte[33], null}) {
            l.set(1, bad);
            assertThatThrownBy(() -> MerkleTree.of(l))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leaf 1");
        }
    }

    @Test
    void verifyRefusesMalformedArguments() {
        List<byte[]> l = leaves(2);
        MerkleTree tree = MerkleTree.of(l);

        assertThatThrownBy(() -> MerkleTree.verify(List.of(new byte[31]), tree.root(), l.get(0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleTree.verify(tree.proof(0), new byte[33], l.get(0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MerkleTree.verify(tree.proof(0), tree.root(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proofIndexOutsideTheTreeIsRefused() {
        MerkleTree tree = MerkleTree.of(leaves(3));

        assertThatThrownBy(() -> tree.proof(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> tree.proof(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void treeIsUnaffectedByMutatingInputsOrReturnedArrays() {
        List<byte[]> l = leaves(5);
        List<byte[]> mine = l.stream().map(byte[]::clone).toList();
        MerkleTree tree = MerkleTree.of(mine);
        byte[] root = tree.root();

        mine.get(0)[0] ^= 1;
        tree.root()[0] ^= 1;
        tree.proof(0).get(0)[0] ^= 1;

        assertThat(tree.root()).isEqualTo(root);
        assertThat(tree.proof(0).get(0)).isEqualTo(l.get(1));
        assertThat(MerkleTree.verify(tree.proof(0), root, l.get(0))).isTrue();
        assertThatThrownBy(() -> tree.proof(0).add(new byte[32])).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void verifyDoesNotMutateItsArguments() {
        List<byte[]> l = leaves(4);
        MerkleTree tree = MerkleTree.of(l);
        byte[] leaf = l.get(2).clone();
        List<byte[]> proof = tree.proof(2);

        MerkleTree.verify(proof, tree.root(), leaf);

        assertThat(leaf).isEqualTo(l.get(2));
        assertThat(proof).usingElementComparator(Arrays::compare).isEqualTo(tree.proof(2));
    }

    static Stream<Integer> sizes() {
        return Stream.concat(IntStream.rangeClosed(1, 33).boxed(), Stream.of(1000, 1001));
    }

    /** The tree rule written as plainly as possible, to check the flat-array implementation. */
    private static byte[] referenceRoot(List<byte[]> leaves) {
        List<byte[]> level = leaves;
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? MerkleTree.hashPair(level.get(i), level.get(i + 1)) : level.get(i));
            }
            level = next;
        }
        return level.get(0);
    }

    /** Pseudo-random but reproducible leaves, spread over the whole unsigned range. */
    private static List<byte[]> leaves(int n) {
        Random random = new Random(n * 7919L);
        List<byte[]> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] leaf = new byte[32];
            random.nextBytes(leaf);
            leaves.add(leaf);
        }
        return leaves;
    }

    private static byte[] word(int firstByte) {
        byte[] w = Numeric.hexStringToByteArray("0x" + "11".repeat(32));
        w[0] = (byte) firstByte;
        return w;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
