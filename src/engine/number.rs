//! The `{n>=K}` and `{n<K}` number patterns of phrases ("for {n>=2} days", "{n>=12} hours", "i am
//! {n<18}").
//!
//! Owns the syntax and its matching against message tokens; knows nothing of red flags. A pattern is a
//! list of [`Pat`]s: canonical tokens, and numbers at least `K` or below `K` (digits or number words:
//! "9 days" and "nine days" both match `{n>=7} days`). Loose durations ("since lunch", "all day", "for days") are
//! written as word alternatives in the knowledge base, not here.

use super::vocab::{Sym, Tok, Vocab};

/// One element of a pattern: a canonical token, or any number at least this large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pat {
    /// This canonical token.
    Sym(Sym),
    /// Any number token at least this large.
    AtLeast(u32),
    /// Any number token smaller than this.
    Below(u32),
}

impl Pat {
    /// Whether a message token matches.
    #[must_use]
    pub fn matches(self, t: &Tok) -> bool {
        match self {
            Pat::Sym(s) => t.sym == s,
            Pat::AtLeast(n) => t.num.is_some_and(|v| v >= n),
            Pat::Below(n) => t.num.is_some_and(|v| v < n),
        }
    }

    /// Whether this is a number pattern.
    #[must_use]
    pub fn is_number(self) -> bool {
        !matches!(self, Pat::Sym(_))
    }
}

/// A phrase as a pattern.
pub type Pattern = Vec<Pat>;

/// The number `K` of a `{n>=K}` word, `None` for any other word.
#[must_use]
pub fn at_least(word: &str) -> Option<u32> {
    word.strip_prefix("{n>=")?
        .strip_suffix('}')?
        .trim()
        .parse()
        .ok()
}

/// The number pattern of a `{n>=K}` or `{n<K}` word, `None` for any other word.
#[must_use]
pub fn number_word(word: &str) -> Option<Pat> {
    if let Some(k) = at_least(word) {
        return Some(Pat::AtLeast(k));
    }
    let k = word
        .strip_prefix("{n<")?
        .strip_suffix('}')?
        .trim()
        .parse()
        .ok()?;
    Some(Pat::Below(k))
}

/// Whether every `{...}` in a phrase is a well-formed `{n>=K}` or `{n<K}` word ("for {n>=2} days").
#[must_use]
pub fn valid_number_patterns(text: &str) -> bool {
    // Most phrases and word groups hold no pattern: one pass over the bytes tells.
    if !text.bytes().any(|b| b == b'{' || b == b'}') {
        return true;
    }
    text.split_whitespace()
        .filter(|w| w.contains('{') || w.contains('}'))
        .all(|w| number_word(w).is_some())
}

/// A phrase as a pattern: canonical tokens (through [`Vocab::phrase`], so both sides meet), with
/// `{n>=K}` standing for any number >= K and `{n<K}` for any number < K.
pub fn pattern(vocab: &mut Vocab, text: &str) -> Pattern {
    let mut out = Vec::new();
    let mut chunk = String::new();
    for word in text.split_whitespace() {
        match number_word(word) {
            Some(n) => {
                out.extend(vocab.phrase(&chunk).into_iter().map(Pat::Sym));
                chunk.clear();
                out.push(n);
            }
            None => {
                chunk.push(' ');
                chunk.push_str(word);
            }
        }
    }
    out.extend(vocab.phrase(&chunk).into_iter().map(Pat::Sym));
    out
}

/// How many filler words a phrase may hold in all ("his legs *just* won't hold him").
pub const MAX_FILLERS: usize = 2;

/// The end of `pattern` matched at `at`, within one clause ("his leg is sore, neck fine" holds no
/// "sore neck"), where up to [`MAX_FILLERS`] words for which `filler` gives an end may stand between
/// its parts (never before its first).
pub fn match_end(
    pattern: &[Pat],
    toks: &[Tok],
    at: usize,
    filler: impl Fn(usize) -> Option<usize>,
) -> Option<usize> {
    let (first, rest) = pattern.split_first()?;
    if !first.matches(toks.get(at)?) {
        return None;
    }
    let clause = toks[at].clause;
    let mut j = at + 1;
    let mut skipped = 0;
    for p in rest {
        loop {
            let t = toks.get(j).filter(|t| t.clause == clause)?;
            if p.matches(t) {
                j += 1;
                break;
            }
            let e = filler(j).filter(|&e| {
                skipped + (e - j) <= MAX_FILLERS && toks[j..e].iter().all(|f| f.clause == clause)
            })?;
            skipped += e - j;
            j = e;
        }
    }
    Some(j)
}

/// Whether `pattern` matches `toks` at `at`.
#[must_use]
pub fn matches_at(pattern: &[Pat], toks: &[Tok], at: usize) -> bool {
    let end = at + pattern.len();
    end <= toks.len() && toks[at..end].iter().zip(pattern).all(|(t, p)| p.matches(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_reads_only_well_formed_words() {
        assert_eq!(at_least("{n>=7}"), Some(7));
        assert_eq!(at_least("{n>= 12 }"), Some(12));
        assert_eq!(at_least("{n>7}"), None);
        assert_eq!(at_least("days"), None);
        assert!(valid_number_patterns("for {n>=2} days"));
        assert!(!valid_number_patterns("for {n>=two} days"));
    }

    #[test]
    fn below_reads_numbers_under_its_bound() {
        assert_eq!(number_word("{n<18}"), Some(Pat::Below(18)));
        assert_eq!(number_word("{n>=7}"), Some(Pat::AtLeast(7)));
        assert_eq!(number_word("{n<=18}"), None);
        assert!(valid_number_patterns("i am {n<18}"));
        let tok = |num| Tok {
            sym: 0,
            clause: 0,
            sentence: 0,
            num,
            bracket: false,
            question: false,
        };
        assert!(Pat::Below(18).matches(&tok(Some(15))));
        assert!(!Pat::Below(18).matches(&tok(Some(18))));
        assert!(!Pat::Below(18).matches(&tok(None)));
    }

    /// Tokens of one clause, numbered by their word: "a" is 0, "b" 1, and so on.
    fn toks(words: &str) -> Vec<Tok> {
        words
            .split(' ')
            .map(|w| Tok {
                sym: Sym::from(w.as_bytes()[0] - b'a'),
                clause: 0,
                sentence: 0,
                num: None,
                bracket: false,
                question: false,
            })
            .collect()
    }

    /// "f" is a filler of one word.
    fn filler(t: &[Tok]) -> impl Fn(usize) -> Option<usize> + '_ {
        move |j| (t[j].sym == 5).then_some(j + 1)
    }

    #[test]
    fn fillers_may_stand_between_the_parts_of_a_phrase() {
        let p = |w: &str| -> Pattern { toks(w).iter().map(|t| Pat::Sym(t.sym)).collect() };
        let msg = toks("a f b c");
        assert_eq!(match_end(&p("a b c"), &msg, 0, filler(&msg)), Some(4));
        // Never before the first word, and at most two in all.
        let msg = toks("f a b");
        assert_eq!(match_end(&p("a b"), &msg, 0, filler(&msg)), None);
        let msg = toks("a f f f b");
        assert_eq!(match_end(&p("a b"), &msg, 0, filler(&msg)), None);
        let msg = toks("a f f b");
        assert_eq!(match_end(&p("a b"), &msg, 0, filler(&msg)), Some(4));
    }
}
