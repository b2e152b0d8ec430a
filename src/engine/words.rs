//! The tables behind spelling correction, built without a string allocation per word:
//! [`English`], the English word list with frequencies (`knowledge/words/en.txt`) as an
//! open-addressing table over the file's own text, and [`DeleteIndex`], the symmetric-delete index
//! (hashes of words with letters deleted) as radix-sorted pairs.
//!
//! Why not `HashMap<String, _>` and a comparison sort: 80,000 words and 200,000 deletions took
//! about 40 ms to load that way (an allocation per word, a sort of the deletions). Built at load,
//! the two tables of the shipped word lists still took a third of the 24 ms of loading, so
//! `build.rs` (which includes this file) builds them at compile time, and loading only reads them
//! back ([`English::from_bytes`], [`DeleteIndex::from_bytes`]); a knowledge folder's own word list
//! is still built at load.
//! [`super::vocab`] decides what to correct; this module only stores and finds.

use std::sync::Arc;

/// The slot of `bytes` in a table of `1 << bits` slots: FxHash over eight bytes at a time (one
/// multiply for most words, where FNV-1a took one a byte), its top bits being the well-mixed ones.
#[must_use]
fn slot_of(bytes: &[u8], bits: u32) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length keeps "ab" apart from "ab\0".
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w) ^ (rest.len() as u64) << 59).wrapping_mul(K);
    }
    (h >> (64 - bits)) as usize
}

/// A table size: a power of two at least twice `n`, so probes stay short.
fn capacity(n: usize) -> usize {
    (n.max(8) * 2).next_power_of_two()
}

/// Words longer than this are neither corrected nor indexed as corrections: no typo is that long,
/// and the symmetric-delete index costs the cube of a word's length (a 2,000-letter "word" took
/// minutes to answer).
pub const MAX_CORRECT_CHARS: usize = 32;

/// The most frequent words of a list whose deletions are indexed ahead ([`DeleteIndex::english`]):
/// the corrector offers the first 12,000 that are not the knowledge base's own, and those lie within
/// the first 16,000 unless the knowledge base uses over 4,000 of them.
pub const INDEXED_WORDS: usize = 16_000;

/// FNV-1a's starting value and multiplier.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// Hashes of every string made by deleting up to `depth` (1 or 2) characters from `word`, `word`
/// included. Duplicates are possible ("ll" minus either l); callers tolerate them.
#[must_use]
pub fn deletes(word: &str, depth: usize) -> Vec<u64> {
    let mut out = Vec::new();
    deletes_into(word, depth, &mut out);
    out
}

/// [`deletes`] into a reused buffer: loading hashes 200,000 deletions.
pub fn deletes_into(word: &str, depth: usize, out: &mut Vec<u64>) {
    let mut chars = [' '; MAX_CORRECT_CHARS];
    let mut n = 0;
    for c in word.chars().take(MAX_CORRECT_CHARS) {
        chars[n] = c;
        n += 1;
    }
    let chars = &chars[..n];
    // FNV-1a is a fold: a deletion's hash goes on from the hash of the prefix before it, so each
    // is hashed from there (the same values as hashing the characters left, in the same order, in half the
    // steps).
    let step = |h: u64, c: &char| (h ^ u64::from(*c)).wrapping_mul(FNV_PRIME);
    let mut prefix = [FNV_OFFSET; MAX_CORRECT_CHARS + 1];
    for (i, c) in chars.iter().enumerate() {
        prefix[i + 1] = step(prefix[i], c);
    }
    out.clear();
    out.push(prefix[n]);
    for i in 0..n {
        out.push(chars[i + 1..].iter().fold(prefix[i], step));
        if depth > 1 {
            let mut mid = prefix[i];
            for j in i + 1..n {
                out.push(chars[j + 1..].iter().fold(mid, step));
                mid = step(mid, &chars[j]);
            }
        }
    }
}

/// Little-endian `u32`s, as the tables are written at compile time.
fn put(out: &mut Vec<u8>, values: impl IntoIterator<Item = u32>) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// `u32`s, owned, or read in place from the little-endian bytes `build.rs` wrote (so loading a
/// shipped table copies nothing).
#[derive(Debug, Clone)]
enum U32s {
    Owned(Vec<u32>),
    Bytes(&'static [u8]),
}

impl Default for U32s {
    fn default() -> U32s {
        U32s::Owned(Vec::new())
    }
}

impl U32s {
    fn at(&self, i: usize) -> u32 {
        match self {
            U32s::Owned(v) => v[i],
            U32s::Bytes(b) => {
                let c = &b[4 * i..4 * i + 4];
                u32::from_le_bytes([c[0], c[1], c[2], c[3]])
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            U32s::Owned(v) => v.len(),
            U32s::Bytes(b) => b.len() / 4,
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }
}

/// The English word list: each line `word count` (`#` lines are comments), most frequent first.
#[derive(Debug, Clone)]
pub struct English {
    text: Arc<str>,
    /// Per word, in file order, three numbers: where it starts in `text`, its length and its
    /// frequency.
    entries: U32s,
    /// Open addressing: entry index + 1, or 0 for an empty slot.
    slots: U32s,
}

impl English {
    /// Reads the list. Malformed lines are skipped; a missing count reads as 1.
    #[must_use]
    pub fn new(text: Arc<str>) -> English {
        // Byte by byte: `lines()` and `split_whitespace()` cost several milliseconds here, and
        // `split('\n')` (`memchr`) twice as much as this loop on lines this short.
        let mut entries = Vec::with_capacity(text.len() / 10);
        let bytes = text.as_bytes();
        let mut at = 0usize;
        while at < bytes.len() {
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| at + p);
            let line = &bytes[at..end];
            let start = at;
            at = end + 1;
            if line
                .first()
                .is_none_or(|&b| b == b'#' || b.is_ascii_whitespace())
            {
                continue;
            }
            let n = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
            let digits = line[n..].iter().skip_while(|&&b| b == b' ');
            let mut count: u32 = 0;
            let mut any = false;
            for &b in digits.take_while(|b| b.is_ascii_digit()) {
                count = count.saturating_mul(10).saturating_add(u32::from(b - b'0'));
                any = true;
            }
            let count = if any { count } else { 1 };
            let (Ok(s), Ok(n)) = (u32::try_from(start), u32::try_from(n)) else {
                continue;
            };
            entries.push((s, n, count));
        }
        let size = capacity(entries.len());
        let bits = size.trailing_zeros();
        let word = |i: usize| {
            let (s, n, _) = entries[i];
            &text[s as usize..(s + n) as usize]
        };
        let mut slots = vec![0u32; size];
        for i in 0..entries.len() {
            let w = word(i);
            let mut slot = slot_of(w.as_bytes(), bits);
            loop {
                match slots[slot] {
                    0 => {
                        slots[slot] = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        break;
                    }
                    // A word listed twice keeps its first (most frequent) line.
                    e if word(e as usize - 1) == w => break,
                    _ => slot = (slot + 1) & (size - 1),
                }
            }
        }
        let entries = entries.iter().flat_map(|&(s, n, c)| [s, n, c]).collect();
        English {
            entries: U32s::Owned(entries),
            slots: U32s::Owned(slots),
            text,
        }
    }

    /// The table without its text, as `build.rs` writes it: the number of words, then three
    /// numbers a word, then the slots.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * (1 + self.entries.len() + self.slots.len()));
        put(&mut out, [u32::try_from(self.len()).unwrap_or(u32::MAX)]);
        put(&mut out, self.entries.iter());
        put(&mut out, self.slots.iter());
        out
    }

    /// The table [`English::to_bytes`] wrote for `text`, read in place, or `None` when `bytes` do
    /// not fit it (a size that does not add up, or a last word past the end of `text`).
    #[must_use]
    pub fn from_bytes(text: Arc<str>, bytes: &'static [u8]) -> Option<English> {
        let n = U32s::Bytes(bytes.get(..4)?).at(0) as usize;
        let (entries, slots) = bytes.get(4..)?.split_at_checked(12 * n)?;
        let table = English {
            text,
            entries: U32s::Bytes(entries),
            slots: U32s::Bytes(slots),
        };
        let last_fits = n == 0 || {
            let (s, len) = (table.entries.at(3 * n - 3), table.entries.at(3 * n - 2));
            table.text.get(s as usize..(s + len) as usize).is_some()
        };
        let fits = slots.len() % 4 == 0 && table.slots.len().is_power_of_two() && last_fits;
        fits.then_some(table)
    }

    /// The `i`-th word of the file.
    #[must_use]
    pub fn word(&self, i: usize) -> &str {
        let (s, n) = (self.entries.at(3 * i), self.entries.at(3 * i + 1));
        self.text.get(s as usize..(s + n) as usize).unwrap_or("")
    }

    /// Number of words.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len() / 3
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frequency of the `i`-th word.
    #[must_use]
    pub fn count(&self, i: usize) -> u32 {
        self.entries.at(3 * i + 2)
    }

    /// The frequency of `word`, if it is on the list.
    #[must_use]
    pub fn freq(&self, word: &str) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut slot = slot_of(word.as_bytes(), self.slots.len().trailing_zeros());
        loop {
            match self.slots.at(slot) {
                0 => return None,
                e if self.word(e as usize - 1) == word => return Some(self.count(e as usize - 1)),
                _ => slot = (slot + 1) & mask,
            }
        }
    }
}

/// A multi-valued index from a deletion's hash to the words that have it: (key, value) pairs sorted
/// by key with a radix sort, looked up by binary search. Keys are the low 32 bits of the hash
/// folded with the high ones: a collision only adds a candidate, whose real distance is checked.
/// A radix sort of 120,000 pairs takes about a millisecond, where a hash table of them spent most
/// of the load on cache misses.
#[derive(Debug, Clone, Default)]
pub struct DeleteIndex {
    /// Key, value, key, value, ...
    pairs: U32s,
}

/// The key of a hash.
fn key(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

impl DeleteIndex {
    /// Builds the index of `pairs` (deletion hash, word index); `n` is about how many there are.
    #[must_use]
    pub fn new(pairs: impl IntoIterator<Item = (u64, u32)>, n: usize) -> DeleteIndex {
        let mut v: Vec<(u32, u32)> = Vec::with_capacity(n);
        v.extend(pairs.into_iter().map(|(h, i)| (key(h), i)));
        radix_sort(&mut v);
        v.dedup();
        DeleteIndex {
            pairs: U32s::Owned(v.into_iter().flat_map(|(k, i)| [k, i]).collect()),
        }
    }

    /// The index of the deletions (one letter) of the first `upto` words of `english` that are
    /// 4 to [`MAX_CORRECT_CHARS`] letters long, valued by their place in the list.
    #[must_use]
    pub fn english(english: &English, upto: usize) -> DeleteIndex {
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(upto * 9);
        let mut buf = Vec::new();
        for i in 0..english.len().min(upto) {
            let w = english.word(i);
            if !(4..=MAX_CORRECT_CHARS).contains(&w.chars().count()) {
                continue;
            }
            deletes_into(w, 1, &mut buf);
            let at = u32::try_from(i).unwrap_or(u32::MAX);
            pairs.extend(buf.iter().map(|&d| (d, at)));
        }
        let n = pairs.len();
        DeleteIndex::new(pairs, n)
    }

    /// The pairs, as `build.rs` writes them.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pairs.len() * 4);
        put(&mut out, self.pairs.iter());
        out
    }

    /// The index [`DeleteIndex::to_bytes`] wrote, read in place.
    #[must_use]
    pub fn from_bytes(bytes: &'static [u8]) -> DeleteIndex {
        let whole = bytes.len() / 8 * 8;
        DeleteIndex {
            pairs: U32s::Bytes(&bytes[..whole]),
        }
    }

    /// Every value stored under `hash`.
    pub fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let k = key(hash);
        let n = self.pairs.len() / 2;
        // The first pair whose key is not below `k`.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.pairs.at(2 * mid) < k {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..n)
            .take_while(move |&i| self.pairs.at(2 * i) == k)
            .map(|i| self.pairs.at(2 * i + 1))
    }
}

/// Sorts by key in two stable passes of 16 bits. Pairs with the same key keep the order they came
/// in, so the deletions of one word, which come together, stay together and `dedup` finds their
/// repeats ("ll" minus either l).
fn radix_sort(v: &mut Vec<(u32, u32)>) {
    let mut buf = vec![(0u32, 0u32); v.len()];
    let digit = |e: &(u32, u32), pass: u32| -> usize { ((e.0 >> (16 * pass)) & 0xffff) as usize };
    for pass in 0..2 {
        let mut count = vec![0usize; 1 << 16];
        for e in v.iter() {
            count[digit(e, pass)] += 1;
        }
        let mut sum = 0;
        for c in &mut count {
            let n = *c;
            *c = sum;
            sum += n;
        }
        for e in v.iter() {
            let d = digit(e, pass);
            buf[count[d]] = *e;
            count[d] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_hash_as_the_characters_left_in_order() {
        // FNV-1a over characters, skipping the positions in `skip`.
        let hash_without = |chars: &[char], skip: [usize; 2]| {
            let kept = chars.iter().enumerate().filter(|(i, _)| !skip.contains(i));
            kept.fold(FNV_OFFSET, |h, (_, c)| {
                (h ^ u64::from(*c)).wrapping_mul(FNV_PRIME)
            })
        };
        let none = usize::MAX;
        for word in ["", "a", "ll", "calf", "magnesium", "crämp"] {
            let chars: Vec<char> = word.chars().collect();
            let mut want = vec![hash_without(&chars, [none, none])];
            for i in 0..chars.len() {
                want.push(hash_without(&chars, [i, none]));
                for j in i + 1..chars.len() {
                    want.push(hash_without(&chars, [i, j]));
                }
            }
            assert_eq!(deletes(word, 2), want, "{word}");
        }
    }

    #[test]
    fn deletes_include_the_word_and_single_and_double_deletions() {
        let d = deletes("calf", 2);
        for w in ["calf", "caf", "cf"] {
            assert!(d.contains(&deletes(w, 0)[0]), "{w}");
        }
        assert!(!deletes("calf", 1).contains(&deletes("cf", 0)[0]));
    }

    #[test]
    fn english_finds_its_words_and_their_counts() {
        let e = English::new("# comment\nthe 100\nof 50\nmath\nthe 3\n".into());
        assert_eq!(e.freq("the"), Some(100));
        assert_eq!(e.freq("of"), Some(50));
        assert_eq!(e.freq("math"), Some(1));
        assert_eq!(e.freq("comment"), None);
        assert_eq!(e.freq("th"), None);
    }

    #[test]
    fn the_delete_index_keeps_every_value_of_a_key_once() {
        let idx = DeleteIndex::new([(7, 2), (7, 2), (7, 1), (9, 3), (0, 4)], 2);
        assert_eq!(idx.get(7).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(idx.get(9).collect::<Vec<_>>(), [3]);
        assert_eq!(idx.get(0).collect::<Vec<_>>(), [4]);
        assert_eq!(idx.get(1).count(), 0);
        assert_eq!(idx.get(8).count(), 0);
    }
}
