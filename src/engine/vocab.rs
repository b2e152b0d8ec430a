//! The second stage: words to canonical tokens, using an English word list and the knowledge
//! base's vocabulary.
//!
//! Owns spelling correction, light stemming ("cramping" -> "cramp"), lexicon synonyms ("charley
//! horse" -> "cramp", "pee" -> "urine") and interning tokens as numbers. Knowledge phrases go through
//! the same steps, minus correction, so both sides meet in one canonical form.
//!
//! Correction trusts English: a word on the English word list (`knowledge/words/en.txt`, about
//! 54,000 words with frequencies) or in the knowledge base is never changed, so "bars" stays "bars"
//! and cannot become "barf". Any other word is corrected to the most frequent word within its edit
//! distance (a symmetric-delete index in the style of SymSpell over the knowledge base's words and the
//! most frequent English words, checked with `strsim`'s optimal string alignment distance); a
//! knowledge-base word wins only among equally likely candidates. Short words must match exactly.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

pub use super::hash::{SymHash, SymHasher};
use super::knowledge::{builtin_words, Knowledge, Language, BUILTIN_WORD_TABLES};
use super::normalise::{collapse_runs, words_of, Normalised};
pub use super::words::MAX_CORRECT_CHARS;
use super::words::{deletes, deletes_into, DeleteIndex, English, INDEXED_WORDS};

/// An interned canonical token.
pub type Sym = u32;
/// The symbol of a word the knowledge base never uses.
pub const UNKNOWN: Sym = Sym::MAX;

/// A map keyed by [`Sym`].
pub type SymMap<V> = HashMap<Sym, V, SymHash>;
/// A set of [`Sym`]s.
pub type SymSet = HashSet<Sym, SymHash>;
/// A map keyed by word.
type WordMap<V> = HashMap<String, V, SymHash>;

/// A canonical token of a message, with where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    /// The canonical token.
    pub sym: Sym,
    /// The clause it stands in.
    pub clause: u32,
    /// The sentence it stands in (a clause break that is not a full stop, `!`, `?` or a new line
    /// keeps the sentence).
    pub sentence: u32,
    /// Its value, when it is a number ("9", "nine").
    pub num: Option<u32>,
    /// Inside brackets: "my daughter (19, at college)".
    pub bracket: bool,
    /// Its sentence has a question mark.
    pub question: bool,
}

/// The most frequent English words that are offered as corrections besides the knowledge base's
/// own words. Typos of rarer words stay unknown rather than become a knowledge word. 12,000 covers
/// the everyday words parents type; the index costs about 1 ms of loading per 5,000 words.
pub const CORRECTION_WORDS: usize = 12_000;

/// A knowledge-base word is at least as likely in its language as the word of this rank in the
/// word list (see [`Vocab::weight`]).
pub const KB_RANK: usize = 2_000;

/// A spelling correction made while reading a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// What the parent typed.
    pub from: String,
    /// The word it was read as.
    pub to: String,
}

/// A message after the second stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Words {
    /// Canonical tokens.
    pub toks: Vec<Tok>,
    /// Spelling corrections made.
    pub corrections: Vec<Correction>,
    /// Words the knowledge base does not know, with the position of their token: "camping" in
    /// "cramps before the camping trip".
    pub unknown: Vec<(usize, String)>,
}

/// A synonym: the variant's stemmed tokens and the canonical stemmed tokens that replace them.
type Synonym = (Vec<String>, Vec<String>);

/// The vocabulary built from a knowledge base.
#[derive(Debug, Clone)]
pub struct Vocab {
    syms: WordMap<Sym>,
    names: Vec<String>,
    /// The knowledge base's raw words, and how often each occurs in English (thousands; 1 when
    /// the list does not have it).
    kb_words: Vec<(String, u32)>,
    /// Raw words of the knowledge base (and their stems), never corrected.
    known: HashSet<String, SymHash>,
    /// The English word list with frequencies (thousands). Never corrected either.
    english: English,
    /// Symmetric-delete index of the knowledge base's words: the hash of a word with up to two
    /// letters deleted -> indexes into `kb_words`. Hashes, not strings: a collision only adds a
    /// candidate, and every candidate's real distance is checked.
    deletes: DeleteIndex,
    /// The same for the most frequent English words (one letter deleted) -> places in `english`;
    /// built at compile time for the shipped word lists.
    english_deletes: DeleteIndex,
    /// English words before this place that are not the knowledge base's own are offered as
    /// corrections: the first [`CORRECTION_WORDS`] such words.
    english_upto: usize,
    /// Synonym variants (as stemmed token sequences) -> canonical stemmed tokens, longest first per
    /// first token.
    synonyms: WordMap<Vec<Synonym>>,
    stop: SymSet,
    /// How the language is read: its stemmer and tables.
    lang: Language,
    /// log2 of the word list's total count: a word's weight is log2(count) less this.
    log_total: f32,
    /// The count a knowledge-base word is given at least: the list's [`KB_RANK`]-th word's.
    kb_count: u32,
    /// Number words by their stem ("five" stems to "fiv"), for number tokens.
    numbers: WordMap<u32>,
    /// Someone else's words ("marido", "sister"): a typo is read as one only when it can be read
    /// as nothing else, since such a word takes the signs after it off the child.
    others: HashSet<String>,
    /// While the indexes are built: the words of each knowledge text, and each phrase's tokens.
    /// The same texts come back from several indexes (a body part in a dozen red flags), and
    /// normalising them again was a quarter of loading. [`Vocab::built`] drops them.
    raw: WordMap<Vec<String>>,
    phrases: WordMap<Vec<Sym>>,
    /// The stems of the knowledge base's words, looked up before the stemmer is run: the Spanish
    /// stemmer took a sixth of loading, and most words of a message are the knowledge base's.
    stems: WordMap<String>,
    /// Each interned token's value as a number, found once when the indexes are built
    /// ([`Vocab::built`]): a message's known words are not looked up in the number tables again.
    sym_numbers: Vec<Option<u32>>,
}

impl Vocab {
    /// Builds the vocabulary of `k`, plus `extra` words the engine itself relies on (negation terms).
    #[must_use]
    pub fn new(k: &Knowledge, extra: &[&str]) -> Vocab {
        let (english, english_deletes) = word_tables(k);
        let lang = &k.language;
        let stem = |w: &str| lang.stem(w);
        let raw_words = |text: &str| raw_words(text, lang);
        let mut v = Vocab {
            syms: WordMap::default(),
            names: Vec::new(),
            kb_words: Vec::new(),
            known: HashSet::default(),
            english: English::new("".into()),
            deletes: DeleteIndex::default(),
            english_deletes: DeleteIndex::default(),
            english_upto: 0,
            synonyms: WordMap::default(),
            stop: SymSet::default(),
            lang: lang.clone(),
            log_total: 0.0,
            kb_count: 1,
            numbers: lang.numbers.iter().map(|(w, &n)| (stem(w), n)).collect(),
            others: k
                .context
                .other
                .iter()
                .filter(|w| !w.contains(' '))
                .cloned()
                .collect(),
            raw: WordMap::default(),
            phrases: WordMap::default(),
            stems: WordMap::default(),
            sym_numbers: Vec::new(),
        };
        for (canonical, variants) in &k.lexicon.synonyms {
            let to: Vec<String> = raw_words(canonical).iter().map(|w| stem(w)).collect();
            for variant in variants {
                let from: Vec<String> = raw_words(variant).iter().map(|w| stem(w)).collect();
                if let Some(first) = from.first() {
                    v.synonyms
                        .entry(first.clone())
                        .or_default()
                        .push((from.clone(), to.clone()));
                }
            }
        }
        for list in v.synonyms.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }

        // The knowledge base's own words: every phrase, subject word, ask form, red-flag word,
        // synonym and scope word.
        // Each text's words are kept for `phrase`, which reads most of these texts again.
        let mut raw: WordMap<Vec<String>> = WordMap::default();
        let mut add = |text: &str| {
            let key = text.trim();
            if !raw.contains_key(key) {
                raw.insert(key.to_owned(), raw_words(key));
            }
        };
        for t in &k.topics {
            t.phrases.iter().for_each(|p| add(p));
            add(&t.title);
        }
        for s in &k.subjects {
            s.words.iter().for_each(|w| add(w));
        }
        for a in &k.asks {
            a.forms.iter().chain(&a.signals).for_each(|f| add(f));
        }
        for f in &k.red_flags {
            f.phrases.iter().for_each(|p| add(p));
            for n in &f.near {
                n.words
                    .iter()
                    .flatten()
                    .chain(&n.except)
                    .for_each(|w| add(w));
            }
        }
        for (canonical, variants) in &k.lexicon.synonyms {
            add(canonical);
            variants.iter().for_each(|w| add(w));
        }
        let sc = &k.scope;
        for w in k
            .lexicon
            .stopwords
            .iter()
            .chain(&k.lexicon.cramp_words)
            .chain(&sc.greeting)
            .chain(&sc.thanks)
            .chain(&sc.small_talk)
            .chain(&sc.check)
            .chain(&sc.other_symptoms)
            .chain(&sc.requests)
            .chain(&sc.adult)
            .chain(&sc.child)
        {
            add(w);
        }
        extra.iter().for_each(|w| add(w));
        let kb: HashSet<&str, SymHash> = raw
            .values()
            .flatten()
            .map(String::as_str)
            .filter(|w| !w.contains('{') && !w.bytes().any(|b| b.is_ascii_digit()))
            .collect();
        let mut kb: Vec<&str> = kb.into_iter().collect();
        kb.sort_unstable();
        // A knowledge word missing from the English list counts as a rare listed word.
        let kb_words: Vec<(String, u32)> = kb
            .into_iter()
            .map(|w| (w.to_owned(), english.freq(w).unwrap_or(1)))
            .collect();
        for (w, _) in &kb_words {
            let s = stem(w);
            v.known.insert(s.clone());
            v.known.insert(w.clone());
            v.stems.insert(w.clone(), s);
        }
        // The list is most frequent first: its first words not in the knowledge base.
        let mut offered = 0;
        v.english_upto = english.len();
        for i in 0..english.len() {
            if offered == CORRECTION_WORDS {
                v.english_upto = i;
                break;
            }
            if !v.known.contains(english.word(i)) {
                offered += 1;
            }
        }
        // The tables built ahead index the first `INDEXED_WORDS`; a knowledge base that uses more of
        // the most frequent words than that leaves room for needs its own.
        let english_deletes = if v.english_upto <= INDEXED_WORDS {
            english_deletes
        } else {
            DeleteIndex::english(&english, v.english_upto)
        };
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(kb_words.len() * 12);
        let mut buf = Vec::new();
        for (i, (w, _)) in kb_words.iter().enumerate() {
            let n = w.chars().count();
            if !(4..=MAX_CORRECT_CHARS).contains(&n) {
                continue;
            }
            // Two deletions only for the knowledge base's long words ("magnseium"): for 20,000
            // English words they would multiply the index by five.
            let depth = if n >= 9 { 2 } else { 1 };
            deletes_into(w, depth, &mut buf);
            pairs.extend(buf.iter().map(|&d| (d, to_u32(i))));
        }
        v.deletes = DeleteIndex::new(pairs.iter().copied(), pairs.len());
        v.english_deletes = english_deletes;
        let total: f64 = (0..english.len())
            .map(|i| f64::from(english.count(i)))
            .sum();
        v.log_total = total.max(1.0).log2() as f32;
        v.kb_count = english
            .len()
            .checked_sub(1)
            .map_or(1, |last| english.count(last.min(KB_RANK - 1)));
        v.english = english;
        v.kb_words = kb_words;
        v.raw = raw;
        for w in &k.lexicon.stopwords {
            for s in raw_words(w) {
                let sym = v.intern(&stem(&s));
                v.stop.insert(sym);
            }
        }
        v
    }

    /// The symbol of a canonical token, adding it when new. Used while building indexes.
    pub fn intern(&mut self, token: &str) -> Sym {
        if let Some(&s) = self.syms.get(token) {
            return s;
        }
        let s = Sym::try_from(self.names.len()).unwrap_or(UNKNOWN - 1);
        self.syms.insert(token.to_owned(), s);
        self.names.push(token.to_owned());
        s
    }

    /// The symbol of a canonical token, or [`UNKNOWN`].
    #[must_use]
    pub fn sym(&self, token: &str) -> Sym {
        self.syms.get(token).copied().unwrap_or(UNKNOWN)
    }

    /// The canonical token of a symbol.
    #[must_use]
    pub fn name(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map_or("?", String::as_str)
    }

    /// Whether a symbol is a stopword.
    #[must_use]
    pub fn is_stop(&self, sym: Sym) -> bool {
        self.stop.contains(&sym)
    }

    /// Number of interned tokens.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing is interned.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The tokens of knowledge phrases, less their stopwords: "brinca el musculo" names no cramp by
    /// its "el".
    pub fn content_words(&mut self, phrases: &[String]) -> SymSet {
        let syms: Vec<Sym> = phrases.iter().flat_map(|w| self.phrase(w)).collect();
        syms.into_iter().filter(|&s| !self.is_stop(s)).collect()
    }

    /// A knowledge phrase as canonical tokens, interning them (no spelling correction).
    pub fn phrase(&mut self, text: &str) -> Vec<Sym> {
        let key = text.trim();
        if let Some(syms) = self.phrases.get(key) {
            return syms.clone();
        }
        // Each word's buffer takes its stem: a phrase is read once (`phrases` keeps it), and
        // building the engine reads thousands.
        let words = match self.raw.remove(key) {
            Some(words) => words,
            None => raw_words(key, &self.lang),
        };
        let stems: Vec<String> = words
            .into_iter()
            .map(|mut w| {
                match self.stem_of(&w) {
                    Cow::Borrowed(s) if s != w => {
                        w.clear();
                        w.push_str(s);
                    }
                    Cow::Borrowed(_) => {}
                    Cow::Owned(s) => w = s,
                }
                w
            })
            .collect();
        let canon = self.apply_synonyms(stems);
        let syms: Vec<Sym> = canon.iter().map(|(t, _)| self.intern(t)).collect();
        self.phrases.insert(key.to_owned(), syms.clone());
        syms
    }

    /// Drops what only building the indexes needed.
    pub fn built(&mut self) {
        self.raw = WordMap::default();
        self.phrases = WordMap::default();
        // A token is a number when it is all digits or a number word: only those are looked up.
        let mut nums: Vec<Option<u32>> = self
            .names
            .iter()
            .map(|t| {
                let digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
                if digits {
                    self.number(t)
                } else {
                    None
                }
            })
            .collect();
        let words = self.lang.numbers.keys().chain(self.numbers.keys());
        for w in words {
            if let Some(n) = nums.get_mut(self.sym(w) as usize) {
                *n = self.number(w);
            }
        }
        self.sym_numbers = nums;
    }

    /// A parent's message as canonical tokens, with the corrections made and the words the
    /// knowledge base does not know (by token position).
    #[must_use]
    pub fn message(&self, n: &Normalised) -> Words {
        let mut corrections = Vec::new();
        let mut stems = Vec::with_capacity(n.words.len());
        let mut clauses = Vec::with_capacity(n.words.len());
        for w in &n.words {
            let corrected = self.correct(&w.text);
            stems.push(self.stem(corrected.as_deref().unwrap_or(&w.text)));
            clauses.push((w.clause, w.sentence, w.bracket));
            if let Some(to) = corrected {
                corrections.push(Correction {
                    from: w.text.clone(),
                    to,
                });
            }
        }
        let mut unknown = Vec::new();
        let toks = self
            .apply_synonyms(stems)
            .into_iter()
            .enumerate()
            .map(|(at, (t, i))| {
                let sym = self.sym(&t);
                let num = match self.sym_numbers.get(sym as usize) {
                    Some(&n) => n,
                    None => self.number(&t),
                };
                let tok = Tok {
                    sym,
                    clause: clauses[i].0,
                    sentence: clauses[i].1,
                    num,
                    bracket: clauses[i].2,
                    question: n.questions.contains(&clauses[i].1),
                };
                if tok.sym == UNKNOWN && tok.num.is_none() {
                    unknown.push((at, n.words[i].text.clone()));
                }
                tok
            })
            .collect();
        Words {
            toks,
            corrections,
            unknown,
        }
    }

    /// The stem of a word, by the language's stemmer.
    #[must_use]
    pub fn stem(&self, word: &str) -> String {
        self.stem_of(word).into_owned()
    }

    /// [`Vocab::stem`], borrowed when the word is the knowledge base's (its stem is kept).
    fn stem_of(&self, word: &str) -> Cow<'_, str> {
        match self.stems.get(word) {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(self.lang.stem(word)),
        }
    }

    /// The value of a canonical token that is a number ("9"; "nine", whose stem is "nin").
    #[must_use]
    pub fn number(&self, token: &str) -> Option<u32> {
        self.lang
            .number(token)
            .or_else(|| self.numbers.get(token).copied())
    }

    /// How likely a raw word is in this language, as log2 of its share of the word list; a word of
    /// the knowledge base counts as at least an everyday word (as common as the list's
    /// [`KB_RANK`]-th word: its authors chose it because parents write it, though a book corpus may
    /// hardly know "ok" or "gatorade"); `None` for a word the language does not know. Used to
    /// tell languages apart.
    #[must_use]
    pub fn weight(&self, word: &str) -> Option<f32> {
        let listed = self.english.freq(word);
        let count = match (listed, self.known.contains(word)) {
            (Some(c), true) => c.max(self.kb_count),
            (Some(c), false) => c,
            (None, true) => self.kb_count,
            (None, false) => return None,
        };
        Some((count.max(1) as f32).log2() - self.log_total)
    }

    /// Whether a raw word is one of the knowledge base's own (a phrase, synonym or scope word).
    #[must_use]
    pub fn in_knowledge(&self, word: &str) -> bool {
        self.known.contains(word)
    }

    /// [`Vocab::weight`], or for a typo this language corrects ("crmps"), the weight of the word it
    /// is read as, made eight times less likely (a slip is rarer than the word typed right).
    #[must_use]
    pub fn weight_or_typo(&self, word: &str) -> Option<f32> {
        self.weight(word).or_else(|| {
            let to = self.correct(word)?;
            Some(self.weight(&to)? - 3.0)
        })
    }

    /// The weight of a word this language does not know: below any word it knows.
    #[must_use]
    pub fn unknown_weight(&self) -> f32 {
        -1.0 - self.log_total
    }

    /// Whether a raw word is one the language reads: a known word, or a typo it corrects.
    #[must_use]
    pub fn reads(&self, word: &str) -> bool {
        self.is_known(word) || self.correct(word).is_some()
    }

    /// The language the vocabulary reads.
    #[must_use]
    pub fn language(&self) -> &Language {
        &self.lang
    }

    /// Whether a raw word is English or the knowledge base's: such a word is never corrected.
    #[must_use]
    pub fn is_known(&self, word: &str) -> bool {
        self.known.contains(word)
            || self.english.freq(word).is_some()
            || self.known.contains(&self.stem(word))
    }

    /// The correction of a word that is neither English nor the knowledge base's, if one is close
    /// enough.
    fn correct(&self, word: &str) -> Option<String> {
        if word.bytes().any(|b| b.is_ascii_digit()) || self.is_known(word) {
            return None;
        }
        // "craaamp" was shortened to "craamp" by the first stage; try one letter per run too.
        let single = collapse_runs(word, 1);
        if single != word && self.is_known(&single) {
            return Some(single);
        }
        self.nearest(word)
            .or_else(|| (single != word).then(|| self.nearest(&single)).flatten())
            .or_else(|| self.derived_from(word))
    }

    /// The knowledge base's word an unknown derived word comes from, by the language's `derived`
    /// endings: "pinkness" -> "pink", "puffiness" -> "puffy". At least three letters stay.
    fn derived_from(&self, word: &str) -> Option<String> {
        self.lang.derived.iter().find_map(|(ending, base)| {
            let stem = word.strip_suffix(ending.as_str())?;
            let from = format!("{stem}{base}");
            (stem.len() >= 3 && self.known.contains(&from)).then_some(from)
        })
    }

    fn nearest(&self, word: &str) -> Option<String> {
        let n = word.chars().count();
        // Short words must match exactly: "leg" is one letter from "log", "lag" and "beg".
        if !(4..=MAX_CORRECT_CHARS).contains(&n) {
            return None;
        }
        let first = word.chars().next();
        let max = if n >= 9 { 2 } else { 1 };
        // Ranked by (not someone else's word, score): "mariado" is "mareado" (dizzy), not "marido".
        let mut best: Option<(bool, f32, &str)> = None;
        let mut seen = HashSet::new();
        let ds = deletes(word, max);
        let kb = ds.iter().flat_map(|&d| self.deletes.get(d)).map(|i| {
            let (w, f) = &self.kb_words[i as usize];
            (true, i, w.as_str(), *f)
        });
        let english = ds
            .iter()
            .flat_map(|&d| self.english_deletes.get(d))
            .filter(|&i| (i as usize) < self.english_upto)
            .map(|i| {
                (
                    false,
                    i,
                    self.english.word(i as usize),
                    self.english.count(i as usize),
                )
            })
            .filter(|&(_, _, w, _)| !self.known.contains(w));
        for (in_kb, i, cand, freq) in kb.chain(english) {
            {
                if !seen.insert((in_kb, i)) {
                    continue;
                }
                let dist = strsim::osa_distance(word, cand);
                let same_first = cand.chars().next() == first;
                // Thresholds by length: 4-5 letters one edit keeping the first letter; 6-8 letters
                // one edit; 9 or more letters two edits. Two edits in a 6-letter word turn real words
                // into others ("carpet" -> "carrot", "sanity" -> "salty").
                let allowed = match n {
                    4..=5 => dist <= 1 && same_first,
                    6..=8 => dist <= 1,
                    _ => dist <= 2,
                };
                if !allowed {
                    continue;
                }
                // A noisy channel: how common the word is (log2 of its frequency), less how unlikely
                // the slip is that turns it into what was typed, plus a little for the knowledge
                // base's own words ("equally likely" is within a factor of about three).
                let score = freq.max(1).ilog2() as f32 - slip_cost(word, cand, dist)
                    + if in_kb { KB_BONUS } else { 0.0 }
                    - if same_first { 0.0 } else { 2.0 };
                let mine = !self.others.contains(cand);
                let better = match best {
                    None => true,
                    Some((m, b, w)) => {
                        (mine, score) > (m, b) || mine == m && score == b && cand < w
                    }
                };
                if better {
                    best = Some((mine, score, cand));
                }
            }
        }
        best.map(|(_, _, w)| w.to_owned())
    }

    /// Replaces synonym variants by their canonical tokens, longest variant first; each output token
    /// keeps the index of the input token it came from.
    fn apply_synonyms(&self, mut stems: Vec<String>) -> Vec<(String, usize)> {
        let mut out = Vec::with_capacity(stems.len());
        let mut i = 0;
        'outer: while i < stems.len() {
            if let Some(list) = self.synonyms.get(&stems[i]) {
                for (from, to) in list {
                    if stems[i..].starts_with(from) {
                        out.extend(to.iter().map(|t| (t.clone(), i)));
                        i += from.len();
                        continue 'outer;
                    }
                }
            }
            // Moved, not cloned: tokens before `i` are never read again.
            out.push((std::mem::take(&mut stems[i]), i));
            i += 1;
        }
        out
    }
}

/// Rows of a QWERTY keyboard, for telling a slip of the finger from a different word.
const KEYBOARD: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// Whether two letters sit side by side (or above and below) on a QWERTY keyboard.
fn neighbours(a: char, b: char) -> bool {
    let at = |c: char| {
        KEYBOARD.iter().enumerate().find_map(|(row, keys)| {
            keys.find(c).map(|col| {
                (
                    i32::try_from(row).unwrap_or(0),
                    i32::try_from(col).unwrap_or(0),
                )
            })
        })
    };
    match (at(a), at(b)) {
        (Some((r1, c1)), Some((r2, c2))) => (r1 - r2).abs() <= 1 && (c1 - c2).abs() <= 1,
        _ => false,
    }
}

/// How much more likely a knowledge-base word is than an English word as the meaning of a typo,
/// in powers of two: about three times.
const KB_BONUS: f32 = 1.5;

/// How unlikely it is that a parent meaning `cand` typed `word`, in powers of two, for the slips
/// phones make. A dropped letter is the commonest ("realy", "stif", "crmps"), a swapped pair or a
/// vowel for a vowel ("screeming") next, then a neighbouring key, then an extra letter ("makin"
/// for "main" is less likely than for "making"); a letter far away on the keyboard is rare ("crmps"
/// is not "camps"). Two edits cost more than any one.
fn slip_cost(word: &str, cand: &str, dist: usize) -> f32 {
    if dist != 1 {
        return 4.0 * dist as f32;
    }
    let w: Vec<char> = word.chars().collect();
    let c: Vec<char> = cand.chars().collect();
    let vowel = |x: char| "aeiouy".contains(x);
    // The first position where they differ.
    let at = w.iter().zip(&c).take_while(|(a, b)| a == b).count();
    match c.len().cmp(&w.len()) {
        // Typed one letter short: a doubled letter typed once costs least.
        std::cmp::Ordering::Greater => {
            let doubled = c.get(at + 1) == c.get(at) || at > 0 && c.get(at - 1) == c.get(at);
            if doubled {
                0.0
            } else {
                0.5
            }
        }
        // Typed one letter too many: a repeated key ("helllo") costs little.
        std::cmp::Ordering::Less => {
            let repeat = w.get(at + 1) == w.get(at) || at > 0 && w.get(at - 1) == w.get(at);
            if repeat {
                0.5
            } else {
                2.0
            }
        }
        std::cmp::Ordering::Equal => {
            let swapped = w.get(at + 1) == c.get(at) && w.get(at) == c.get(at + 1);
            if swapped && w.get(at) != w.get(at + 1) {
                0.5
            } else {
                // A vowel for a vowel is how words are misspelt by ear ("screeming").
                match (w.get(at), c.get(at)) {
                    (Some(&a), Some(&b)) if vowel(a) && vowel(b) => 0.5,
                    (Some(&a), Some(&b)) if neighbours(a, b) => 1.0,
                    _ => 3.0,
                }
            }
        }
    }
}

/// The words of a knowledge phrase, normalised as a message would be.
fn raw_words(text: &str, lang: &Language) -> Vec<String> {
    words_of(text, lang)
}

/// The word list's table and the deletions of its most frequent words: read back from what
/// `build.rs` built for a shipped list, built here for a folder's own.
fn word_tables(k: &Knowledge) -> (English, DeleteIndex) {
    let code = k.language.code.as_str();
    let built = BUILTIN_WORD_TABLES
        .iter()
        .find(|(c, ..)| *c == code && builtin_words(code) == &*k.words)
        .and_then(|(_, table, deletes)| {
            English::from_bytes(k.words.clone(), table)
                .map(|e| (e, DeleteIndex::from_bytes(deletes)))
        });
    built.unwrap_or_else(|| {
        let e = English::new(k.words.clone());
        let d = DeleteIndex::english(&e, INDEXED_WORDS);
        (e, d)
    })
}

fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::normalise::normalise;

    /// The word tables `build.rs` made at compile time are the ones loading would build from the
    /// same lists: the same words, counts and slots, and the same deletions.
    #[test]
    fn the_tables_built_ahead_match_the_word_lists() {
        for (code, table, deletes) in BUILTIN_WORD_TABLES {
            let text: std::sync::Arc<str> = builtin_words(code).into();
            let ahead = English::from_bytes(text.clone(), table).expect("the table fits its list");
            let now = English::new(text);
            assert_eq!(ahead.to_bytes(), now.to_bytes(), "{code}");
            assert!(now.len() > 50_000, "{code}: {} words", now.len());
            let now_deletes = DeleteIndex::english(&now, INDEXED_WORDS);
            assert_eq!(
                DeleteIndex::from_bytes(deletes).to_bytes(),
                now_deletes.to_bytes(),
                "{code}"
            );
        }
    }

    /// Found with the `matcher` fuzz target (`fuzz/`, a hand-written input): one 2,000-letter
    /// "word" made the corrector hash every double deletion of it, each over the whole word, and
    /// the answer took minutes.
    #[test]
    fn a_very_long_word_is_not_corrected() {
        let k = crate::engine::Knowledge::builtin().expect("built-in knowledge");
        let v = Vocab::new(&k, &[]);
        for word in ["ab".repeat(1_000), "cramp".repeat(7), "x".repeat(33)] {
            assert_eq!(v.correct(&word), None, "{word}");
            let n = normalise(&word, &k.language);
            let w = v.message(&n);
            assert_eq!(w.toks.len(), 1);
            assert!(w.corrections.is_empty());
        }
        // Ordinary typos are still corrected.
        assert_eq!(v.correct("magnseium").as_deref(), Some("magnesium"));
    }

    /// A derived word nobody lists reads as the knowledge base's word it comes from; a word of the
    /// word list keeps its own meaning, and a base the knowledge base does not know gives nothing.
    #[test]
    fn an_unlisted_derived_word_reads_as_its_base() {
        let k = crate::engine::Knowledge::builtin().expect("built-in knowledge");
        let v = Vocab::new(&k, &[]);
        assert_eq!(v.correct("pinkness").as_deref(), Some("pink"));
        assert_eq!(v.correct("sickness"), None);
        assert_eq!(v.correct("zqxness"), None);
    }

    /// Issue 9: the corrector knew only the knowledge base's words, so every English word it had
    /// never seen was a typo to it: "bars" became "barf" (a vomiting red flag), "carpet" "carrot".
    #[test]
    fn english_words_are_never_corrected() {
        let k = crate::engine::Knowledge::builtin().expect("built-in knowledge");
        let v = Vocab::new(&k, &[]);
        for word in [
            "bars", "carpet", "sanity", "camping", "skates", "week", "brake", "talk",
        ] {
            assert_eq!(v.correct(word), None, "{word}");
        }
        for (typo, word) in [
            ("crmps", "cramps"),
            ("fevr", "fever"),
            ("pukin", "puking"),
            ("realy", "really"),
            ("stif", "stiff"),
            ("makin", "making"),
            ("screamng", "screaming"),
            ("stretchng", "stretching"),
            ("potassuim", "potassium"),
            ("becuase", "because"),
        ] {
            assert_eq!(v.correct(typo).as_deref(), Some(word), "{typo}");
        }
    }

    #[test]
    fn a_typo_is_read_as_someone_else_only_when_nothing_else_fits() {
        let langs = crate::engine::Knowledge::builtin_languages().expect("built-in languages");
        let es = langs
            .iter()
            .find(|k| k.language.code == "es")
            .expect("Spanish");
        let v = Vocab::new(es, &es.context.words());
        // "marido" (husband) is one letter from "mariado", as "marcado" is.
        assert_ne!(v.correct("mariado").as_deref(), Some("marido"));
        assert_eq!(v.correct("maridp").as_deref(), Some("marido"));
    }
}
