//! The hasher of the engine's maps keyed by symbol or by word.

/// The hasher of maps keyed by symbol or by word: one rotate and multiply per key or per eight bytes
/// (as rustc's FxHash), not SipHash. Triage and context look up every token of a message in a dozen
/// such maps; with SipHash that was a tenth of the time per message, and hashing words a tenth of
/// the load. Collision attacks do not apply: symbols are our own numbers, and the word maps are
/// filled at load from the knowledge base; a message only looks words up.
#[derive(Debug, Clone, Copy, Default)]
pub struct SymHash;

/// The state of [`SymHash`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SymHasher(u64);

impl std::hash::BuildHasher for SymHash {
    type Hasher = SymHasher;
    fn build_hasher(&self) -> SymHasher {
        SymHasher(0)
    }
}

impl std::hash::Hasher for SymHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}
