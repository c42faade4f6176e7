//! RFC 6962 Merkle tree maths over stored perfect subtrees (默克尔树).
//!
//! The ledger keeps the hash of every *perfect* subtree ("node") of its log in
//! a table keyed by [`NodeId`]: node (level `L`, index `i`) covers the leaves
//! `[i << L, (i + 1) << L)`, and level-0 nodes are leaf hashes. This module
//! owns the arithmetic around that table and nothing else:
//!
//! - [`Frontier`] appends leaves and says which nodes each append completed,
//!   so the caller can store them, and computes the current root;
//! - the `*_plan` functions say *which* stored nodes a root, an inclusion
//!   proof or a consistency proof needs, so the caller can read them in one
//!   batch (O(log n) reads) and fold each plan element with
//!   [`fold_subtrees`];
//! - [`verify_inclusion`] and [`verify_consistency`] check proofs with the
//!   RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms. They deliberately share no
//!   code with the plans, so that a bug in one is caught by the other.
//!
//! Everything here is pure and total: bad sizes and indexes come back as
//! [`MerkleError`], never as a panic.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Hashes one log entry into a leaf: `SHA-256(0x00 || entry_bytes)`.
pub fn leaf_hash(entry_bytes: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry_bytes);
    hasher.finalize().into()
}

/// Hashes two children into their parent: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree, which RFC 6962 defines as the SHA-256 of the
/// empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The address of one perfect subtree: it covers the leaves
/// `[index << level, (index + 1) << level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    /// The first leaf this node covers.
    ///
    /// Saturates rather than overflowing for ids that cannot exist in a tree
    /// of at most `u64::MAX` leaves, so that garbage ids never panic.
    pub fn first_leaf(&self) -> u64 {
        self.index.checked_shl(u32::from(self.level)).unwrap_or(u64::MAX)
    }

    /// The number of leaves this node covers, saturating at `u64::MAX`.
    pub fn width(&self) -> u64 {
        1u64.checked_shl(u32::from(self.level)).unwrap_or(u64::MAX)
    }
}

/// Why a Merkle computation or proof check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MerkleError {
    #[error("leaf index {index} is outside a tree of {size} leaves; ask for a proof against a tree that already contains the leaf")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {old} cannot be followed by the smaller size {new}; the old size must not exceed the new one")]
    BadSizes { old: u64, new: u64 },
    #[error("the proof has {got} hashes but these sizes need exactly {expected}; the proof belongs to other sizes or was cut")]
    WrongProofLength { expected: usize, got: usize },
    #[error("the proof does not lead to the expected root hash; the data, the proof or the tree head has been altered")]
    RootMismatch,
    #[error("a frontier of {size} leaves needs {expected} hashes but {got} were given; the stored frontier is damaged")]
    FrontierLength { size: u64, expected: usize, got: usize },
    #[error("a tree cannot hold more than {max} leaves")]
    TreeFull { max: u64 },
}

/// The perfect subtrees making up a tree of `size` leaves, left to right,
/// largest first (the binary decomposition of `size`).
pub fn frontier_ids(size: u64) -> Vec<NodeId> {
    decompose(0, size)
}

/// The right edge of a growing tree: the hashes of the perfect subtrees
/// listed by [`frontier_ids`] for the current size.
///
/// **Invariant:** `hashes.len() == frontier_ids(size).len()`, which is the
/// number of one bits in `size`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a frontier from what [`Frontier::size`] and
    /// [`Frontier::hashes`] returned, typically after loading it from storage.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self, MerkleError> {
        let expected = size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(MerkleError::FrontierLength { size, expected, got: hashes.len() });
        }
        Ok(Self { size, hashes })
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree hashes, aligned with `frontier_ids(self.size())`.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends one leaf hash and returns every node completed by this append:
    /// the leaf itself at level 0 first, then each parent completed, in
    /// increasing level. The caller stores all of them.
    ///
    /// # Panics
    ///
    /// Panics if the tree already holds `u64::MAX` leaves; use
    /// [`Frontier::try_push`] where the size comes from untrusted storage.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        match self.try_push(leaf) {
            Ok(completed) => completed,
            Err(error) => panic!("{error}"),
        }
    }

    /// [`Frontier::push`], refusing with [`MerkleError::TreeFull`] instead of
    /// panicking when the leaf counter cannot grow.
    pub fn try_push(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, MerkleError> {
        if self.size == u64::MAX {
            return Err(MerkleError::TreeFull { max: u64::MAX });
        }
        let mut completed = vec![(NodeId { level: 0, index: self.size }, leaf)];
        let mut hash = leaf;
        let mut level = 0u8;
        let mut index = self.size;
        // Each one bit at the bottom of the old size is a perfect subtree on
        // the frontier that is the left sibling of what we are carrying up.
        while index & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                // Unreachable while the invariant holds: there is one hash per
                // one bit of the size.
                break;
            };
            hash = node_hash(&left, &hash);
            level += 1;
            index >>= 1;
            completed.push((NodeId { level, index }, hash));
        }
        self.hashes.push(hash);
        self.size += 1;
        Ok(completed)
    }

    /// The RFC 6962 Merkle tree hash of all leaves so far; [`empty_root`]
    /// when no leaf has been appended.
    pub fn root(&self) -> Hash {
        fold_subtrees(&self.hashes)
    }
}

/// Perfect subtrees, left to right, whose right-to-left fold (see
/// [`fold_subtrees`]) is `MTH(D[start..end])`.
///
/// Precondition: `start < end` and `start` is a multiple of the smallest
/// power of two that is at least `end - start`, so that the range is the
/// left part of one perfect subtree. Every range an RFC 6962 proof needs has
/// this shape, and so do all ranges the plans in this module produce. For
/// other ranges the result still covers `[start, end)` with aligned nodes,
/// largest possible first, but its fold is not `MTH(D[start..end])`; an empty
/// range gives an empty plan.
pub fn subtree_plan(start: u64, end: u64) -> Vec<NodeId> {
    decompose(start, end)
}

/// Folds subtree hashes right to left: starting from the last hash, each
/// earlier hash `x` becomes the left child, `h = node_hash(x, h)`.
///
/// An empty slice folds to [`empty_root`], the hash of an empty range.
pub fn fold_subtrees(hashes: &[Hash]) -> Hash {
    let Some((last, earlier)) = hashes.split_last() else {
        return empty_root();
    };
    earlier.iter().rev().fold(*last, |right, left| node_hash(left, &right))
}

/// The RFC 9162 §2.1.3 inclusion proof `PATH(index, D[size])` as plans:
/// element `k` is the subtree plan for the `k`-th proof hash, in the order the
/// hashes appear in the proof (leaf side first).
pub fn inclusion_plan(index: u64, size: u64) -> Result<Vec<Vec<NodeId>>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // Walk down from the root, always into the half holding the leaf; the
    // other half is the proof hash for that level. The walk meets the root
    // side first, the proof lists the leaf side first.
    let mut ranges = Vec::new();
    let (mut low, mut high) = (0u64, size);
    while high - low > 1 {
        let split = low + largest_power_of_two_below(high - low);
        if index < split {
            ranges.push((split, high));
            high = split;
        } else {
            ranges.push((low, split));
            low = split;
        }
    }
    Ok(ranges.into_iter().rev().map(|(start, end)| subtree_plan(start, end)).collect())
}

/// The RFC 9162 §2.1.4 consistency proof from `old_size` to `new_size`, as
/// plans in proof order (RFC 6962 `SUBPROOF(old_size, D[new_size], true)`).
///
/// `old_size == new_size` gives an empty proof. `old_size == 0` also gives an
/// empty proof: the empty tree is a prefix of every tree, and C2SP
/// tlog-witness requires an empty proof from size 0.
pub fn consistency_plan(old_size: u64, new_size: u64) -> Result<Vec<Vec<NodeId>>, MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::BadSizes { old: old_size, new: new_size });
    }
    if old_size == 0 {
        return Ok(Vec::new());
    }
    // Walk down from the root of the new tree towards the right edge of the
    // old tree. `old_is_whole_subtree` is SUBPROOF's flag `b`: it stays true
    // while the range in hand is a prefix that the verifier already knows as
    // the old root, so it need not be sent.
    let mut ranges = Vec::new();
    let (mut low, mut high) = (0u64, new_size);
    let mut old_is_whole_subtree = true;
    while old_size != high {
        let split = low + largest_power_of_two_below(high - low);
        if old_size <= split {
            ranges.push((split, high));
            high = split;
        } else {
            ranges.push((low, split));
            low = split;
            old_is_whole_subtree = false;
        }
    }
    if !old_is_whole_subtree {
        ranges.push((low, high));
    }
    Ok(ranges.into_iter().rev().map(|(start, end)| subtree_plan(start, end)).collect())
}

/// The root of a tree of `size` leaves as a plan; equal to
/// [`frontier_ids`]`(size)`. An empty plan stands for [`empty_root`].
pub fn root_plan(size: u64) -> Vec<NodeId> {
    frontier_ids(size)
}

/// Checks that `leaf` sits at `index` in the tree of `size` leaves whose root
/// is `root`, with the RFC 9162 §2.1.3.2 algorithm.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_length(index, size);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
    }
    // RFC 9162 names: `fn` is the node index on the path, `sn` the index of
    // the last node at the same level, `r` the running hash.
    let mut f_n = index;
    let mut s_n = size - 1;
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // A right-edge node without a right sibling is promoted
            // unchanged, so skip the levels where it is a left child.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
    }
    if r != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root`, with the RFC 9162
/// §2.1.4.2 algorithm.
///
/// Beyond the RFC, which only covers `0 < old_size < new_size`: equal sizes
/// need an empty proof and equal roots, and `old_size == 0` needs an empty
/// proof and `old_root == empty_root()` (the root of any empty tree).
pub fn verify_consistency(old_size: u64, new_size: u64, proof: &[Hash], old_root: &Hash, new_root: &Hash) -> Result<(), MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::BadSizes { old: old_size, new: new_size });
    }
    let expected = consistency_proof_length(old_size, new_size);
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
    }
    if old_size == 0 {
        return if *old_root == empty_root() { Ok(()) } else { Err(MerkleError::RootMismatch) };
    }
    if old_size == new_size {
        return if old_root == new_root { Ok(()) } else { Err(MerkleError::RootMismatch) };
    }
    // Step 2: when the old tree is a perfect subtree its root is the first
    // node of the path, and the proof leaves it out.
    let (first, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(MerkleError::WrongProofLength { expected, got: 0 }),
        }
    };
    // Steps 3 and 4: start from the level where the old tree's last node is
    // a left child or the root.
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 5: `fr` rebuilds the old root, `sr` the new one.
    let mut f_r = first;
    let mut s_r = first;
    // Step 6.
    for c in rest {
        if s_n == 0 {
            return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 7.
    if s_n != 0 {
        return Err(MerkleError::WrongProofLength { expected, got: proof.len() });
    }
    if f_r != *old_root || s_r != *new_root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// The binary decomposition of `[start, end)` into aligned perfect subtrees,
/// each as large as its position and the remaining length allow.
fn decompose(start: u64, end: u64) -> Vec<NodeId> {
    let mut ids = Vec::new();
    let mut position = start;
    while position < end {
        let remaining = end - position;
        // The largest width that fits in what remains and keeps the node
        // aligned; position 0 is aligned to every width.
        let fits = 63 - remaining.leading_zeros();
        let level = if position == 0 { fits } else { fits.min(position.trailing_zeros()) };
        ids.push(NodeId { level: level as u8, index: position >> level });
        // Cannot overflow: the node fits in what remains before `end`.
        position += 1u64 << level;
    }
    ids
}

/// The largest power of two strictly below `n`; `n` must be at least 2.
fn largest_power_of_two_below(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The number of hashes in an inclusion proof for a valid `index < size`.
///
/// Below the level where the leaf's path and the tree's right edge meet,
/// every level has a sibling; above it, only the levels where the path is a
/// right child (one bits of the shifted index) do.
fn inclusion_proof_length(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The number of hashes in a consistency proof for `old_size <= new_size`.
///
/// The same reasoning as [`inclusion_proof_length`], applied from the level
/// of the old tree's last perfect subtree, plus one hash for that subtree
/// unless it is the whole old tree (whose root the verifier already has).
fn consistency_proof_length(old_size: u64, new_size: u64) -> usize {
    if old_size == 0 || old_size == new_size {
        return 0;
    }
    let level = old_size.trailing_zeros();
    let old_last = (old_size - 1) >> level;
    let new_last = (new_size - 1) >> level;
    let inner = 64 - (old_last ^ new_last).leading_zeros();
    let border = old_last.checked_shr(inner).unwrap_or(0).count_ones();
    let seed = usize::from(!old_size.is_power_of_two());
    (inner + border) as usize + seed
}

#[cfg(test)]
mod tests;
