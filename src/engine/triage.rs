//! The fourth stage: red-flag findings, in context, to an urgency [`Level`].
//!
//! Runs on the canonical, spelling-corrected tokens. A flag's finding is one of its exact phrases or a
//! `near` combination (every word group within a window; the first group is the finding, the others
//! its site and qualifiers). Phrases in `[context] pseudo` ("dark yellow", "seizure medicine") start
//! no finding. Each finding is then put in context by [`super::context`] (ConText): negated,
//! hypothetical, historical or about someone else. A finding in context raises nothing for the child;
//! hypothetical ones are kept so the reply can say what to do *if* the sign appears. When unsure,
//! CrampCare escalates: uncertainty ("not sure if") is not negation. The highest level that fires wins.
//!
//! Real-word slips ("legs feel so week") are handled here, on phrases of two or more words, from
//! `[context.slips]`: a single "week" stays a week.

use std::collections::HashMap;

use super::context::{ContextIdx, Contexts, Modifier, Triggers};
use super::knowledge::{Knowledge, Level};
use super::number::{match_end, pattern, Pat, Pattern, MAX_FILLERS};
use super::vocab::{Sym, SymHash, SymMap, Tok, Vocab};

pub use super::number::valid_number_patterns;

/// The negation marks topic matching reads (the context of every position).
pub type Marks = Contexts;

/// `except` words (soon flags only) cancel a combination when they stand this close to it.
pub const EXCEPT_MARGIN: usize = 3;

/// A red flag that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// Index into [`Knowledge::red_flags`].
    pub flag: usize,
    /// Its level.
    pub level: Level,
}

/// A red flag whose finding is present only in context (negated, hypothetical, historical, someone
/// else's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InContext {
    /// Index into [`Knowledge::red_flags`].
    pub flag: usize,
    /// Its level.
    pub level: Level,
    /// Its context.
    pub modifier: Modifier,
}

/// The result of triage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Triage {
    /// The highest level that fired, or routine.
    pub level: Level,
    /// The flags that fired, highest level first.
    pub fired: Vec<Fired>,
    /// Flags whose findings were present only in context, highest level first.
    pub in_context: Vec<InContext>,
}

impl Triage {
    /// Flags present only negated.
    #[must_use]
    pub fn negated(&self) -> Vec<usize> {
        self.with(Modifier::Negated)
    }

    /// Flags asked about, not seen ("what if his pee turns dark?").
    #[must_use]
    pub fn hypothetical(&self) -> Vec<usize> {
        self.with(Modifier::Hypothetical)
    }

    fn with(&self, m: Modifier) -> Vec<usize> {
        self.in_context
            .iter()
            .filter(|c| c.modifier == m)
            .map(|c| c.flag)
            .collect()
    }
}

/// A word group of a `near` combination: where its hits are collected.
#[derive(Debug, Clone)]
struct NearIdx {
    /// Hit slots of the groups, the finding first.
    groups: Vec<usize>,
    within: usize,
    /// Hit slot of the `except` words.
    except: usize,
    /// Every group in the finding's sentence.
    one_sentence: bool,
}

#[derive(Debug, Clone)]
struct FlagIdx {
    level: Level,
    /// Hit slot of the flag's exact phrases.
    phrases: usize,
    near: Vec<NearIdx>,
    /// The parent's own alarm: someone-else context does not cancel it.
    parent: bool,
}

/// One pattern and the hit slot its matches go to.
#[derive(Debug, Clone)]
struct Atom {
    pattern: Pattern,
    slot: usize,
}

/// A match of a phrase or group at `start..end`.
pub type Span = (usize, usize);

/// Every atom's matches in a message: as found, and by slot in one buffer (slot `s` holds
/// `spans[start[s]..start[s + 1]]`, in the order found). A `Vec` per slot cost an allocation for
/// each slot with a hit, and walks over all 200-odd slots to find the findings, make and drop them.
#[derive(Debug)]
struct Hits {
    /// (slot, span), in the order found.
    found: Vec<(usize, Span)>,
    start: Vec<usize>,
    spans: Vec<Span>,
}

impl Hits {
    fn new(slots: usize, found: Vec<(usize, Span)>) -> Hits {
        // Counts, then each slot's end; filled back to front, each end comes down to its start.
        let mut start = vec![0; slots + 1];
        for &(slot, _) in &found {
            start[slot] += 1;
        }
        let mut end = 0;
        for s in &mut start {
            end += *s;
            *s = end;
        }
        let mut spans = vec![(0, 0); found.len()];
        for &(slot, span) in found.iter().rev() {
            start[slot] -= 1;
            spans[start[slot]] = span;
        }
        Hits {
            found,
            start,
            spans,
        }
    }
}

impl std::ops::Index<usize> for Hits {
    type Output = [Span];
    fn index(&self, slot: usize) -> &[Span] {
        &self.spans[self.start[slot]..self.start[slot + 1]]
    }
}

/// The red-flag index of a knowledge base. Every phrase, word-group alternative and `except` word
/// is an [`Atom`] indexed by its first token, so a message is scanned once whatever the number of
/// flags; each atom's matches land in a slot that the flag checks read.
#[derive(Debug, Clone)]
pub struct Triager {
    flags: Vec<FlagIdx>,
    atoms: Vec<Atom>,
    /// Atoms of one word, or whose second part is a number, by their first word.
    by_first: SymMap<Vec<usize>>,
    /// Atoms by their first two words: "his" starts 250 phrases, and trying each of them at every
    /// "his" was a tenth of the time per message.
    by_pair: HashMap<(Sym, Sym), Vec<usize>, SymHash>,
    /// Atoms that start with a number pattern.
    numeric: Vec<usize>,
    slots: usize,
    /// Slots that hold findings (phrases, first groups), which end a negation scope.
    finding: Vec<bool>,
    /// Slots of flags that are the parent's own alarm ([`super::knowledge::RedFlag::parent`]).
    parent: Vec<bool>,
    context: ContextIdx,
}

/// Builds atoms and slots.
struct Builder<'v> {
    vocab: &'v mut Vocab,
    atoms: Vec<Atom>,
    slots: usize,
    /// (meant, typed) slips as symbols.
    slips: Vec<(Sym, Sym)>,
}

impl Builder<'_> {
    /// A new slot filled by the given texts (with their real-word slips).
    fn slot<'t>(&mut self, texts: impl IntoIterator<Item = &'t String>) -> usize {
        let slot = self.slots;
        self.slots += 1;
        for t in texts {
            let pattern = pattern(self.vocab, t);
            if pattern.is_empty() {
                continue;
            }
            if pattern.len() >= 2 {
                for &(meant, typed) in &self.slips {
                    if pattern.contains(&Pat::Sym(meant)) {
                        let slipped = pattern
                            .iter()
                            .map(|&p| {
                                if p == Pat::Sym(meant) {
                                    Pat::Sym(typed)
                                } else {
                                    p
                                }
                            })
                            .collect();
                        self.atoms.push(Atom {
                            pattern: slipped,
                            slot,
                        });
                    }
                }
            }
            self.atoms.push(Atom { pattern, slot });
        }
        slot
    }
}

fn one_sym(vocab: &mut Vocab, word: &str) -> Option<Sym> {
    match vocab.phrase(word).as_slice() {
        [s] => Some(*s),
        _ => None,
    }
}

impl Triager {
    /// Indexes the red flags and context triggers of `k`.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> Triager {
        let context = ContextIdx::new(vocab, &k.context);
        let slips = k
            .context
            .slips
            .iter()
            .filter_map(|(m, t)| Some((one_sym(vocab, m)?, one_sym(vocab, t)?)))
            .collect();
        let mut b = Builder {
            vocab,
            atoms: Vec::new(),
            slots: 0,
            slips,
        };
        let mut finding = Vec::new();
        let mut parent = Vec::new();
        let mut mark = |slot: usize, is_finding: bool, is_parent: bool| {
            finding.resize(slot + 1, false);
            parent.resize(slot + 1, false);
            finding[slot] = is_finding;
            parent[slot] = is_parent;
        };
        let mut flags = Vec::new();
        for f in &k.red_flags {
            let phrases = b.slot(&f.phrases);
            mark(phrases, true, f.parent);
            let mut near = Vec::new();
            for n in &f.near {
                let groups: Vec<usize> = n.words.iter().map(|g| b.slot(g)).collect();
                for (i, &g) in groups.iter().enumerate() {
                    mark(g, i == 0, f.parent);
                }
                let ex = b.slot(&n.except);
                mark(ex, false, false);
                near.push(NearIdx {
                    groups,
                    within: n.within,
                    except: ex,
                    one_sentence: n.one_sentence,
                });
            }
            flags.push(FlagIdx {
                level: f.level,
                phrases,
                near,
                parent: f.parent,
            });
        }
        let mut by_first: SymMap<Vec<usize>> = SymMap::default();
        let mut by_pair: HashMap<(Sym, Sym), Vec<usize>, SymHash> = HashMap::default();
        let mut numeric = Vec::new();
        for (i, a) in b.atoms.iter().enumerate() {
            match (a.pattern[0], a.pattern.get(1)) {
                (Pat::Sym(s), Some(&Pat::Sym(second))) => {
                    by_pair.entry((s, second)).or_default().push(i);
                }
                (Pat::Sym(s), _) => by_first.entry(s).or_default().push(i),
                (_, _) => numeric.push(i),
            }
        }
        let slots = b.slots;
        finding.resize(slots, false);
        parent.resize(slots, false);
        Triager {
            flags,
            atoms: b.atoms,
            by_first,
            by_pair,
            numeric,
            slots,
            finding,
            parent,
            context,
        }
    }

    /// Every atom's matches in the message, by slot; matches that start inside a look-alike phrase
    /// ("dark yellow") are dropped.
    fn hits(&self, toks: &[Tok]) -> Hits {
        // The positions inside a look-alike of `list`. A look-alike stays inside its clause: "his
        // legs look normal, temperature 39" is a fever.
        let inside = |list: &Triggers| {
            let mut marked = vec![false; toks.len()];
            for (s, e) in list.find(toks) {
                if toks[s].clause == toks[e - 1].clause {
                    marked[s..e].iter_mut().for_each(|p| *p = true);
                }
            }
            marked
        };
        let pseudo = inside(&self.context.pseudo);
        // A time span that is no sign's ("the match is in 3 days") qualifies nothing either.
        let timeless = inside(&self.context.time_alikes);
        // Where a filler starting at each position ends, found once: every phrase that stops at a
        // word asks whether it is a filler.
        let fillers: Vec<Option<usize>> = (0..toks.len())
            .map(|j| self.context.fillers.at(toks, j))
            .collect();
        let mut found: Vec<(usize, Span)> = Vec::new();
        let mut tried: Vec<usize> = Vec::new();
        let mut seconds: Vec<Sym> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            tried.clear();
            tried.extend(self.by_first.get(&t.sym).into_iter().flatten());
            // The words an atom's second part may stand at: the next one, and past each filler
            // `match_end` may skip. Each second word once: an atom is tried once at `i`.
            seconds.clear();
            let mut j = i + 1;
            let mut skipped = 0;
            while let Some(next) = toks.get(j).filter(|n| n.clause == t.clause) {
                if !seconds.contains(&next.sym) {
                    seconds.push(next.sym);
                    tried.extend(self.by_pair.get(&(t.sym, next.sym)).into_iter().flatten());
                }
                match fillers[j] {
                    Some(e) if skipped + (e - j) <= MAX_FILLERS => {
                        skipped += e - j;
                        j = e;
                    }
                    _ => break,
                }
            }
            // In the order of the atoms, as one list by first word gave them.
            tried.sort_unstable();
            if t.num.is_some() {
                tried.extend(&self.numeric);
            }
            for &ai in &tried {
                let a = &self.atoms[ai];
                // A look-alike starts no finding; its words may still qualify one ("new seizure
                // medicine" is still a new medicine).
                if (pseudo[i] && self.finding[a.slot]) || timeless[i] {
                    continue;
                }
                let filler = |j: usize| fillers[j];
                if let Some(end) = match_end(&a.pattern, toks, i, filler) {
                    found.push((a.slot, (i, end)));
                }
            }
        }
        Hits::new(self.slots, found)
    }

    /// The context of every position, given the findings' hits.
    fn contexts(&self, toks: &[Tok], hits: &Hits) -> Contexts {
        let mut in_finding = vec![false; toks.len()];
        let mut finding_end: Vec<Option<usize>> = vec![None; toks.len()];
        // Where a qualifier of a finding told just before it starts: "his jaw has gone stiff" is no
        // "gone". A qualifier word with no finding of its combination before it ("the tingling went
        // away quickly": "quickly" qualifies fast breathing) is none.
        let mut part = vec![false; toks.len()];
        for f in &self.flags {
            for n in &f.near {
                let anchors = &hits[n.groups[0]];
                for &g in &n.groups[1..] {
                    for &(s, _) in &hits[g] {
                        part[s] |= anchors.iter().any(|&(a, ae)| ae <= s && s - a <= n.within);
                    }
                }
            }
        }
        // Only findings count: a site or qualifier ("cramp", "leg") may hold a trigger word ("can
        // cramps lead to ..."), and a parent's alarm ("is this an emergency") is no sign of the child.
        for &(slot, (s, e)) in &hits.found {
            if !self.finding[slot] || self.parent[slot] {
                continue;
            }
            in_finding[s..e].iter_mut().for_each(|p| *p = true);
            finding_end[s] = Some(finding_end[s].map_or(e, |old: usize| old.max(e)));
        }
        self.context
            .contexts(toks, &in_finding, &finding_end, &part)
    }

    /// For each position, where the earliest finding covering it starts (or the position itself):
    /// "not walk" inside "can not walk" takes the context of the whole finding.
    fn cover(&self, toks: &[Tok], hits: &Hits) -> Vec<usize> {
        let mut cover: Vec<usize> = (0..toks.len()).collect();
        for &(slot, (s, e)) in &hits.found {
            if !self.finding[slot] {
                continue;
            }
            for c in &mut cover[s..e] {
                *c = (*c).min(s);
            }
        }
        cover
    }

    /// Finds the red flags in a message, each in its context.
    #[must_use]
    pub fn triage(&self, toks: &[Tok]) -> Triage {
        self.read(toks).1
    }

    /// The negation marks topic matching reads ("no new meds" is no reason to talk about
    /// medicines) and the red flags, from one scan of the message.
    #[must_use]
    pub fn read(&self, toks: &[Tok]) -> (Marks, Triage) {
        let hits = self.hits(toks);
        let ctx = self.contexts(toks, &hits);
        let cover = self.cover(toks, &hits);
        let mut out = Triage::default();
        for (i, f) in self.flags.iter().enumerate() {
            let mut best: Option<Modifier> = None;
            let mut fired = false;
            let mut consider = |m: Option<Modifier>| match m {
                None => fired = true,
                Some(Modifier::Other) if f.parent => fired = true,
                Some(m) => best = Some(best.map_or(m, |b| b.max(m))),
            };
            for &span in &hits[f.phrases] {
                consider(ctx.of(cover[span.0], &[span]));
            }
            for n in &f.near {
                for m in near(toks, &hits, n, &ctx, &cover) {
                    consider(m);
                }
            }
            if fired {
                out.fired.push(Fired {
                    flag: i,
                    level: f.level,
                });
            } else if let Some(modifier) = best {
                out.in_context.push(InContext {
                    flag: i,
                    level: f.level,
                    modifier,
                });
            }
        }
        // "What if she can't get up - is that a call-an-ambulance thing?": when every sign in the
        // message is asked about, over or someone else's, the parent's alarm is about that sign, not
        // a sign of its own. A negated sign leaves the alarm standing ("no fever, but I'm scared").
        let only_parent = out.fired.iter().all(|f| self.flags[f.flag].parent);
        let about = out
            .in_context
            .iter()
            .map(|c| c.modifier)
            .filter(|&m| m != Modifier::Negated)
            .max();
        if let (true, Some(modifier)) = (only_parent, about) {
            for f in std::mem::take(&mut out.fired) {
                out.in_context.push(InContext {
                    flag: f.flag,
                    level: f.level,
                    modifier,
                });
            }
        }
        out.fired
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.flag.cmp(&b.flag)));
        out.in_context
            .sort_by(|a, b| b.level.cmp(&a.level).then(a.flag.cmp(&b.flag)));
        out.level = out.fired.first().map_or(Level::Routine, |f| f.level);
        (ctx, out)
    }
}

/// The context of every occurrence of a combination (`None`: affirmed).
fn near(
    toks: &[Tok],
    hits: &Hits,
    n: &NearIdx,
    ctx: &Contexts,
    cover: &[usize],
) -> Vec<Option<Modifier>> {
    let mut out = Vec::new();
    if n.groups.iter().any(|&g| hits[g].is_empty()) {
        return out;
    }
    let groups: Vec<&[Span]> = n.groups.iter().map(|&g| &hits[g]).collect();
    let excepted = &hits[n.except];
    // Anchor on each hit of the first group (the finding: "swollen", "dark", "hurt"); from every
    // other group take the nearest hit in the window, one of the child's now before one that is
    // over, asked about or someone else's: "last year she had a cramp ... she has sickle cell and
    // her legs ache" holds an ache now, though last year's cramp stands nearer. (A negated part is
    // still the nearest: "a fever but no stiff neck, he can touch his chin to his chest" is no
    // combination.) Context applies to the finding, not to where it is: "no swelling in her calf,
    // but it has hurt since yesterday" still fires.
    for &anchor in groups[0] {
        let mut parts = vec![anchor];
        let all = groups[1..].iter().all(|group| {
            let best = group
                .iter()
                .filter(|&&(s, e)| e.max(anchor.1) - s.min(anchor.0) <= n.within + 1)
                .filter(|&&(s, _)| !n.one_sentence || toks[s].sentence == toks[anchor.0].sentence)
                .min_by_key(|&&(s, e)| {
                    let elsewhere = ctx
                        .of(cover[s], &[anchor, (s, e)])
                        .is_some_and(|m| m != Modifier::Negated);
                    (elsewhere, s.abs_diff(anchor.0))
                });
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
        // Context applies to the finding, and to a part said only in context: "he has a fever, what if
        // his neck gets stiff?" asks about the stiff neck; "a fever but no stiff neck" is no combination.
        // A part told only in the past does not put a finding of now in context: in "his calf was
        // swollen last summer, now it is swollen again" the swelling is now.
        let m = parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let m = ctx.of(cover[p.0], &parts)?;
                (i == 0 || m != Modifier::Historical).then_some(m)
            })
            .max();
        out.push(m);
    }
    out
}
