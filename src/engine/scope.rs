//! Part of the third stage: what is CrampCare's to answer, from the word lists of
//! `knowledge/scope.toml`: small talk (greetings, thanks), another symptom, and whom a message is
//! about (a child, the writer or another adult, an animal).
//!
//! Owns who a message is about, not what it asks ([`super::ask`]) or its signs
//! ([`super::triage`]). A word for the child that is a pronoun ("he", "her") is the child's only when
//! no adult or animal it agrees with was named before it: in "my husband cramps up every time he
//! plays", "he" is the husband; in "my wife says he cramps at night", the child. The writer ("I get
//! cramps", "I'm pregnant") takes no "he" or "she". The sex of a person comes from the same lists
//! as someone-else scopes (`[context] male`, `female`, `he`, `she`, `they`).

use super::knowledge::Knowledge;
use super::number::{match_end, pattern, Pat, Pattern};
use super::vocab::{Sym, SymMap, SymSet, Tok, Vocab};

/// Whom a word names besides the child, as its pronouns tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Person {
    Male,
    Female,
    /// An animal: any pronoun may stand for it.
    Any,
    /// The writer, or a person of unknown sex: no pronoun goes on with them.
    Writer,
}

/// The sex a pronoun names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pronoun {
    He,
    She,
    They,
}

impl Person {
    fn agrees(self, p: Pronoun) -> bool {
        match self {
            Person::Any => true,
            Person::Male => p == Pronoun::He,
            Person::Female => p == Pronoun::She,
            Person::Writer => false,
        }
    }
}

/// The scope's word sets as canonical symbols, built once.
#[derive(Debug, Clone)]
pub struct ScopeIdx {
    /// Words that greet.
    pub greeting: SymSet,
    /// Words that thank.
    pub thanks: SymSet,
    /// Small talk around greetings and thanks.
    pub small: SymSet,
    /// With one of `serious`, the words of a request for the guided check.
    pub check: SymSet,
    /// The words that ask for the guided check ("serious", "grave").
    pub serious: SymSet,
    other_symptoms: Phrases,
    requests: Phrases,
    /// An adult's words; a number in one ("{n>=1} months pregnant") is no child's age.
    adult: Phrases,
    /// Whom each adult phrase names.
    adult_person: Vec<Person>,
    animals: Phrases,
    child: Phrases,
    /// Words that say a message is about cramps, muscles or limbs (the lexicon's `cramp_words`).
    cramp: SymSet,
    he: SymSet,
    she: SymSet,
    they: SymSet,
}

/// Another symptom's or a task's words in a message ([`ScopeIdx::aside`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aside {
    /// Per position, whether it is such a word.
    pub words: Vec<bool>,
    /// Another symptom is named.
    pub symptom: bool,
    /// A task CrampCare does not do is asked.
    pub request: bool,
}

/// Whom a message is about, besides its signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct About {
    /// An adult's own cramps or pregnancy, and no child.
    pub adult: bool,
    /// An animal, and no child.
    pub animal: bool,
    /// Another symptom (a cough, a rash).
    pub symptom: bool,
    /// A task CrampCare does not do ("remind me to give his antibiotics").
    pub request: bool,
}

/// A list of phrases (with `{n>=K}` numbers), indexed by their first token: a message is read once,
/// whatever the length of the list.
#[derive(Debug, Clone, Default)]
struct Phrases {
    list: Vec<Pattern>,
    by_first: SymMap<Vec<usize>>,
    /// Phrases that open with a number.
    numeric: Vec<usize>,
}

impl Phrases {
    fn new(vocab: &mut Vocab, words: &[String]) -> Phrases {
        let mut out = Phrases::default();
        for w in words {
            let p = pattern(vocab, w);
            match p.first() {
                Some(Pat::Sym(s)) => out.by_first.entry(*s).or_default().push(out.list.len()),
                Some(_) => out.numeric.push(out.list.len()),
                None => continue,
            }
            out.list.push(p);
        }
        out
    }

    /// Every match: (phrase, where it starts, where it ends).
    fn find(&self, toks: &[Tok]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            let by_num = t.num.is_some().then_some(&self.numeric);
            let list = self
                .by_first
                .get(&t.sym)
                .into_iter()
                .chain(by_num)
                .flatten();
            for &p in list {
                if let Some(end) = match_end(&self.list[p], toks, i, |_| None) {
                    out.push((p, i, end));
                }
            }
        }
        out
    }
}

impl ScopeIdx {
    /// Interns the scope's lists of `k`.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> ScopeIdx {
        let mut set =
            |words: &[String]| -> SymSet { words.iter().flat_map(|w| vocab.phrase(w)).collect() };
        let sc = &k.scope;
        let (greeting, thanks, check) = (set(&sc.greeting), set(&sc.thanks), set(&sc.check));
        let small = set(&sc.small_talk);
        let (male, female) = (set(&k.context.male), set(&k.context.female));
        let (he, she, they) = (
            set(&k.context.he),
            set(&k.context.she),
            set(&k.context.they),
        );
        let cramp = vocab.content_words(&k.lexicon.cramp_words);
        let adult = Phrases::new(vocab, &sc.adult);
        let adult_person = adult
            .list
            .iter()
            .map(|p| {
                let has = |s: &SymSet| p.iter().any(|x| matches!(x, Pat::Sym(y) if s.contains(y)));
                if has(&male) {
                    Person::Male
                } else if has(&female) {
                    Person::Female
                } else {
                    Person::Writer
                }
            })
            .collect();
        ScopeIdx {
            greeting,
            thanks,
            small,
            check,
            other_symptoms: Phrases::new(vocab, &sc.other_symptoms),
            requests: Phrases::new(vocab, &sc.requests),
            adult,
            adult_person,
            animals: Phrases::new(vocab, &sc.animals),
            child: Phrases::new(vocab, &sc.child),
            cramp,
            he,
            she,
            they,
            serious: sc.serious.iter().flat_map(|w| vocab.phrase(w)).collect(),
        }
    }

    fn pronoun(&self, s: Sym) -> Option<Pronoun> {
        [(&self.he, Pronoun::He), (&self.she, Pronoun::She)]
            .into_iter()
            .chain([(&self.they, Pronoun::They)])
            .find(|(set, _)| set.contains(&s))
            .map(|(_, p)| p)
    }

    /// Whom the message is about. `age` is whether the message gives a child's age, or its writer
    /// says they are the child.
    #[must_use]
    pub fn about(&self, toks: &[Tok], age: bool, aside: &Aside) -> About {
        // Everyone named who is not the child, where they are named.
        // Another adult named where no cramp is told stands by: in "does tonic water help leg
        // cramps? my grandad swears by it" the cramps are nobody's in particular. The writer's own
        // words ("pregnant", "my calf") always count.
        // Whether a cramp word stands in `sentence` before position `end`.
        let cramp_before = |sentence: u32, end: usize| {
            toks[..end]
                .iter()
                .any(|t| t.sentence == sentence && self.cramp.contains(&t.sym))
        };
        let cramp_in = |sentence: u32| cramp_before(sentence, toks.len());
        let any_cramp = toks.iter().any(|t| self.cramp.contains(&t.sym));
        let adults: Vec<(usize, usize)> = self
            .adult
            .find(toks)
            .into_iter()
            .filter(|&(p, at, _)| {
                self.adult_person[p] == Person::Writer || !any_cramp || cramp_in(toks[at].sentence)
            })
            .map(|(p, at, _)| (p, at))
            .collect();
        let animals = self.animals.find(toks);
        let mut others: Vec<(usize, Person)> = adults
            .iter()
            .map(|&(p, at)| (at, self.adult_person[p]))
            .collect();
        others.extend(animals.iter().map(|&(_, at, _)| (at, Person::Any)));
        // A word for the child, unless it is a pronoun for someone named before it. A "they" after
        // the writer's own words and a cramp word of its sentence is the cramps ("I'm 31 weeks
        // pregnant ... the leg cramps at night are brutal, they woke me"); one before any cramp word
        // may be children ("I'm pregnant and they keep getting cramps").
        let child = self.child.find(toks).into_iter().any(|(p, i, _)| {
            let theirs = match self.child.list[p].as_slice() {
                [Pat::Sym(s)] => self.pronoun(*s).is_some_and(|pr| {
                    let cramps = pr == Pronoun::They && cramp_before(toks[i].sentence, i);
                    others
                        .iter()
                        .any(|&(at, o)| at < i && (o.agrees(pr) || o == Person::Writer && cramps))
                }),
                _ => false,
            };
            !theirs
        });
        // "I'm 7 months pregnant": the number is the pregnancy's, not a child's age.
        let adult_number = adults
            .iter()
            .any(|&(p, _)| self.adult.list[p].iter().any(|x| x.is_number()));
        let child = child || age && !adult_number;
        About {
            adult: !adults.is_empty() && !child,
            animal: !animals.is_empty() && !child,
            symptom: aside.symptom,
            request: aside.request,
        }
    }

    /// The words of another symptom ("sore throat", "stomach ache") or of a task CrampCare does not
    /// do ("a good pediatrician near"): no evidence of a cramp, a muscle or a limb. Found once, for
    /// topic matching and for [`ScopeIdx::about`].
    #[must_use]
    pub fn aside(&self, toks: &[Tok]) -> Aside {
        let mut out = Aside {
            words: vec![false; toks.len()],
            symptom: false,
            request: false,
        };
        for (list, seen) in [
            (&self.other_symptoms, &mut out.symptom),
            (&self.requests, &mut out.request),
        ] {
            for (_, at, end) in list.find(toks) {
                out.words[at..end].iter_mut().for_each(|o| *o = true);
                *seen = true;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::normalise::normalise;

    fn about(text: &str) -> About {
        let k = Knowledge::builtin().expect("built-in knowledge");
        let mut vocab = Vocab::new(&k, &k.context.words());
        let idx = ScopeIdx::new(&k, &mut vocab);
        let n = normalise(text, &k.language);
        let toks = vocab.message(&n).toks;
        idx.about(&toks, n.age.is_some(), &idx.aside(&toks))
    }

    #[test]
    fn a_pronoun_after_an_adult_of_its_sex_is_theirs() {
        assert!(about("my husband gets cramps when he runs, what should he eat").adult);
        assert!(about("my mum has leg cramps at night, can she take anything").adult);
        // "he" after "my wife" is someone else: the child.
        assert!(!about("my wife says he gets cramps when he runs").adult);
        assert!(!about("my husband says our son gets cramps").adult);
        // An adult who only stands by in another sentence is not the one with the cramps.
        assert!(!about("does tonic water help leg cramps? my grandad swears by it").adult);
        assert!(about("my grandad has leg cramps. does tonic water help?").adult);
        // The writer takes no "she".
        assert!(!about("i get cramps and so does she").adult);
        // A "they" after the writer's own words is their cramps; a child named makes it the child's.
        assert!(about("I'm pregnant and my calves cramp at night, they keep me awake").adult);
        assert!(!about("I'm pregnant and they keep getting calf cramps at night").adult);
        assert!(!about("I'm pregnant, my kids get calf cramps and they cry").adult);
    }

    #[test]
    fn a_number_in_a_pregnancy_is_no_childs_age() {
        assert!(about("I'm 6 months pregnant and my calves cramp").adult);
        assert!(!about("I'm pregnant and my 6 year old gets cramps").adult);
    }

    #[test]
    fn a_pet_is_not_the_child() {
        assert!(about("our dog is limping after the walk, is she ok").animal);
        assert!(!about("the dog knocked my son over and his knee hurts").animal);
    }
}
