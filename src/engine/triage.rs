//! The fourth stage: red flags, negation-aware, to an urgency [`Level`].
//!
//! Runs on the canonical, spelling-corrected tokens. A flag fires on one of its exact phrases or on a
//! `near` combination (every word group within a window). Negation follows NegEx (Chapman et al.,
//! 2001): a trigger ("no", "not", "without", "never", ...) negates what follows it within
//! [`SCOPE`] tokens of the same clause, unless a terminator ("but", "though", "except", "and", ...)
//! ends the scope first; "fever free" and "swelling: none" negate backwards. Pseudo-triggers such as
//! "not sure" and "don't think" are uncertainty, not negation, and do not negate: when unsure,
//! CrampCare escalates. The highest level that fires wins.

use super::knowledge::{Knowledge, Level};
use std::collections::HashMap;

use super::vocab::{Sym, Tok, Vocab};

/// How many tokens after a trigger it negates (NegEx uses five words).
pub const SCOPE: usize = 5;

/// `except` words cancel a combination when they stand this close to it.
pub const EXCEPT_MARGIN: usize = 3;

/// Words that negate what follows.
pub const TRIGGERS: &[&str] = &["no", "not", "without", "never", "neither", "nor", "deny"];
/// Words that negate what stands just before them ("fever free", "swelling none").
pub const POST_TRIGGERS: &[&str] = &["free", "none"];
/// A trigger followed by one of these is uncertainty, not negation.
pub const PSEUDO_AFTER: &[&str] = &[
    "sure", "certain", "know", "tell", "think", "only", "just", "matter", "idea", "positive",
];
/// Words that end a negation's scope.
pub const TERMINATORS: &[&str] = &[
    "but", "however", "though", "although", "except", "yet", "still", "and", "because", "since",
    "so", "which", "while", "apart", "aside", "now", "just", "only",
];

/// A red flag that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// Index into [`Knowledge::red_flags`].
    pub flag: usize,
    /// Its level.
    pub level: Level,
}

/// The result of triage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Triage {
    /// The highest level that fired, or routine.
    pub level: Level,
    /// The flags that fired, highest level first.
    pub fired: Vec<Fired>,
    /// Flags whose words were present but negated (kept for explanation and tests).
    pub negated: Vec<usize>,
}

/// One element of a red-flag pattern: a canonical token, or any number at least this large
/// (written `{n>=7}` in the knowledge base, as in "{n>=7} days").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pat {
    Sym(Sym),
    AtLeast(u32),
}

impl Pat {
    fn matches(self, t: &Tok) -> bool {
        match self {
            Pat::Sym(s) => t.sym == s,
            Pat::AtLeast(n) => t.num.is_some_and(|v| v >= n),
        }
    }
}

/// The number `K` of a `{n>=K}` word, `None` for any other word.
fn at_least(word: &str) -> Option<u32> {
    word.strip_prefix("{n>=")?
        .strip_suffix('}')?
        .trim()
        .parse()
        .ok()
}

/// Whether every `{...}` in a red-flag phrase is a well-formed `{n>=K}` word ("for {n>=2} days").
#[must_use]
pub fn valid_number_patterns(text: &str) -> bool {
    text.split_whitespace()
        .filter(|w| w.contains('{') || w.contains('}'))
        .all(|w| at_least(w).is_some())
}

/// A red-flag phrase as a pattern: canonical tokens, with `{n>=K}` standing for any number >= K.
fn pattern(vocab: &mut Vocab, text: &str) -> Vec<Pat> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    for word in text.split_whitespace() {
        match at_least(word) {
            Some(n) => {
                out.extend(vocab.phrase(&chunk).into_iter().map(Pat::Sym));
                chunk.clear();
                out.push(Pat::AtLeast(n));
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

type Pattern = Vec<Pat>;

/// A word group of a `near` combination: where its hits are collected.
#[derive(Debug, Clone)]
struct NearIdx {
    /// Hit slots of the groups, the finding first.
    groups: Vec<usize>,
    within: usize,
    /// Hit slot of the `except` words.
    except: usize,
}

#[derive(Debug, Clone)]
struct FlagIdx {
    level: Level,
    /// Hit slot of the flag's exact phrases.
    phrases: usize,
    near: Vec<NearIdx>,
}

/// One pattern and the hit slot its matches go to.
#[derive(Debug, Clone)]
struct Atom {
    pattern: Pattern,
    slot: usize,
}

/// The red-flag index of a knowledge base. Every phrase, word-group alternative and `except` word
/// is an [`Atom`] indexed by its first token, so a message is scanned once whatever the number of
/// flags; each atom's matches land in a slot that the flag checks read.
#[derive(Debug, Clone)]
pub struct Triager {
    flags: Vec<FlagIdx>,
    atoms: Vec<Atom>,
    by_first: HashMap<Sym, Vec<usize>>,
    /// Atoms that start with a number pattern.
    numeric: Vec<usize>,
    slots: usize,
    triggers: Vec<Sym>,
    post: Vec<Sym>,
    pseudo: Vec<Sym>,
    terminators: Vec<Sym>,
}

/// A match of a phrase or group at `start..end`.
pub type Span = (usize, usize);

/// Builds atoms and slots.
struct Builder<'v> {
    vocab: &'v mut Vocab,
    atoms: Vec<Atom>,
    slots: usize,
}

impl Builder<'_> {
    /// A new slot filled by the given texts.
    fn slot<'t>(&mut self, texts: impl IntoIterator<Item = &'t String>) -> usize {
        let slot = self.slots;
        self.slots += 1;
        for t in texts {
            let pattern = pattern(self.vocab, t);
            if !pattern.is_empty() {
                self.atoms.push(Atom { pattern, slot });
            }
        }
        slot
    }
}

impl Triager {
    /// Indexes the red flags of `k`.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> Triager {
        let mut syms = |list: &[&str]| -> Vec<Sym> {
            list.iter()
                .flat_map(|w| vocab.phrase(w))
                .collect::<Vec<_>>()
        };
        let triggers = syms(TRIGGERS);
        let post = syms(POST_TRIGGERS);
        let pseudo = syms(PSEUDO_AFTER);
        let terminators = syms(TERMINATORS);
        let mut b = Builder {
            vocab,
            atoms: Vec::new(),
            slots: 0,
        };
        let flags = k
            .red_flags
            .iter()
            .map(|f| FlagIdx {
                level: f.level,
                phrases: b.slot(&f.phrases),
                near: f
                    .near
                    .iter()
                    .map(|n| NearIdx {
                        groups: n.words.iter().map(|g| b.slot(g)).collect(),
                        within: n.within,
                        except: b.slot(&n.except),
                    })
                    .collect(),
            })
            .collect();
        let mut by_first: HashMap<Sym, Vec<usize>> = HashMap::new();
        let mut numeric = Vec::new();
        for (i, a) in b.atoms.iter().enumerate() {
            match a.pattern[0] {
                Pat::Sym(s) => by_first.entry(s).or_default().push(i),
                Pat::AtLeast(_) => numeric.push(i),
            }
        }
        Triager {
            flags,
            atoms: b.atoms,
            by_first,
            numeric,
            slots: b.slots,
            triggers,
            post,
            pseudo,
            terminators,
        }
    }

    /// Every atom's matches in the message, by slot.
    fn hits(&self, toks: &[Tok]) -> Vec<Vec<Span>> {
        let mut hits: Vec<Vec<Span>> = vec![Vec::new(); self.slots];
        for (i, t) in toks.iter().enumerate() {
            let by_sym = self.by_first.get(&t.sym).into_iter().flatten();
            let by_num = t
                .num
                .is_some()
                .then_some(&self.numeric)
                .into_iter()
                .flatten();
            for &ai in by_sym.chain(by_num) {
                let a = &self.atoms[ai];
                let end = i + a.pattern.len();
                if end <= toks.len()
                    && toks[i..end]
                        .iter()
                        .zip(&a.pattern)
                        .all(|(t, p)| p.matches(t))
                {
                    hits[a.slot].push((i, end));
                }
            }
        }
        hits
    }

    /// Finds the red flags in a message, given its negation [`Marks`].
    #[must_use]
    pub fn triage(&self, toks: &[Tok], marks: &Marks) -> Triage {
        let hits = self.hits(toks);
        let mut out = Triage::default();
        for (i, f) in self.flags.iter().enumerate() {
            let phrases = &hits[f.phrases];
            let mut seen = !phrases.is_empty();
            let mut fired = phrases.iter().any(|&span| !marks.negates(span));
            if !fired {
                for n in &f.near {
                    match near(&hits, n, marks) {
                        Some(true) => {
                            fired = true;
                            break;
                        }
                        Some(false) => seen = true,
                        None => {}
                    }
                }
            }
            if fired {
                out.fired.push(Fired {
                    flag: i,
                    level: f.level,
                });
            } else if seen {
                out.negated.push(i);
            }
        }
        out.fired
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.flag.cmp(&b.flag)));
        out.level = out.fired.first().map_or(Level::Routine, |f| f.level);
        out
    }

    /// For each position, the negation trigger whose scope covers it, if any. Matching uses the
    /// marks too: "no new meds" is no reason to talk about medicines.
    #[must_use]
    pub fn negation(&self, toks: &[Tok]) -> Marks {
        let mut m = Marks {
            pre: vec![None; toks.len()],
            post: vec![None; toks.len()],
        };
        for (i, t) in toks.iter().enumerate() {
            if self.post.contains(&t.sym) {
                let from = i.saturating_sub(2);
                for (j, before) in toks[from..i].iter().enumerate() {
                    if before.clause == t.clause {
                        m.post[from + j] = Some(i);
                    }
                }
                continue;
            }
            if !self.triggers.contains(&t.sym) {
                continue;
            }
            if toks
                .get(i + 1)
                .is_some_and(|n| self.pseudo.contains(&n.sym))
            {
                continue;
            }
            for (j, after) in toks.iter().enumerate().skip(i + 1).take(SCOPE) {
                if after.clause != t.clause || self.terminators.contains(&after.sym) {
                    break;
                }
                m.pre[j] = Some(i);
            }
        }
        m
    }
}

/// `Some(true)` when a combination occurs un-negated, `Some(false)` when it occurs only negated,
/// `None` when it does not occur.
fn near(hits: &[Vec<Span>], n: &NearIdx, marks: &Marks) -> Option<bool> {
    let groups: Vec<&Vec<Span>> = n.groups.iter().map(|&g| &hits[g]).collect();
    if groups.iter().any(|g| g.is_empty()) {
        return None;
    }
    let excepted = &hits[n.except];
    let mut seen = false;
    // Anchor on each hit of the first group (the finding: "swollen", "dark", "hurt"); from every
    // other group take the nearest hit in the window. Negation applies to the finding, not to
    // where it is: "no swelling in her calf, but it has hurt since yesterday" still fires.
    for &anchor in groups[0] {
        let mut parts = vec![anchor];
        let all = groups[1..].iter().all(|group| {
            let best = group
                .iter()
                .filter(|&&(s, e)| e.max(anchor.1) - s.min(anchor.0) <= n.within + 1)
                .min_by_key(|&&(s, _)| s.abs_diff(anchor.0));
            best.map(|&h| parts.push(h)).is_some()
        });
        if !all {
            continue;
        }
        let lo = parts.iter().map(|p| p.0).min().unwrap_or(anchor.0);
        let hi = parts.iter().map(|p| p.1).max().unwrap_or(anchor.1);
        let window = (lo.saturating_sub(EXCEPT_MARGIN), hi + EXCEPT_MARGIN);
        if excepted.iter().any(|&(s, e)| s < window.1 && e > window.0) {
            continue;
        }
        seen = true;
        if !marks.negated(anchor.0, &parts) {
            return Some(true);
        }
    }
    seen.then_some(false)
}

/// Which negation trigger covers each position of a message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marks {
    /// A trigger before the position ("no fever").
    pre: Vec<Option<usize>>,
    /// A trigger after it ("fever free").
    post: Vec<Option<usize>>,
}

impl Marks {
    /// Whether the part of a finding that starts at `at` is negated by a trigger that is not itself
    /// one of the finding's `parts`: "can not walk" is not a negated "walk", and "dairy free" is a
    /// diet, not a negated "dairy".
    fn negated(&self, at: usize, parts: &[Span]) -> bool {
        let outside = |p: usize| !parts.iter().any(|&(s, e)| s <= p && p < e);
        self.pre[at].is_some_and(outside) || self.post[at].is_some_and(outside)
    }

    /// Per position, whether a negation covers it.
    #[must_use]
    pub fn covered(&self) -> Vec<bool> {
        self.pre
            .iter()
            .zip(&self.post)
            .map(|(a, b)| a.is_some() || b.is_some())
            .collect()
    }

    /// Whether a one-part finding at `span` is negated.
    #[must_use]
    pub fn negates(&self, span: Span) -> bool {
        self.negated(span.0, &[span])
    }
}
