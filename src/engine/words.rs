//! The tables behind spelling correction, built once at load without a string allocation per word:
//! [`English`], the English word list with frequencies (`knowledge/words/en.txt`) as an
//! open-addressing table over the file's own text, and [`DeleteIndex`], the symmetric-delete index
//! (hashes of words with letters deleted) as radix-sorted pairs.
//!
//! Why not `HashMap<String, _>` and a comparison sort: 80,000 words and 200,000 deletions took
//! about 40 ms to load that way (an allocation per word, a sort of the deletions).
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

/// The English word list: each line `word count` (`#` lines are comments), most frequent first.
#[derive(Debug, Clone)]
pub struct English {
    text: Arc<str>,
    /// Per word, in file order: where it starts in `text`, its length and its frequency.
    entries: Vec<(u32, u32, u32)>,
    /// Open addressing: entry index + 1, or 0 for an empty slot.
    slots: Vec<u32>,
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
        let mut table = English {
            text,
            entries,
            slots: vec![0; size],
        };
        for i in 0..table.entries.len() {
            let word = table.word(i);
            let mut slot = slot_of(word.as_bytes(), bits);
            loop {
                match table.slots[slot] {
                    0 => {
                        table.slots[slot] = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        break;
                    }
                    // A word listed twice keeps its first (most frequent) line.
                    e if table.word(e as usize - 1) == word => break,
                    _ => slot = (slot + 1) & (size - 1),
                }
            }
        }
        table
    }

    /// The `i`-th word of the file.
    #[must_use]
    pub fn word(&self, i: usize) -> &str {
        let (s, n, _) = self.entries[i];
        &self.text[s as usize..(s + n) as usize]
    }

    /// Number of words.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The frequency of the `i`-th word.
    #[must_use]
    pub fn count(&self, i: usize) -> u32 {
        self.entries[i].2
    }

    /// The frequency of `word`, if it is on the list.
    #[must_use]
    pub fn freq(&self, word: &str) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut slot = slot_of(word.as_bytes(), self.slots.len().trailing_zeros());
        loop {
            match self.slots[slot] {
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
    pairs: Vec<(u32, u32)>,
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
        DeleteIndex { pairs: v }
    }

    /// Every value stored under `hash`.
    pub fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let k = key(hash);
        let from = self.pairs.partition_point(|e| e.0 < k);
        self.pairs[from..]
            .iter()
            .take_while(move |e| e.0 == k)
            .map(|e| e.1)
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
