//! ConText for red-flag findings: negated, hypothetical, historical, or about someone else.
//!
//! After Harkema et al., "ConText" (J Biomed Inform, 2009), itself grown from NegEx (Chapman et al.,
//! 2001). Trigger lists are data (`[context]` in `knowledge/context.toml`, ported from the MIT-licensed
//! medspacy and negspacy lists); this module owns only the scopes. It knows where findings are (their
//! spans, computed by [`super::triage`]) but not which red flags they belong to.
//!
//! - Negation covers at most [`NEGATION_SCOPE`] words of its clause, ends at a terminator ("but") and
//!   ends where a finding ends, unless the next word lists another ("no fever or swelling"). A
//!   trigger inside a finding ("can not" of "can not walk", "no" of "no tears") negates nothing:
//!   findings that belong together must not cancel each other.
//! - Hypothetical and historical triggers cover the rest of their clause (at most [`TIME_SCOPE`]
//!   words), up to a word that says the sign is happening now ("now", "still", "again");
//!   `historical_after` triggers cover the clause before them (the clause before theirs when they
//!   open it: "she looked awful yesterday, turned out to be a virus").
//! - Someone-else triggers cover the rest of their clause, up to a word for the child ("he", "my son").
//! - A clause that opens with a finding ("..., dizzy and throwing up") goes on listing the signs of the
//!   clause before when a finding there was someone else's or over, within one sentence.
//! - A trigger may hold `...`: up to [`TRIGGER_GAP`] words of its clause between its parts ("if ... ever").
//!
//! Triggers are matched on canonical tokens, interned through the same [`Vocab::phrase`] as the
//! message ("nothing" and "noth" meet), so stemming never hides a trigger.

use super::knowledge::Context;
use super::number::{matches_at, pattern, Pat, Pattern};
use super::vocab::{Sym, SymMap, Tok, Vocab};

/// How many words after a trigger negation covers (NegEx uses five).
pub const NEGATION_SCOPE: usize = 5;
/// How many words before a `negation_after` trigger it covers at most ("fever free", "the pins and
/// needles in her foot went away"); it stops at the finding it reaches.
pub const NEGATION_BACK: usize = 6;
/// How many words a someone-else trigger covers at most.
pub const OTHER_SCOPE: usize = 16;
/// How many words a hypothetical or historical trigger covers at most: parents often write without
/// punctuation, and a long scope would swallow a real sign ("what do i do he cant walk").
pub const TIME_SCOPE: usize = 16;

/// The context of a finding, as ConText names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Modifier {
    /// "no fever".
    Negated,
    /// "had a seizure two years ago, fine since".
    Historical,
    /// "my sister had a seizure".
    Other,
    /// "what if his pee turns dark".
    Hypothetical,
}

impl Modifier {
    /// Its name in `--explain` output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Modifier::Negated => "negated",
            Modifier::Historical => "historical",
            Modifier::Other => "other person",
            Modifier::Hypothetical => "hypothetical",
        }
    }
}

/// How many words a fragment of a list may have ("so hot", "headache"): it goes on with the
/// person or the time of the clause before it.
pub const FRAGMENT: usize = 3;

/// How many clauses an "if" clause's question may open after it, in its sentence, in a calm message
/// ("if ..., wasn't vaccinated, and then ..., is that serious? he's fine").
pub const IF_CLAUSES: usize = 3;

/// How many words after an `ill_writer` trigger its illness may start ("I have asthma", "I had the
/// flu"; not "I have a feeling it's asthma").
pub const ILL_GAP: usize = 2;

/// How far after a `cared_for` trigger a child's age may stand ("my nephew (12)", "my niece who is 9").
pub const CARED_AGE_GAP: usize = 3;

/// How many words a `...` in a trigger may skip ("if ... ever": "if my son's knee ever").
pub const TRIGGER_GAP: usize = 5;

/// A trigger: its parts, in order; between two parts (written `...`) up to [`TRIGGER_GAP`] words of
/// the same clause may stand.
type Trigger = Vec<Pattern>;

/// A list of trigger phrases, indexed by first token.
#[derive(Debug, Clone, Default)]
pub struct Triggers {
    by_first: SymMap<Vec<Trigger>>,
    /// Triggers that open with a number pattern ("{n>=1} in the morning"), longest first.
    numeric: Vec<Trigger>,
    /// A bit per first token (its symbol modulo [`FIRST_BITS`]): most tokens start no trigger, and
    /// a dozen lists are asked at every position, so a bit test spares most hash lookups.
    firsts: [u64; FIRST_BITS / 64],
}

/// How many bits [`Triggers::at`] tests before its hash lookup.
const FIRST_BITS: usize = 1024;

/// The word and bit of `sym` in [`Triggers`]' bit set.
fn first_bit(sym: Sym) -> (usize, u64) {
    let b = sym as usize % FIRST_BITS;
    (b / 64, 1 << (b % 64))
}

/// The end of `t` matched at `i`, parts in the same clause, gaps of at most [`TRIGGER_GAP`] words.
fn trigger_end(t: &Trigger, toks: &[Tok], i: usize) -> Option<usize> {
    trigger_parts(t, toks, i, &mut |_| {})
}

/// [`trigger_end`], telling `part` where each part of the trigger stands.
fn trigger_parts(
    t: &Trigger,
    toks: &[Tok],
    i: usize,
    part_at: &mut dyn FnMut((usize, usize)),
) -> Option<usize> {
    let (first, rest) = t.split_first()?;
    if !matches_at(first, toks, i) {
        return None;
    }
    let mut end = i + first.len();
    part_at((i, end));
    for part in rest {
        let at = (end..=end + TRIGGER_GAP)
            .take_while(|&j| j < toks.len() && toks[j].clause == toks[i].clause)
            .find(|&j| matches_at(part, toks, j))?;
        end = at + part.len();
        part_at((at, end));
    }
    Some(end)
}

impl Triggers {
    /// Interns `words` through the vocabulary.
    pub fn new(vocab: &mut Vocab, words: &[String]) -> Triggers {
        let mut by_first: SymMap<Vec<Trigger>> = SymMap::default();
        let mut numeric = Vec::new();
        for w in words {
            let t: Trigger = w
                .split("...")
                .map(|part| pattern(vocab, part))
                .filter(|p| !p.is_empty())
                .collect();
            match t.first().and_then(|p| p.first()) {
                Some(Pat::Sym(first)) => by_first.entry(*first).or_default().push(t),
                Some(_) => numeric.push(t),
                None => {}
            }
        }
        let len = |t: &Trigger| std::cmp::Reverse(t.iter().map(Vec::len).sum::<usize>());
        numeric.sort_by_key(len);
        let mut firsts = [0; FIRST_BITS / 64];
        for (&first, list) in &mut by_first {
            list.sort_by_key(len);
            let (w, bit) = first_bit(first);
            firsts[w] |= bit;
        }
        Triggers {
            by_first,
            numeric,
            firsts,
        }
    }

    /// The end of the longest trigger starting at `i`.
    #[must_use]
    #[inline]
    pub fn at(&self, toks: &[Tok], i: usize) -> Option<usize> {
        let tok = toks.get(i)?;
        // Most words start no trigger of a list: tell that without a call (the lists are asked
        // about every word of a message, a thousand times a message).
        let (w, bit) = first_bit(tok.sym);
        let by_number = tok.num.is_some() && !self.numeric.is_empty();
        if self.firsts[w] & bit == 0 && !by_number {
            return None;
        }
        self.at_slow(toks, i)
    }

    fn at_slow(&self, toks: &[Tok], i: usize) -> Option<usize> {
        let tok = toks.get(i)?;
        let by_number = match tok.num {
            Some(_) if !self.numeric.is_empty() => {
                self.numeric.iter().find_map(|t| trigger_end(t, toks, i))
            }
            _ => None,
        };
        let (w, bit) = first_bit(tok.sym);
        if self.firsts[w] & bit == 0 {
            return by_number;
        }
        let by_word = self
            .by_first
            .get(&tok.sym)
            .and_then(|list| list.iter().find_map(|t| trigger_end(t, toks, i)));
        by_word.max(by_number)
    }

    /// Whether every part of the trigger found at `s..e` is `free`: the words a `...` skips may hold
    /// a finding ("what does heat exhaustion look like"), the trigger's own words may not.
    fn parts_free(
        &self,
        toks: &[Tok],
        (s, e): (usize, usize),
        free: &dyn Fn(usize, usize) -> bool,
    ) -> bool {
        let list = self.by_first.get(&toks[s].sym).into_iter().flatten();
        let Some(t) = list
            .chain(&self.numeric)
            .find(|t| trigger_end(t, toks, s) == Some(e))
        else {
            return free(s, e);
        };
        let mut all = true;
        trigger_parts(t, toks, s, &mut |(ps, pe)| all &= free(ps, pe));
        all
    }

    /// Every trigger in the message, leftmost-longest, not overlapping.
    #[must_use]
    pub fn find(&self, toks: &[Tok]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match self.at(toks, i) {
                Some(e) => {
                    out.push((i, e));
                    i = e;
                }
                None => i += 1,
            }
        }
        out
    }
}

/// The person that the word at `i` names, from lists for a male person, a female one and several,
/// with the end of the word.
fn gendered(lists: [&Triggers; 3], toks: &[Tok], i: usize) -> Option<(Person, usize)> {
    lists
        .into_iter()
        .zip([Person::Male, Person::Female, Person::Plural])
        .find_map(|(t, p)| t.at(toks, i).map(|e| (p, e)))
}

/// The trigger lists of a knowledge base, interned.
#[derive(Debug, Clone, Default)]
pub struct ContextIdx {
    negation: Triggers,
    negation_after: Triggers,
    fine_after: Triggers,
    fine_asks: Triggers,
    speech: Triggers,
    speech_points: Triggers,
    bare_openers: Triggers,
    pointers: Triggers,
    bare_asks: Triggers,
    uncertain_after: Triggers,
    terminators: Triggers,
    hypothetical: Triggers,
    hypothetical_lead: Triggers,
    continues: Triggers,
    openers: Triggers,
    happening: Triggers,
    historical: Triggers,
    historical_after: Triggers,
    ongoing: Triggers,
    other: Triggers,
    introductions: Triggers,
    writer: Triggers,
    child_writer: Triggers,
    cared_for: Triggers,
    illness: Triggers,
    ill_writer: Triggers,
    ill_has: Triggers,
    child: Triggers,
    shared_before: Triggers,
    present: Triggers,
    /// Phrases that look like a finding but are not ([`Context::pseudo`]).
    pub pseudo: Triggers,
    /// Phrases whose time span is no sign's ([`Context::time_alikes`]).
    pub time_alikes: Triggers,
    /// Words that may stand inside a red-flag phrase ([`Context::fillers`]).
    pub fillers: Triggers,
    calm: Triggers,
    conditional: Triggers,
    general: Triggers,
    general_openers: Triggers,
    if_questions: Triggers,
    if_actors: Triggers,
    if_now: Triggers,
    adult: Triggers,
    male: Triggers,
    female: Triggers,
    plural: Triggers,
    he: Triggers,
    she: Triggers,
    they: Triggers,
    possessive: Triggers,
    object: Triggers,
    young: Triggers,
    kin: Triggers,
    joiners: Vec<Sym>,
}

/// Who a someone-else scope is about, as its pronouns tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Person {
    Male,
    Female,
    Plural,
    /// A cousin, a friend, the writer: no pronoun goes on with them.
    Unknown,
}

/// The context of every position of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contexts {
    /// The negation trigger covering each position, before it ("no fever") or after it ("fever free").
    negated_by: Vec<Vec<usize>>,
    /// Plain NegEx scope (five words, terminators, clause), for topic matching.
    plain: Vec<Option<usize>>,
    hypothetical: Vec<bool>,
    historical: Vec<bool>,
    other: Vec<bool>,
    /// The writer says they are the child ([`ContextIdx`]'s `child_writer`, or a child's age as a
    /// sentence of its own).
    writer_is_child: bool,
}

impl Contexts {
    /// Whether the writer says they are the child ("teen here", "I'm 15", "... 15. what is this"):
    /// their own signs and cramps are the child's.
    #[must_use]
    pub fn writer_is_child(&self) -> bool {
        self.writer_is_child
    }

    /// The context of a finding whose main part starts at `at`, made of `parts`: a negation trigger
    /// inside the finding itself does not count. Hypothetical outranks someone else, which outranks
    /// historical, which outranks negated: the answer should say the most useful thing.
    #[must_use]
    pub fn of(&self, at: usize, parts: &[(usize, usize)]) -> Option<Modifier> {
        if self.hypothetical.get(at).copied().unwrap_or(false) {
            return Some(Modifier::Hypothetical);
        }
        if self.other.get(at).copied().unwrap_or(false) {
            return Some(Modifier::Other);
        }
        if self.historical.get(at).copied().unwrap_or(false) {
            return Some(Modifier::Historical);
        }
        let outside = |p: usize| !parts.iter().any(|&(s, e)| s <= p && p < e);
        self.negated_by
            .get(at)
            .is_some_and(|ts| ts.iter().any(|&t| outside(t)))
            .then_some(Modifier::Negated)
    }

    /// Per position, whether a plain negation scope covers it (for topic matching).
    #[must_use]
    pub fn covered(&self) -> Vec<bool> {
        self.plain.iter().map(Option::is_some).collect()
    }

    /// Per position, whether a negation before it covers it ("no fever", "not about cramps"); not one
    /// after it ("the cramp went away" is still about a cramp).
    #[must_use]
    pub fn negated_ahead(&self) -> Vec<bool> {
        self.plain
            .iter()
            .enumerate()
            .map(|(p, s)| s.is_some_and(|s| s < p))
            .collect()
    }

    /// Whether a position is negated (for topic matching: "no new meds").
    #[must_use]
    pub fn negates(&self, span: (usize, usize)) -> bool {
        let outside = |p: usize| !(span.0 <= p && p < span.1);
        self.plain
            .get(span.0)
            .copied()
            .flatten()
            .is_some_and(outside)
    }
}

impl ContextIdx {
    /// Interns the trigger lists of `c`.
    pub fn new(vocab: &mut Vocab, c: &Context) -> ContextIdx {
        // Words that continue a negated list past a finding ("no fever or swelling").
        let joiners = vocab.language().list_joiners.clone();
        let mut t = |w: &[String]| Triggers::new(vocab, w);
        ContextIdx {
            negation: t(&c.negation),
            negation_after: t(&c.negation_after),
            fine_after: t(&c.fine_after),
            fine_asks: t(&c.fine_asks),
            speech: t(&c.speech),
            speech_points: t(&c.speech_points),
            bare_openers: t(&c.bare_openers),
            pointers: t(&c.pointers),
            bare_asks: t(&c.bare_asks),
            uncertain_after: t(&c.uncertain_after),
            terminators: t(&c.terminators),
            hypothetical: t(&c.hypothetical),
            hypothetical_lead: t(&c.hypothetical_lead),
            continues: t(&c.continues),
            openers: t(&c.openers),
            happening: t(&c.happening),
            historical: t(&c.historical),
            historical_after: t(&c.historical_after),
            ongoing: t(&c.ongoing),
            other: t(&c.other),
            introductions: t(&c.introductions),
            writer: t(&c.writer),
            child_writer: t(&c.child_writer),
            cared_for: t(&c.cared_for),
            illness: t(&c.illness),
            ill_writer: t(&c.ill_writer),
            ill_has: t(&c.ill_has),
            child: t(&c.child),
            shared_before: t(&c.shared_before),
            present: t(&c.present),
            pseudo: t(&c.pseudo),
            time_alikes: t(&c.time_alikes),
            fillers: t(&c.fillers),
            calm: t(&c.calm),
            conditional: t(&c.conditional),
            general: t(&c.general),
            general_openers: t(&c.general_openers),
            if_questions: t(&c.if_questions),
            if_actors: t(&c.if_actors),
            if_now: t(&c.if_now),
            adult: t(&c.adult),
            male: t(&c.male),
            female: t(&c.female),
            plural: t(&c.plural),
            he: t(&c.he),
            she: t(&c.she),
            they: t(&c.they),
            possessive: t(&c.possessive),
            object: t(&c.object),
            young: t(&c.young),
            kin: t(&c.kin),
            // Words that continue a negated list past a finding ("no fever or swelling").
            joiners: joiners.iter().flat_map(|w| vocab.phrase(w)).collect(),
        }
    }

    /// The person a noun names ("sister"), or `None`.
    fn person(&self, toks: &[Tok], i: usize) -> Option<(Person, usize)> {
        gendered([&self.male, &self.female, &self.plural], toks, i)
    }

    /// The person a pronoun stands for ("his": male), or `None`.
    fn pronoun(&self, toks: &[Tok], i: usize) -> Option<(Person, usize)> {
        gendered([&self.he, &self.she, &self.they], toks, i)
    }

    /// The someone-else triggers of a message, in order: the `other` list's, and the writer telling
    /// of an illness of their own ("I have asthma", "I had the flu"): an `ill_writer` trigger with an
    /// `illness` word starting within [`ILL_GAP`] words, and no word for anyone between ("I had to take
    /// him to the ER with the flu" is the child's).
    fn others(&self, toks: &[Tok], child_writer: bool) -> Vec<(usize, usize)> {
        let n = toks.len();
        let mut out = self.other.find(toks);
        // The writer's own body ("my foot", "I nearly fainted") is someone else's, unless the writer
        // is the child ("Teen here, my foot has been numb since 7").
        if !child_writer {
            for (s, e) in self.writer.find(toks) {
                if !out.iter().any(|&(os, oe)| os < e && s < oe) {
                    out.push((s, e));
                }
            }
        }
        // "Coach here - one of my players ...": the writer introducing themselves. "My nephew (12)":
        // a young relative with a child's age (a number that is no `adult` age) is a child in the
        // writer's care.
        out.retain(|&(s, e)| {
            let intro = self.introductions.at(toks, e).is_some();
            let young = (s..e).any(|k| self.cared_for.at(toks, k).is_some())
                && (e..n.min(e + CARED_AGE_GAP)).any(|q| {
                    toks[q].sentence == toks[s].sentence
                        && toks[q].num.is_some()
                        && self.adult.at(toks, q).is_none()
                });
            !intro && !young
        });
        for (s, e) in self.ill_writer.find(toks) {
            let ill = (e..n.min(e + ILL_GAP))
                .take_while(|&q| {
                    toks[q].clause == toks[s].clause && self.child.at(toks, q).is_none()
                })
                .any(|q| self.illness.at(toks, q).is_some());
            if ill && !child_writer && !out.iter().any(|&(os, oe)| os < e && s < oe) {
                out.push((s, e));
            }
        }
        out.sort_unstable();
        out
    }

    /// Whether the writer says they are the child: a `child_writer` trigger opening a clause ("Teen
    /// here (15m)", "im 15 and i get calf cramps"), or a child's age standing as a sentence of its
    /// own, out of brackets ("my thigh hurts so much. 15. what do i do": an age that the `adult` list
    /// does not read as grown up).
    fn writer_is_child(&self, toks: &[Tok]) -> bool {
        let sentence_of_one = |q: usize| {
            (q == 0 || toks[q - 1].sentence != toks[q].sentence)
                && toks
                    .get(q + 1)
                    .is_none_or(|t| t.sentence != toks[q].sentence)
        };
        let age_alone = (0..toks.len()).any(|q| {
            toks[q].num.is_some()
                && !toks[q].bracket
                && sentence_of_one(q)
                && self.adult.at(toks, q).is_none()
        });
        age_alone
            || self
                .child_writer
                .find(toks)
                .iter()
                .any(|&(s, _)| s == 0 || toks[s - 1].clause != toks[s].clause)
    }

    /// Where a `speech` word at `i` ends, when a `speech_points` word follows it: "says the", "told
    /// me his" tell about something already known.
    fn tells_known(&self, toks: &[Tok], i: usize) -> Option<usize> {
        self.speech
            .at(toks, i)
            .filter(|&e| self.speech_points.at(toks, e).is_some())
    }

    /// Whether the clause `s..e` is an aside: numbers alone ("(72)"), an adult's age ("(age 50)", "(an
    /// adult)", `[context] adult`), or person words and numbers
    /// alone inside one sentence ("I (dad) have had"). "My wife. Trouble breathing." is no aside:
    /// a new sentence may well be the child.
    fn aside(&self, toks: &[Tok], s: usize, e: usize) -> bool {
        if toks[s..e].iter().all(|t| t.num.is_some()) {
            return true;
        }
        // "(age 50)", "(an adult)": who the person is, by age, inside one sentence; in brackets, the
        // age may open a longer aside ("(an adult who never had the shots)").
        let grown = self.adult.at(toks, s) == Some(e)
            || (toks[s].bracket && self.adult.at(toks, s).is_some());
        // "(he's 30)": a pronoun and an age; "(not a player)": who the person is not.
        let age = e - s <= 3
            && self.pronoun(toks, s).is_some()
            && toks[s..e].iter().any(|t| t.num.is_some());
        let not_one = self
            .negation
            .at(toks, s)
            .is_some_and(|ne| (ne..e).any(|q| self.other.at(toks, q) == Some(e)));
        let mut q = s;
        while q < e && !age && !not_one && !grown {
            q = match (toks[q].num, self.person(toks, q)) {
                (Some(_), _) => q + 1,
                (None, Some((_, pe))) if pe <= e => pe,
                _ => return false,
            };
        }
        let sentence = toks[s].sentence;
        e < toks.len()
            && toks[s - 1].sentence == sentence
            && toks[e - 1].sentence == toks[e].sentence
    }

    /// The child's sex, when the pronouns tell it: a pronoun of a sex that no someone-else trigger
    /// names ("my husband ... his pee ... how should she", "my wife ... she looks terrible ... our
    /// 10yo ... his feet") is the child's. `None` when both sexes or neither do. ("Here" is its own
    /// word, not "her": the English stemmer leaves it whole.)
    fn child_sex(&self, toks: &[Tok], others: &[(usize, usize)]) -> Option<Person> {
        let named: Vec<Person> = others
            .iter()
            .flat_map(|&(s, e)| (s..e).filter_map(|i| self.person(toks, i).map(|p| p.0)))
            .collect();
        let mut sexes = (0..toks.len())
            .filter_map(|i| self.pronoun(toks, i).map(|p| p.0))
            .filter(|p| matches!(p, Person::Male | Person::Female) && !named.contains(p));
        let first = sexes.next()?;
        sexes.all(|p| p == first).then_some(first)
    }

    /// Someone-else scopes: from a trigger ("my sister", "I had") on through its clause, and on through
    /// the pronouns that agree with that person ("my brother broke his leg, he cried"), into the next
    /// clause when it opens with one. Any other word for a child ends the scope ("my sister says he
    /// can't walk"), and so does an object ("my brother kicked him"); a person of unknown gender (a
    /// cousin, a friend, the writer) goes on with no pronoun: when unsure, the sign is the child's.
    fn someone_else(
        &self,
        toks: &[Tok],
        free: &dyn Fn(usize, usize) -> bool,
        others: &[(usize, usize)],
        historical: &[bool],
        out: &mut [bool],
    ) {
        let n = toks.len();
        // An age or a person in brackets ("my dad (72) fell", "I (dad) have had numb toes") does not
        // end the person's clause: an aside joins the clauses on either side of it.
        let mut joined = Vec::with_capacity(n);
        let mut id = 0u32;
        let mut i = 0;
        let mut after_aside = false;
        while i < n {
            let end = (i..n)
                .find(|&q| toks[q].clause != toks[i].clause)
                .unwrap_or(n);
            // The rest of a bracket an aside opened is the aside too: "my daughter (19, at
            // college)", "my brother (adult, never got boosters)".
            let rest = after_aside
                && toks[i].bracket
                && toks[i - 1].bracket
                && toks[i].sentence == toks[i - 1].sentence;
            let aside = i > 0 && (rest || self.aside(toks, i, end));
            if i > 0 && !aside && !after_aside {
                id += 1;
            }
            after_aside = aside;
            joined.extend(std::iter::repeat_n(id, end - i));
            i = end;
        }
        let clause = |i: usize| joined[i];
        let child_sex = self.child_sex(toks, others);
        for &(s, e) in others {
            // "he keeps calling his coach by my name": mid-clause after "his", the person is the
            // object of what the child does, and the signs stay the child's. ("His sister had a
            // seizure" opens its clause, and so does "because his cousin had meningitis": a
            // terminator before the pronoun starts a clause of its own.)
            let object = s >= 2
                && clause(s - 2) == clause(s)
                && self.terminators.at(toks, s - 2).is_none()
                && self.pronoun(toks, s - 1).is_some_and(|(_, pe)| pe == s);
            // "Someone said the calf looked swollen": hearsay that points at something known tells
            // the child's sign.
            let told = (s..e).any(|k| self.tells_known(toks, k) == Some(e));
            if !free(s, e) || object || told {
                continue;
            }
            // The person the trigger names ("my sister"); a word for a child right after it names
            // that person's child ("my sister's toddler", "my friend's little girl").
            let mut person = (s..e)
                .find_map(|i| self.person(toks, i).map(|p| p.0))
                .unwrap_or(Person::Unknown);
            let mut j = e;
            let mut k = e;
            // "my own daughter": a trigger that ends in a describing word names the writer, whose
            // child is the child.
            let writers = e > s && self.kin.at(toks, e - 1) == Some(e);
            if writers && self.young.at(toks, e).is_some() {
                continue;
            }
            while k < n && clause(k) == clause(s) {
                // A pronoun right after the trigger is its object or owner: "a boy on her team".
                if let Some((_, pe)) = self.pronoun(toks, k).filter(|_| k == e) {
                    j = pe;
                    break;
                }
                if let Some((p, pe)) = self.person(toks, k) {
                    person = p;
                    j = pe;
                    break;
                }
                if let Some(ce) = self.young.at(toks, k) {
                    person = Person::Unknown;
                    j = ce;
                    break;
                }
                // "my friend's little girl": only a describing word may stand between.
                match self.kin.at(toks, k) {
                    Some(ke) if ke - e <= 2 => k = ke,
                    _ => break,
                }
            }
            out[s..j].iter_mut().for_each(|p| *p = true);
            let agrees = |k: usize| {
                let at_end = k + 1 >= n || clause(k + 1) != clause(k);
                person != Person::Unknown
                    && !at_end
                    && self.object.at(toks, k).is_none()
                    && self.pronoun(toks, k).is_some_and(|(p, _)| p == person)
            };
            // A pronoun of the person's sex when the child is of the other ("my dad couldn't stand,
            // he's ok now ... my daughter ... her"): it cannot be the child, so it is the person's.
            // So is a pronoun of a grown-up's sex ("my dad is 78 and last week he fell"): an adult's
            // age right after the person says they are not the child.
            let grown = self.adult.at(toks, j).is_some();
            let apart =
                person != Person::Unknown && (grown || child_sex.is_some_and(|c| c != person));
            let theirs =
                |k: usize| apart && self.pronoun(toks, k).is_some_and(|(p, _)| p == person);
            // In the person's own clause, only a possessive goes on with them.
            let owns = |k: usize| agrees(k) && self.possessive.at(toks, k).is_some() || theirs(k);
            let mut last = j;
            while j < n && j < last + OTHER_SCOPE && clause(j) == clause(s) {
                // "Her mom says the redness has spread": what the person tells is not their own
                // sign; when unsure whose it is, it is the child's.
                if self.tells_known(toks, j).is_some() {
                    break;
                }
                // A word for the child that starts another someone-else trigger still names the
                // person: "a girl in my daughter's class was hospitalised with ...".
                if let Some(oe) = self
                    .other
                    .at(toks, j)
                    .filter(|_| self.child.at(toks, j).is_some())
                {
                    out[j..oe].iter_mut().for_each(|p| *p = true);
                    last = oe;
                    j = oe;
                    continue;
                }
                if let Some(ce) = self.child.at(toks, j) {
                    // "My sister gets spasms when she breathes too fast": a conjunction before the
                    // person's own pronoun goes on with them.
                    let joins = self.pronoun(toks, j).is_none() && theirs(ce);
                    if joins {
                        out[j..ce].iter_mut().for_each(|p| *p = true);
                        j = ce;
                        continue;
                    }
                    if !owns(j) {
                        // "I had to shake her": a finding that holds a pronoun that is not the
                        // person's is about whom that pronoun names, and so is the start of it.
                        let named = self.pronoun(toks, j).is_some_and(|(p, _)| p != person);
                        if named && !free(j, j + 1) {
                            let mut k = j;
                            while k > e && !free(k - 1, k) {
                                k -= 1;
                                out[k] = false;
                            }
                        } else if named && person != Person::Unknown {
                            // "my sister says red streaks are going up from the scrape on his
                            // leg": a pronoun of another sex than the person's, later in the
                            // clause, says the signs told before it are whom it names.
                            out[e..j].iter_mut().for_each(|p| *p = false);
                        }
                        break;
                    }
                    let ce = self.pronoun(toks, j).map_or(ce, |(_, pe)| pe);
                    out[j..ce].iter_mut().for_each(|p| *p = true);
                    last = ce;
                    j = ce;
                    continue;
                }
                out[j] = true;
                j += 1;
            }
            // Their pronoun goes on with them into the clauses of the sentence that open with it
            // ("my husband was in hospital with rhabdo, his pee was brown ... she").
            if apart {
                let mut p = (s..n).find(|&p| clause(p) != clause(s)).unwrap_or(n);
                while p < n && toks[p].sentence == toks[s].sentence && theirs(p) {
                    let end = (p..n).find(|&q| clause(q) != clause(p)).unwrap_or(n);
                    let stop = (p..end)
                        .find(|&q| self.child.at(toks, q).is_some() && !theirs(q))
                        .unwrap_or(end);
                    out[p..stop].iter_mut().for_each(|o| *o = true);
                    if stop < end {
                        break;
                    }
                    p = end;
                }
            }
            // A story about that person's past goes on into the clauses after it that open with
            // their pronoun or name nobody, up to a word for now ("my brother broke his leg last
            // year, very much pain, he cried when he moved it"). Not in the present: "my brother is
            // here, he can't walk" may well be the child, and when unsure the sign is the child's.
            if !(0..n).any(|p| clause(p) == clause(s) && historical[p]) {
                continue;
            }
            let mut p = (s..n).find(|&p| clause(p) != clause(s)).unwrap_or(n);
            while p < n {
                let end = (p..n).find(|&q| clause(q) != clause(p)).unwrap_or(n);
                let now = (p..end).any(|q| self.present.at(toks, q).is_some());
                // The first word for someone in the clause says whose it is: "..., muscles wrecked and
                // his pee went brown" goes on with the husband.
                let first = (p..end).find(|&q| self.child.at(toks, q).is_some());
                if now || first.is_some_and(|q| !agrees(q)) {
                    break;
                }
                let stop = (p..end).find(|&q| self.child.at(toks, q).is_some() && !agrees(q));
                out[p..stop.unwrap_or(end)]
                    .iter_mut()
                    .for_each(|o| *o = true);
                if stop.is_some() {
                    break;
                }
                p = end;
            }
        }
    }

    /// The context of every position. `in_finding[i]`: position `i` is part of some finding (a
    /// trigger there is not a trigger); `finding_end[i]`: a finding starts at `i` and ends there;
    /// `part[i]`: a qualifier of a finding told just before it starts at `i`.
    #[must_use]
    pub fn contexts(
        &self,
        toks: &[Tok],
        in_finding: &[bool],
        finding_end: &[Option<usize>],
        part: &[bool],
    ) -> Contexts {
        let n = toks.len();
        let mut c = Contexts {
            negated_by: vec![Vec::new(); n],
            plain: vec![None; n],
            hypothetical: vec![false; n],
            historical: vec![false; n],
            other: vec![false; n],
            writer_is_child: self.writer_is_child(toks),
        };
        let free =
            |s: usize, e: usize| !(s..e).any(|p| in_finding.get(p).copied().unwrap_or(false));
        let clause = |i: usize| toks[i].clause;
        // Where the clause holding `q` ends.
        let clause_end = |q: usize| (q..n).find(|&p| clause(p) != clause(q)).unwrap_or(n);
        for (s, e) in self.negation.find(toks) {
            if self.uncertain_after.at(toks, e).is_some() {
                continue;
            }
            for p in (e..n).take(NEGATION_SCOPE) {
                if clause(p) != clause(s) || self.terminators.at(toks, p).is_some() {
                    break;
                }
                c.plain[p] = Some(s);
            }
            // A trigger inside a finding negates nothing ("can not" of "can not walk"), but one whose
            // first word stands before a finding that begins inside it negates that finding: "no
            // tiene fiebre" is "no" + "tiene fiebre" (a phrase of the fever flag).
            let mut j = e;
            if !free(s, e) {
                match (s + 1..e).find(|&p| finding_end[p].is_some()) {
                    Some(p) if !in_finding[s] => j = p,
                    _ => continue,
                }
            }
            let mut budget = NEGATION_SCOPE;
            while j < n && budget > 0 && clause(j) == clause(s) {
                if self.terminators.at(toks, j).is_some() {
                    break;
                }
                if let Some(end) = finding_end[j] {
                    for p in j..end.min(n) {
                        c.negated_by[p].push(s);
                    }
                    j = end;
                    // The scope ends with the finding, unless the next word lists another.
                    if j < n && self.joiners.contains(&toks[j].sym) && clause(j) == clause(s) {
                        c.negated_by[j].push(s);
                        j += 1;
                        budget = NEGATION_SCOPE;
                        continue;
                    }
                    break;
                }
                c.negated_by[j].push(s);
                j += 1;
                budget -= 1;
            }
        }
        let after = self
            .negation_after
            .find(toks)
            .into_iter()
            .map(|t| (t, true));
        let fine = self.fine_after.find(toks).into_iter().map(|t| (t, false));
        for ((s, e), plain) in after.chain(fine) {
            // "Swollen knee fine to ice?": asking whether something is all right, not saying the
            // sign is fine.
            if !plain && self.fine_asks.at(toks, e).is_some() {
                continue;
            }
            // "her knee has gone puffy", "his pee has gone really dark": a finding right after the
            // trigger, or after a filler or two, is no "gone"; nor is a qualifier of one ("his jaw has
            // gone sort of stuck"), or a trigger that is itself the start of one ("has gone stiff").
            let mut after = e;
            while let Some(fe) = self.fillers.at(toks, after).filter(|&fe| fe - e <= 2) {
                after = fe;
            }
            // A word for now is no qualifier here: "the swelling has gone now" is gone.
            let becomes = |p: usize| {
                let qualifier = part.get(p).copied().unwrap_or(false)
                    && self.present.at(toks, p).is_none()
                    && self.terminators.at(toks, p).is_none();
                finding_end.get(p).copied().flatten().is_some() || qualifier
            };
            if becomes(after) || (s..e).any(|p| part[p] && !in_finding[p]) {
                continue;
            }
            // "never went away" is still there: a negated "gone" negates nothing.
            let denied = (s.saturating_sub(3)..s).any(|b| self.negation.at(toks, b) == Some(s));
            if denied {
                continue;
            }
            // Back over the clause to the finding that is gone ("the pins and needles in her foot went
            // away"), and no further: "he limps and the rash is gone" still limps.
            let mut seen = false;
            for p in (s.saturating_sub(NEGATION_BACK)..s).rev() {
                let ends = self.terminators.at(toks, p).is_some() && !in_finding[p];
                if clause(p) != clause(s) || ends {
                    break;
                }
                if seen && !in_finding[p] {
                    break;
                }
                if plain {
                    c.plain[p] = Some(s);
                }
                if free(s, e) {
                    c.negated_by[p].push(s);
                }
                seen |= in_finding[p];
            }
        }
        // A forward scope: the rest of the trigger's clause, up to a `stop` word; into the next clause
        // too when that clause opens with a `continues` word ("..., like a swollen calf").
        let opens = |s: usize| s == 0 || clause(s - 1) != clause(s);
        let forward = |set: &Triggers,
                       stop: &Triggers,
                       cont: Option<&Triggers>,
                       max: usize,
                       out: &mut Vec<bool>| {
            // Openers count only where a clause opens.
            let initial = std::ptr::eq(set, &self.openers);
            for (s, e) in set.find(toks) {
                if !set.parts_free(toks, (s, e), &free) || (initial && !opens(s)) {
                    continue;
                }
                // The trigger's own words too: "is it an emergency if ..." asks, it does not alarm.
                out[s..e].iter_mut().for_each(|p| *p = true);
                let mut j = e;
                let mut at = clause(s);
                while j < n && j < e + max {
                    if clause(j) != at {
                        match cont {
                            Some(c) if c.at(toks, j).is_some() => at = clause(j),
                            _ => break,
                        }
                    }
                    if stop.at(toks, j).is_some() {
                        break;
                    }
                    out[j] = true;
                    j += 1;
                }
            }
        };
        forward(
            &self.hypothetical,
            &self.present,
            Some(&self.continues),
            TIME_SCOPE,
            &mut c.hypothetical,
        );
        forward(
            &self.openers,
            &self.present,
            Some(&self.continues),
            TIME_SCOPE,
            &mut c.hypothetical,
        );
        // "Would cola-coloured urine after a game be an emergency?": a bare opener right before a sign,
        // with a judgement later in the clause, asks about the sign in general. Not when the words
        // before the judgement point at the child's ("would his calf ...", "would the swelling ...",
        // "would swelling like this ...") or tell of now.
        for (s, e) in self.bare_openers.find(toks) {
            // "Wouldn't wake up this morning" reports.
            let starts_sign = e < n
                && clause(e) == clause(s)
                && finding_end[e].is_some()
                && self.negation.at(toks, e).is_none();
            if !opens(s) || !starts_sign {
                continue;
            }
            let end = clause_end(s);
            // It asks a judgement ("... be an emergency?"): "she would barely talk" tells. What
            // stands before the judgement says whose sign it is ("... be a reason to go to the ER"
            // points at no sign).
            let Some(ask) = (e..end).find(|&q| self.bare_asks.at(toks, q).is_some()) else {
                continue;
            };
            let pointed = (e..ask).any(|q| {
                self.child.at(toks, q).is_some()
                    || self.speech_points.at(toks, q).is_some()
                    || self.pointers.at(toks, q).is_some()
                    || self.present.at(toks, q).is_some()
            });
            if !pointed {
                c.hypothetical[s..end].iter_mut().for_each(|h| *h = true);
            }
        }
        // "If my kids got really hot and fainted, is that an emergency? They're fine now": in a calm
        // message, an "if" asks, up to a word that says the sign is happening now.
        let calm = !self.calm.find(toks).is_empty();
        if calm {
            for (s, e) in self.conditional.find(toks) {
                let mut j = s;
                while j < n && j < e + TIME_SCOPE {
                    if j >= e && self.present.at(toks, j).is_some() {
                        break;
                    }
                    c.hypothetical[j] = true;
                    j += 1;
                }
            }
            // "What would count as serious, a fever and a sore neck? He's fine at the moment": a
            // clause that names nobody and no time goes on with the question its sentence asks
            // just before it. Not in a worried message, and not "..., his calf is swollen".
            for j in 1..n {
                let opens = clause(j) != clause(j - 1);
                if !opens || toks[j].sentence != toks[j - 1].sentence || !c.hypothetical[j - 1] {
                    continue;
                }
                let end = clause_end(j);
                let nobody = (j..end).all(|q| {
                    self.child.at(toks, q).is_none() && self.present.at(toks, q).is_none()
                });
                if nobody {
                    c.hypothetical[j..end].iter_mut().for_each(|h| *h = true);
                }
            }
        }
        // "Is being really hard to wake ever a warning sign? Just curious": in a message that says it
        // asks in general, a question that opens with a question word and names nobody (no person,
        // no pointer, no word for now) asks about its signs in general. Not "calf swollen and red,
        // normal? just curious" (no question word opens it), nor "is his pee dark from the game?".
        if !self.general.find(toks).is_empty() {
            let mut s = 0;
            while s < n {
                let e = (s..n)
                    .find(|&q| toks[q].sentence != toks[s].sentence)
                    .unwrap_or(n);
                let nobody = (s..e).all(|q| {
                    self.pronoun(toks, q).is_none()
                        && self.person(toks, q).is_none()
                        && self.young.at(toks, q).is_none()
                        && self.pointers.at(toks, q).is_none()
                        && self.present.at(toks, q).is_none()
                });
                if toks[s].question && self.general_openers.at(toks, s).is_some() && nobody {
                    c.hypothetical[s..e].iter_mut().for_each(|h| *h = true);
                }
                s = e;
            }
        }
        // "If the tingling didn't go away, when would I call?": an "if" clause that tells a sign and
        // is followed, in its sentence, by a question about it asks about that sign; so does one
        // whose own clause goes on to the question ("if he got confused in the heat what would I
        // do"). Not with a subject of its own inside ("if I touch his calf he screams, when should I
        // worry?" reports a reaction), nor when the question does not open the next clause.
        for (s, e) in self.conditional.find(toks) {
            // "..., and if there were red lines, would that be urgent?": a conjunction may open the
            // clause before the "if".
            let joined = s > 0 && opens(s - 1) && self.terminators.at(toks, s - 1) == Some(s);
            if !opens(s) && !joined {
                continue;
            }
            let end = clause_end(s);
            let subject = |k: usize| {
                self.pronoun(toks, k).is_some()
                    && self.possessive.at(toks, k).is_none()
                    && self.object.at(toks, k).is_none()
            };
            // The clause's own subject may be the child ("if one day after a cramp he couldn't
            // stand up, would that be an emergency?"); a subject after someone who acts first
            // answers the "if" ("if I touch his calf he screams"), and the clause reports.
            let actor = |q: usize| {
                self.child.at(toks, q).is_some()
                    || self.if_actors.at(toks, q).is_some()
                    || self.pronoun(toks, q).is_some()
            };
            let answers = |k: usize| subject(k) && (e..k).any(actor);
            let asks = |q: usize| {
                self.hypothetical.at(toks, q).is_some() || self.if_questions.at(toks, q).is_some()
            };
            // The question opens the clause right after the "if" clause; in a calm message, it may
            // come a few clauses on, after more of the story ("if a kid got a rusty nail wound,
            // wasn't vaccinated, and then got a stiff jaw, is that serious? She's fine"). Not
            // otherwise: "if I lift him, legs fold, can't stand at all, is that bad?" reports.
            // A clause that goes on with an example ("..., like dragging a foot, when would I call?")
            // is part of the "if" clause.
            let mut reach = if calm { IF_CLAUSES } else { 1 };
            let mut next = None;
            let mut q = end;
            while reach > 0 {
                if q >= n || toks[q].sentence != toks[s].sentence {
                    break;
                }
                if asks(q) {
                    next = Some(q);
                    break;
                }
                if self.continues.at(toks, q).is_none() {
                    reach -= 1;
                }
                q = clause_end(q);
            }
            // The question inside the clause, after the sign: it ends the "if" part.
            let inside = (e + 1..end).find(|&q| asks(q) && (e..q).any(|p| in_finding[p]));
            let told = inside.or(next).unwrap_or(end);
            // A word for now inside says the sign is happening: "if he can't walk right now, should
            // I call?" reports.
            let now = (s..told).any(|q| self.if_now.at(toks, q).is_some());
            if (next.is_some() || inside.is_some())
                && (e..told).any(|p| in_finding[p])
                && !(e..told).any(answers)
                && !now
            {
                c.hypothetical[s..told].iter_mut().for_each(|p| *p = true);
                // The question may name the sign it asks about: "if he got dizzy after a hot game,
                // would that be heat exhaustion?".
                if let (Some(at), None) = (next, inside) {
                    let stop = (at..n)
                        .find(|&q| clause(q) != clause(at) || self.present.at(toks, q).is_some())
                        .unwrap_or(n);
                    c.hypothetical[at..stop].iter_mut().for_each(|p| *p = true);
                }
            }
        }
        // "Hypothetically, fever plus spots that stay under a glass, is that serious?": a
        // `hypothetical_lead` that is a clause of its own asks about the rest of its sentence, up to a
        // clause with a word for now ("hypothetically, ... he has it right now" reports). Not any
        // trigger: "just in case: his calf is swollen" reports.
        for (s, e) in self.hypothetical_lead.find(toks) {
            // Alone, or heading a clause that names no sign and nobody: "hypothetical for the
            // coaches' meeting: a kid collapses in the heat, ...".
            let head_end = clause_end(s);
            let heading = (e..head_end).all(|q| !in_finding[q] && self.child.at(toks, q).is_none());
            let alone = opens(s) && head_end < n && heading;
            if !alone || toks[head_end].sentence != toks[s].sentence || !free(s, e) {
                continue;
            }
            let sentence_end = (e..n)
                .find(|&p| toks[p].sentence != toks[s].sentence)
                .unwrap_or(n);
            let mut p = e;
            while p < sentence_end {
                let end = clause_end(p);
                if (p..end).any(|q| self.present.at(toks, q).is_some()) {
                    break;
                }
                c.hypothetical[p..end].iter_mut().for_each(|h| *h = true);
                p = end;
            }
        }
        // "What if he's too weak to stand? He is, right now": a question answered with the present
        // tense later in the message is happening, not asked about.
        // "It's not happening now" says the opposite.
        let mut happening = self.happening.find(toks).into_iter().filter(|&(s, _)| {
            !(s.saturating_sub(3)..s).any(|b| self.negation.at(toks, b).is_some_and(|e| e + 1 >= s))
        });
        if let Some((at, _)) = happening.next_back() {
            let first = clause(at);
            for (p, h) in c.hypothetical.iter_mut().enumerate() {
                if clause(p) < first {
                    *h = false;
                }
            }
        }
        // "since last year" is a duration that runs to now: a historical trigger right after a
        // present word ("since", "still") is no history.
        let mut historical = vec![false; n];
        forward(
            &self.historical,
            &self.present,
            None,
            TIME_SCOPE,
            &mut historical,
        );
        for (s, e) in self.historical.find(toks) {
            let after_present =
                (s.saturating_sub(2)..s).any(|b| self.present.at(toks, b) == Some(s));
            if !after_present {
                c.historical[s..e].iter_mut().for_each(|p| *p = true);
                let mut j = e;
                while j < n && historical[j] {
                    c.historical[j] = true;
                    j += 1;
                }
            }
        }
        let after = self.historical_after.find(toks);
        for &(s, e) in &after {
            let after_present =
                (s.saturating_sub(2)..s).any(|b| self.present.at(toks, b) == Some(s));
            // "Her knee got puffy last summer and still is": a sign that goes on is no history. Not
            // "fine since": a trigger of its own says it is over.
            let over = |q: usize| after.iter().any(|&(os, oe)| os <= q && q < oe);
            let goes_on =
                (e..clause_end(s)).any(|q| self.ongoing.at(toks, q).is_some() && !over(q));
            if !free(s, e) || after_present || goes_on {
                continue;
            }
            // A trigger that opens its clause covers the clause before it: "she looked awful
            // yesterday, turned out to be a virus".
            let opens = s == 0 || clause(s - 1) != clause(s);
            let target = if opens && s > 0 {
                clause(s - 1)
            } else {
                clause(s)
            };
            let mut j = s;
            while j > 0 && clause(j - 1) == target && s - j < TIME_SCOPE {
                j -= 1;
                if self.present.at(toks, j).is_some() {
                    break;
                }
                c.historical[j] = true;
            }
        }
        let others = self.others(toks, c.writer_is_child);
        self.someone_else(toks, &free, &others, &c.historical, &mut c.other);
        // "my son and his friend both collapsed": a sign shared with the child is the child's too.
        // Not when the "and" is part of a trigger itself: "me and my husband were vomiting".
        let in_trigger = |b: usize| others.iter().any(|&(s, e)| s <= b && b < e);
        for &(s, _) in &others {
            // Not after another someone-else trigger: "I'm the coach and I nearly fainted" shares
            // nothing with the child.
            let after_other = |b: usize| others.iter().any(|&(_, oe)| oe == b);
            let shared = (s.saturating_sub(3)..s).any(|b| {
                !in_trigger(b)
                    && !after_other(b)
                    && self.shared_before.at(toks, b).is_some_and(|e| e == s)
            });
            if shared {
                let mut j = s;
                while j < n && c.other[j] {
                    c.other[j] = false;
                    j += 1;
                }
            }
        }
        // "I got heat exhaustion last summer, dizzy and throwing up": a clause that opens with a finding
        // goes on listing the signs of the clause before, when a finding there was someone else's or
        // over; a short fragment that names nobody ("I nearly passed out myself, so hot, headache,
        // dizzy") passes the list on. A clause that opens any other way ("his calf is
        // swollen") starts afresh, and so does a new sentence: "My wife. Trouble breathing." may
        // well be the child.
        let mut carried = (false, false);
        for j in 1..n {
            if clause(j) == clause(j - 1) {
                continue;
            }
            let (carried_other, carried_historical) = std::mem::take(&mut carried);
            let end = clause_end(j);
            let opens_with_finding = (j..end.min(j + 3)).any(|q| in_finding[q]);
            let fragment =
                end - j <= FRAGMENT && (j..end).all(|q| self.child.at(toks, q).is_none());
            let new_sentence = toks[j].sentence != toks[j - 1].sentence;
            if new_sentence || !(opens_with_finding || fragment) {
                continue;
            }
            // The clause before, from its first word.
            let start = (0..j)
                .rev()
                .find(|&p| clause(p) != clause(j - 1))
                .map_or(0, |p| p + 1);
            let before: Vec<usize> = (start..j).filter(|&p| in_finding[p]).collect();
            // A scope that runs to the end of the clause before goes on too, when that clause told a
            // sign ("my husband had a bad attack last week, wheezing"). A clause of the person alone
            // ("asked my sister. one calf is swollen and red") lists nothing: when unsure, the sign
            // is the child's (found by the property test `words_around_a_red_flag_never_lower_it`).
            // So does one where the person has an illness: "my husband has norovirus, vomiting all
            // night" (not "my mum thinks it's a virus, vomiting all night": the child's).
            let has = |p: usize| {
                (p.saturating_sub(ILL_GAP + 1)..p).any(|q| {
                    clause(q) == clause(p) && self.ill_has.at(toks, q).is_some_and(|he| he <= p)
                })
            };
            let ill = || (start..j).any(|p| self.illness.at(toks, p).is_some() && has(p));
            let told = !before.is_empty() || ill();
            let (mut other, mut historical) = (told && c.other[j - 1], false);
            for &p in &before {
                other |= c.other[p];
                historical |= c.historical[p];
            }
            other |= carried_other;
            historical |= carried_historical;
            if !(other || historical) {
                continue;
            }
            // A fragment with no sign passes the list on and keeps its words: "so hot" is the
            // weather of everyone there.
            if !opens_with_finding {
                carried = (other, historical);
                continue;
            }
            let mut k = j;
            while k < n && clause(k) == clause(j) && k < j + OTHER_SCOPE {
                let stop = if other { &self.child } else { &self.present };
                if stop.at(toks, k).is_some() {
                    break;
                }
                c.other[k] |= other;
                c.historical[k] |= historical;
                k += 1;
            }
            // The list goes on only past a clause it took in whole.
            if k == end {
                carried = (other, historical);
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::knowledge::Knowledge;

    /// The context of the first token of `word` in `text` (clauses split at commas and full stops,
    /// sentences at full stops), with the
    /// findings given by word. Tokens come from [`Vocab::phrase`], as triggers do.
    fn context_of(text: &str, findings: &[&str], word: &str) -> Option<Modifier> {
        let k = Knowledge::builtin().expect("built-in knowledge");
        let mut vocab = Vocab::new(&k, &k.context.words());
        let idx = ContextIdx::new(&mut vocab, &k.context);
        let finding_syms: Vec<Sym> = findings.iter().flat_map(|f| vocab.phrase(f)).collect();
        let target = vocab.phrase(word)[0];
        let mut toks = Vec::new();
        let parts = (0u32..)
            .zip(text.split('.'))
            .flat_map(|(sentence, s)| s.split(',').map(move |part| (sentence, part)));
        for (clause, (sentence, part)) in (0u32..).zip(parts) {
            toks.extend(vocab.phrase(part).into_iter().map(|sym| Tok {
                sym,
                clause,
                sentence,
                num: None,
                bracket: false,
                question: false,
            }));
        }
        let in_finding: Vec<bool> = toks.iter().map(|t| finding_syms.contains(&t.sym)).collect();
        let finding_end: Vec<Option<usize>> = in_finding
            .iter()
            .enumerate()
            .map(|(i, &f)| f.then_some(i + 1))
            .collect();
        let c = idx.contexts(&toks, &in_finding, &finding_end, &in_finding);
        let at = toks
            .iter()
            .position(|t| t.sym == target)
            .expect("word in text");
        c.of(at, &[(at, at + 1)])
    }

    #[test]
    fn negation_is_matched_before_stemming() {
        // "nothing" stems to "noth": both sides go through the same phrase normalisation.
        let m = context_of("nothing is swollen", &["swollen"], "swollen");
        assert_eq!(m, Some(Modifier::Negated));
    }

    #[test]
    fn negation_ends_with_its_finding_unless_a_list_goes_on() {
        let f = &["fever", "limp"];
        assert_eq!(context_of("no fever he limps", f, "limp"), None);
        let m = context_of("no fever or limp", f, "limp");
        assert_eq!(m, Some(Modifier::Negated));
    }

    #[test]
    fn uncertainty_and_intensifiers_do_not_negate() {
        assert_eq!(
            context_of("not sure it is swollen", &["swollen"], "swollen"),
            None
        );
        assert_eq!(context_of("never been this weak", &["weak"], "weak"), None);
    }

    #[test]
    fn a_gapped_trigger_skips_a_few_words_of_its_clause() {
        // "if ... ever": the person between the parts is any few words.
        let m = context_of("if my son's knee ever got puffy", &["puffy"], "puffy");
        assert_eq!(m, Some(Modifier::Hypothetical));
        // Not across a clause: "if he ever asks, his knee is puffy" is no question about the knee.
        assert_eq!(
            context_of(
                "if it hurts, ever since his knee got puffy",
                &["puffy"],
                "puffy"
            ),
            None
        );
    }

    #[test]
    fn a_list_of_signs_goes_on_with_the_person_before_it() {
        let f = &["seizure", "fever", "swollen"];
        let m = context_of("my cousin had a seizure, fever and shaking", f, "fever");
        assert_eq!(m, Some(Modifier::Other));
        // A clause that opens with the child starts afresh.
        assert_eq!(
            context_of("my cousin had a seizure, his calf is swollen", f, "swollen"),
            None
        );
        assert_eq!(
            context_of("my cousin had a seizure, his calf swollen", f, "swollen"),
            None
        );
        // A new sentence starts afresh too: "my wife. fever." may be the child's fever.
        assert_eq!(context_of("my wife. fever and shaking", f, "fever"), None);
    }

    #[test]
    fn gone_reaches_back_to_its_finding_and_never_gone_is_there() {
        let f = &["tingling", "limp", "rash"];
        let m = context_of("the tingling in her foot went away", f, "tingling");
        assert_eq!(m, Some(Modifier::Negated));
        assert_eq!(
            context_of("the tingling never went away", f, "tingling"),
            None
        );
        assert_eq!(context_of("he limp the rash is gone", f, "limp"), None);
    }

    #[test]
    fn gone_before_a_finding_is_no_negation() {
        assert_eq!(
            context_of("her knee has gone puffy", &["puffy"], "knee"),
            None
        );
        assert_eq!(
            context_of("the swelling has gone", &["swelling"], "swelling"),
            Some(Modifier::Negated)
        );
        // A filler may stand between: "his pee has gone really dark".
        assert_eq!(
            context_of("his pee has gone really dark", &["dark"], "dark"),
            None
        );
    }

    #[test]
    fn hypothetical_historical_and_other_scopes() {
        let s = &["seizure"];
        let m = context_of("what if he has a seizure", s, "seizure");
        assert_eq!(m, Some(Modifier::Hypothetical));
        let m = context_of("a seizure two years ago", s, "seizure");
        assert_eq!(m, Some(Modifier::Historical));
        let m = context_of("my sister had a seizure", s, "seizure");
        assert_eq!(m, Some(Modifier::Other));
        // The child named after the other person ends the scope; "now" ends a hypothetical one.
        assert_eq!(
            context_of("my sister says he had a seizure", s, "seizure"),
            None
        );
        assert_eq!(
            context_of("what if now he has a seizure", s, "seizure"),
            None
        );
    }

    #[test]
    fn someone_elses_scope_goes_on_with_the_pronouns_that_agree() {
        let f = &["pain", "seizure", "limp", "drowsy", "swollen"];
        // The brother's own leg; the sister's "his" is the child's.
        let m = context_of("my brother broke his leg and it has pain", f, "pain");
        assert_eq!(m, Some(Modifier::Other));
        assert_eq!(
            context_of("my sister broke his leg and it has pain", f, "pain"),
            None
        );
        // A subject pronoun may be the child: when unsure, the sign counts.
        assert_eq!(
            context_of("my brother was babysitting and he has pain", f, "pain"),
            None
        );
        // An object is someone else: "my brother kicked him" names the child.
        assert_eq!(
            context_of("my brother kicked him and his leg has pain", f, "pain"),
            None
        );
        // A cousin of unknown sex: "his" may be the child's, so the sign counts.
        assert_eq!(
            context_of("my cousin was in hospital and his leg has pain", f, "pain"),
            None
        );
        // Into the next clause only in a story about that person's past.
        let m = context_of(
            "my brother had a seizure years ago, his leg was swollen",
            f,
            "swollen",
        );
        assert_eq!(m, Some(Modifier::Other));
        let m = context_of(
            "my brother had a seizure years ago, he was drowsy",
            f,
            "drowsy",
        );
        assert_eq!(m, Some(Modifier::Other));
        assert_eq!(
            context_of("my brother is here, his leg is swollen", f, "swollen"),
            None
        );
    }

    #[test]
    fn a_pronoun_of_the_other_sex_than_the_childs_is_the_persons() {
        let f = &["collapsed", "swollen"];
        // "she" is the child, so "he" is the dad, in his clause and the next that opens with him.
        let m = context_of(
            "my dad was so tired he collapsed. she has cramps",
            f,
            "collapsed",
        );
        assert_eq!(m, Some(Modifier::Other));
        let m = context_of(
            "my dad was in hospital, his leg was swollen. she has cramps",
            f,
            "swollen",
        );
        assert_eq!(m, Some(Modifier::Other));
        // With the child's sex unknown, "he" may be the child: the sign counts.
        assert_eq!(
            context_of(
                "my dad was so tired he collapsed. he has cramps",
                f,
                "collapsed"
            ),
            None
        );
        // The child's own pronoun still ends the scope.
        assert_eq!(
            context_of("my dad says she collapsed", f, "collapsed"),
            None
        );
    }

    #[test]
    fn a_finding_that_names_someone_else_is_theirs() {
        // "I had to shake her": the writer's modal, and the child's sign.
        let f = &["shake", "her"];
        assert_eq!(
            context_of("i had to really shake her awake", f, "shake"),
            None
        );
    }

    #[test]
    fn a_child_named_right_after_the_trigger_is_that_persons_child() {
        let f = &["drowsy"];
        let m = context_of("my sister's toddler was drowsy", f, "drowsy");
        assert_eq!(m, Some(Modifier::Other));
        let m = context_of("my friends little girl was drowsy", f, "drowsy");
        assert_eq!(m, Some(Modifier::Other));
        assert_eq!(
            context_of("my sister says my son was drowsy", f, "drowsy"),
            None
        );
    }

    #[test]
    fn in_a_calm_message_an_if_asks() {
        let f = &["faint"];
        let m = context_of(
            "if he got hot and faint is that bad, he is fine now",
            f,
            "faint",
        );
        assert_eq!(m, Some(Modifier::Hypothetical));
        // Without the calm words, "if" starts a report as often as a question.
        assert_eq!(
            context_of("if he stands up he goes faint", f, "faint"),
            None
        );
    }

    #[test]
    fn a_person_in_brackets_is_no_clause_break() {
        // "I (dad) have had numb toes": the aside joins the clauses on either side of it.
        let f = &["numb"];
        let m = context_of("i, dad, have had numb toes", f, "numb");
        assert_eq!(m, Some(Modifier::Other));
        // Not across a sentence: "Dad. Numb toes." may be the child's.
        assert_eq!(context_of("i asked. dad. numb toes", f, "numb"), None);
    }

    #[test]
    fn the_writer_and_another_share_nothing_with_the_child() {
        let f = &["vomiting", "collapsed"];
        let m = context_of("me and my husband were vomiting", f, "vomiting");
        assert_eq!(m, Some(Modifier::Other));
        assert_eq!(
            context_of("my son and his friend both collapsed", f, "collapsed"),
            None
        );
    }

    #[test]
    fn a_list_goes_on_through_short_fragments() {
        let f = &["fainted", "dizzy"];
        let m = context_of(
            "i nearly fainted myself, so hot, headache, dizzy",
            f,
            "dizzy",
        );
        assert_eq!(m, Some(Modifier::Other));
        // A fragment passes on only a list that someone else's sign began.
        assert_eq!(
            context_of("i called my mum, crying, dizzy", f, "dizzy"),
            None
        );
    }

    #[test]
    fn so_as_an_intensifier_keeps_the_person() {
        let f = &["sleepy", "swollen"];
        let m = context_of("my husband is so sleepy after work", f, "sleepy");
        assert_eq!(m, Some(Modifier::Other));
        assert_eq!(
            context_of("my husband looked so the calf is swollen", f, "swollen"),
            None
        );
    }

    #[test]
    fn the_gap_of_a_trigger_may_hold_the_sign_asked_about() {
        let f = &["stroke"];
        let m = context_of("what does heat stroke look like", f, "stroke");
        assert_eq!(m, Some(Modifier::Hypothetical));
    }

    #[test]
    fn a_denied_happening_keeps_the_question() {
        let f = &["swollen"];
        let m = context_of(
            "what if his knee got swollen, it is not happening now",
            f,
            "swollen",
        );
        assert_eq!(m, Some(Modifier::Hypothetical));
        assert_eq!(
            context_of(
                "what if his knee got swollen, it is happening now",
                f,
                "swollen"
            ),
            None
        );
    }

    #[test]
    fn a_hypothetical_lead_alone_in_its_clause_asks_about_its_sentence() {
        let f = &["fever", "stiff"];
        let m = context_of("hypothetically, a fever, stiff neck", f, "stiff");
        assert_eq!(m, Some(Modifier::Hypothetical));
        // Not past its sentence, and not past a word for now.
        assert_eq!(context_of("hypothetically. a fever", f, "fever"), None);
        assert_eq!(context_of("hypothetically, fever now", f, "fever"), None);
    }

    #[test]
    fn what_someone_tells_about_a_known_thing_is_not_their_sign() {
        let f = &["redness", "stiff"];
        let m = context_of("her mom says the redness has spread", f, "redness");
        assert_eq!(m, None);
        // Hearsay about signs in general stays the teller's.
        assert_eq!(
            context_of("my mum says a stiff neck is bad", f, "stiff"),
            Some(Modifier::Other)
        );
    }
}
