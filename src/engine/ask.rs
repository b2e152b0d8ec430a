//! Part of the third stage: what a message asks, read from how its questions are put.
//!
//! A parent's message has an *ask* (what to do now, why, what to eat, how to prevent, is it
//! serious, about the bot) and a *subject* (the calf, the night, sport, a food). This module finds
//! the asks; [`super::matcher`] weighs the subjects. The forms are data (`knowledge/asks.toml`):
//! "what do i do" asks for relief now, "is it because" asks why, "what should * eat" asks about
//! food, where `*` stands for up to [`MAX_WILDCARD`] words. Signals ("help", "right now", a message
//! in capitals) are weaker: they count only when no form of any ask is present, so "what foods help"
//! asks about food, not for help now. Forms are matched on canonical tokens, so typos, synonyms and
//! plurals meet them as they meet topics; negation plays no part ("so she doesn't cramp at the meet"
//! still asks how to prevent).

use super::knowledge::Knowledge;
use super::vocab::{Sym, SymMap, Tok, Vocab, UNKNOWN};

/// The most words a `*` in a form stands for.
pub const MAX_WILDCARD: usize = 4;
/// At most this many asks are answered in one reply, in the order asked.
pub const MAX_ASKS: usize = 3;

/// An ask found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// Index into [`Knowledge::asks`].
    pub ask: usize,
    /// Where its form starts.
    pub at: usize,
    /// Where its form ends (exclusive).
    pub end: usize,
    /// Which positions from `at` are the form's own words (bit `i` for `at + i`), not what a `*`
    /// stood for: in "does sitting cause", "sitting" is the subject.
    pub words: u64,
    /// A form (true) or only a signal (false).
    pub strong: bool,
}

/// One element of a form: a token, or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sym(Sym),
    Any,
}

#[derive(Debug, Clone)]
struct Form {
    ask: usize,
    parts: Vec<Part>,
    strong: bool,
}

/// The forms and signals of every ask, indexed by their first token.
#[derive(Debug, Clone)]
pub struct Asks {
    forms: Vec<Form>,
    by_first: SymMap<Vec<usize>>,
    /// The "now" ask, which a message in capitals signals.
    now: Option<usize>,
    /// Per ask: the asks it takes the place of in one clause ([`Ask::outranks`]).
    ///
    /// [`Ask::outranks`]: super::knowledge::Ask::outranks
    outranks: Vec<Vec<usize>>,
}

impl Asks {
    /// Indexes the forms of `k`'s asks.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> Asks {
        let mut forms = Vec::new();
        for (i, a) in k.asks.iter().enumerate() {
            let texts = a
                .forms
                .iter()
                .map(|f| (f, true))
                .chain(a.signals.iter().map(|s| (s, false)));
            for (text, strong) in texts {
                let parts = parts(vocab, text);
                if matches!(parts.first(), Some(Part::Sym(_))) {
                    forms.push(Form {
                        ask: i,
                        parts,
                        strong,
                    });
                }
            }
        }
        let mut by_first: SymMap<Vec<usize>> = SymMap::default();
        for (i, f) in forms.iter().enumerate() {
            if let Some(Part::Sym(s)) = f.parts.first() {
                by_first.entry(*s).or_default().push(i);
            }
        }
        let outranks = k
            .asks
            .iter()
            .map(|a| {
                a.outranks
                    .iter()
                    .filter_map(|o| k.asks.iter().position(|b| &b.id == o))
                    .collect()
            })
            .collect();
        Asks {
            forms,
            by_first,
            now: k.asks.iter().position(|a| a.id == NOW),
            outranks,
        }
    }

    /// The asks of a message, in the order asked, at most [`MAX_ASKS`], each once. A form inside a
    /// longer form of another ask, word for word, yields to it; where two forms otherwise overlap,
    /// the ask listed first in the knowledge base wins ("how do i stop it happening" is
    /// prevention, not relief). Signals count only when no form is present, or in a sentence that
    /// ends with a question mark and holds no form (`questions`: those sentences): "Can I give her
    /// Motrin right now? And why does this keep happening?" asks for relief, then why. `shouting`
    /// (a message in capitals) signals "now".
    #[must_use]
    pub fn detect(&self, toks: &[Tok], shouting: bool, questions: &[u32]) -> Vec<Asked> {
        let mut found: Vec<Asked> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            if t.sym == UNKNOWN {
                continue;
            }
            for &fi in self.by_first.get(&t.sym).into_iter().flatten() {
                let f = &self.forms[fi];
                if let Some((end, words)) = locate(&f.parts, toks, i, 0) {
                    found.push(Asked {
                        ask: f.ask,
                        at: i,
                        end,
                        words,
                        strong: f.strong,
                    });
                }
            }
        }
        let any_strong = found.iter().any(|a| a.strong);
        let sentence = |a: &Asked| toks.get(a.at).map(|t| t.sentence);
        let formed: Vec<Option<u32>> = found.iter().filter(|a| a.strong).map(sentence).collect();
        found.retain(|a| {
            a.strong
                || !any_strong
                || sentence(a).is_some_and(|s| questions.contains(&s) && !formed.contains(&Some(s)))
        });
        if found.is_empty() && shouting {
            if let Some(now) = self.now {
                found.push(Asked {
                    ask: now,
                    at: 0,
                    end: 0,
                    words: 0,
                    strong: false,
                });
            }
        }
        // A form inside a longer form of another ask, word for word, is part of that question:
        // "what do you do for a charley horse" asks for relief, though "what do you do" alone asks
        // about the bot. Not a form in another's `*`: in "how do i stop my son getting cramps",
        // "stop * getting" is no part of "do * get cramps".
        let inside = |a: &Asked, b: &Asked| {
            b.ask != a.ask
                && b.at <= a.at
                && a.end <= b.end
                && b.end - b.at > a.end - a.at
                && (a.at..a.end).all(|j| (b.words >> (j - b.at).min(63)) & 1 == 1)
        };
        let mut found = without(found, |a, all| all.iter().any(|b| inside(a, b)));
        // Other overlaps: the earlier-listed ask wins, then the longer form.
        found.sort_by_key(|a| (a.ask, a.at, std::cmp::Reverse(a.end)));
        let mut kept: Vec<Asked> = Vec::new();
        for a in found {
            let overlaps = kept
                .iter()
                .any(|k| k.ask != a.ask && a.at < k.end && k.at < a.end);
            if !overlaps {
                kept.push(a);
            }
        }
        // In one clause, an ask may take another's place: "what can she do to stop it happening"
        // asks how to prevent.
        let clause = |a: &Asked| toks.get(a.at).map(|t| t.clause);
        let mut kept = without(kept, |b, all| {
            all.iter().any(|a| {
                a.strong && self.outranks[a.ask].contains(&b.ask) && clause(a) == clause(b)
            })
        });
        kept.sort_by_key(|a| (a.at, a.ask));
        let mut out: Vec<Asked> = Vec::new();
        for a in kept {
            if !out.iter().any(|o| o.ask == a.ask) && out.len() < MAX_ASKS {
                out.push(a);
            }
        }
        out
    }
}

/// The asks of `items` that `gone` does not rule out, each judged against all of them.
fn without(items: Vec<Asked>, gone: impl Fn(&Asked, &[Asked]) -> bool) -> Vec<Asked> {
    let marks: Vec<bool> = items.iter().map(|a| gone(a, &items)).collect();
    items
        .into_iter()
        .zip(marks)
        .filter_map(|(a, g)| (!g).then_some(a))
        .collect()
}

/// The id of the ask for relief now.
pub const NOW: &str = "now";

/// A form as parts: its canonical tokens, `*` as [`Part::Any`].
fn parts(vocab: &mut Vocab, text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    for (i, chunk) in text.split('*').enumerate() {
        if i > 0 {
            out.push(Part::Any);
        }
        out.extend(vocab.phrase(chunk).into_iter().map(Part::Sym));
    }
    out
}

/// Where a form whose first part is at `i` ends, with the positions of its own words (bits
/// counted from `start`), trying the shortest stretch for each `*` first.
fn locate(parts: &[Part], toks: &[Tok], i: usize, start: usize) -> Option<(usize, u64)> {
    let bit = |j: usize| 1u64.checked_shl(u32::try_from(j - start).ok()?);
    match parts.split_first() {
        None => Some((i, 0)),
        Some((Part::Sym(s), rest)) => {
            if toks.get(i)?.sym != *s {
                return None;
            }
            let (end, words) = locate(rest, toks, i + 1, start)?;
            Some((end, words | bit(i).unwrap_or(0)))
        }
        Some((Part::Any, rest)) => (0..=MAX_WILDCARD)
            .find_map(|n| (i + n <= toks.len()).then(|| locate(rest, toks, i + n, start))?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(syms: &[Sym]) -> Vec<Tok> {
        syms.iter()
            .map(|&sym| Tok {
                sym,
                clause: 0,
                sentence: 0,
                num: None,
                bracket: false,
                question: false,
            })
            .collect()
    }

    #[test]
    fn a_wildcard_stands_for_zero_to_four_words() {
        // "would * help": "would a glass of water help".
        let form = [Part::Sym(1), Part::Any, Part::Sym(2)];
        assert_eq!(locate(&form, &toks(&[1, 2]), 0, 0), Some((2, 0b11)));
        assert_eq!(
            locate(&form, &toks(&[1, 9, 9, 9, 9, 2]), 0, 0),
            Some((6, 0b100001))
        );
        assert_eq!(locate(&form, &toks(&[1, 9, 9, 9, 9, 9, 2]), 0, 0), None);
        assert_eq!(locate(&form, &toks(&[1, 9]), 0, 0), None);
    }
}
