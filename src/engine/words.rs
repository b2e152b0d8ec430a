//! The tables behind spelling correction, built once at load without a string allocation per word:
//! [`English`], the English word list with frequencies (`knowledge/words/en.txt`) as an
//! open-addressing table over the file's own text, and [`DeleteIndex`], the symmetric-delete index
//! (hashes of words with letters deleted) as a multi-valued open-addressing table.
//!
//! Why not `HashMap<String, _>` and a sorted `Vec`: 80,000 words and 200,000 deletions took about
//! 40 ms to load that way (an allocation per word, a sort of the deletions); these take a few.
//! [`super::vocab`] decides what to correct; this module only stores and finds.

use std::sync::Arc;

/// FNV-1a over bytes.
#[must_use]
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
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
        // Byte by byte: `lines()` and `split_whitespace()` cost several milliseconds here.
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
        let mut table = English {
            text,
            entries,
            slots: vec![0; size],
        };
        for i in 0..table.entries.len() {
            let word = table.word(i);
            let mut slot = (fnv(word.as_bytes()) as usize) & (size - 1);
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
        let mut slot = (fnv(word.as_bytes()) as usize) & mask;
        loop {
            match self.slots[slot] {
                0 => return None,
                e if self.word(e as usize - 1) == word => return Some(self.count(e as usize - 1)),
                _ => slot = (slot + 1) & mask,
            }
        }
    }
}

/// A multi-valued hash table from a deletion's hash to the words that have it. Keys are the low 32
/// bits of the hash: a collision only adds a candidate, whose real distance is checked, and the
/// table is half the size.
#[derive(Debug, Clone, Default)]
pub struct DeleteIndex {
    /// Open addressing: (key, value); key 0 marks an empty slot (a real 0 is stored as 1).
    slots: Vec<(u32, u32)>,
}

/// The key of a hash.
fn key(hash: u64) -> u32 {
    ((hash ^ (hash >> 32)) as u32).max(1)
}

impl DeleteIndex {
    /// Builds the index of `pairs` (deletion hash, word index); `n` is about how many there are.
    #[must_use]
    pub fn new(pairs: impl IntoIterator<Item = (u64, u32)>, n: usize) -> DeleteIndex {
        let mut idx = DeleteIndex {
            slots: vec![(0, 0); capacity(n)],
        };
        let mut len = 0usize;
        for (key, value) in pairs {
            if len * 2 >= idx.slots.len() {
                idx.grow();
            }
            if idx.insert(self::key(key), value) {
                len += 1;
            }
        }
        idx
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![(0, 0); size]);
        for (k, v) in old.into_iter().filter(|e| e.0 != 0) {
            self.insert(k, v);
        }
    }

    /// Inserts a pair unless it is there already; whether it was new.
    fn insert(&mut self, key: u32, value: u32) -> bool {
        let mask = self.slots.len() - 1;
        let mut slot = (key as usize) & mask;
        loop {
            match self.slots[slot] {
                (0, _) => {
                    self.slots[slot] = (key, value);
                    return true;
                }
                e if e == (key, value) => return false,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Every value stored under `key`.
    pub fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let key = key(hash);
        let mask = self.slots.len().max(1) - 1;
        let start = (key as usize) & mask;
        let slots = &self.slots;
        (0..slots.len())
            .map(move |i| slots[(start + i) & mask])
            .take_while(|e| e.0 != 0)
            .filter(move |e| e.0 == key)
            .map(|e| e.1)
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
        let idx = DeleteIndex::new([(7, 1), (7, 2), (9, 3), (7, 1), (0, 4)], 2);
        // 0 and 1 share a key: a collision adds a candidate, nothing more.
        let mut seven: Vec<u32> = idx.get(7).collect();
        seven.sort_unstable();
        assert_eq!(seven, [1, 2]);
        assert_eq!(idx.get(9).collect::<Vec<_>>(), [3]);
        assert_eq!(idx.get(0).collect::<Vec<_>>(), [4]);
        assert_eq!(idx.get(1).collect::<Vec<_>>(), [4]);
        assert_eq!(idx.get(8).count(), 0);
    }
}
