//! The engine: a pure, synchronous function from a parent's message to a [`Reply`].
//!
//! [`Engine`] is the only door the adapters use. It is built once from a checked [`Knowledge`] and
//! a [`Practice`], then shared (it is `Send + Sync` and never mutated). Each message runs the
//! pipeline `normalise -> words (correct, synonyms, stems) -> ask + subject -> triage -> compose`;
//! [`Engine::analyse`] exposes the intermediate [`Analysis`] for `--json`, the evaluation and
//! tests.
#![deny(missing_docs)]

pub mod ask;
pub mod check;
pub mod compose;
pub mod context;
pub mod error;
pub mod hash;
pub mod knowledge;
pub mod languages;
pub mod matcher;
pub mod normalise;
pub mod number;
pub mod practice;
// Checks the placeholders that `practice` fills.
pub mod placeholder;
pub mod reply;
pub mod scope;
pub mod sources;
pub mod topics;
pub mod triage;
pub mod vocab;
pub mod words;

pub use error::{KnowledgeError, KnowledgeErrors};
pub use knowledge::{Kind, Knowledge, Language, Level};
pub use languages::{Detected, Engines, Scores};
pub use practice::Practice;
pub use reply::{Block, FollowUp, Reply, ReplyKind};

use ask::{Asked, Asks};
use compose::Composer;
use matcher::{Matcher, Matches};
use normalise::Normalised;
use scope::{About, ScopeIdx};
use triage::{Triage, Triager};
use vocab::{Correction, SymSet, Tok, Vocab};

/// At most this many words are named in the "did not recognise" line.
pub const MAX_UNRECOGNISED: usize = 3;

/// From this age a person is no child: their age does not put a child in the message.
pub const ADULT_AGE: u8 = 18;

/// What the stages before the intent found in a message.
#[derive(Clone, Copy)]
struct Read<'a> {
    asked: &'a [Asked],
    matches: &'a Matches,
    triage: &'a Triage,
    about: About,
}

/// What the engine made of a message: every stage's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// After the first stage.
    pub normalised: Normalised,
    /// Canonical tokens.
    pub tokens: Vec<Tok>,
    /// Spelling corrections made.
    pub corrections: Vec<Correction>,
    /// Content words the knowledge base does not know, in message order.
    pub unknown: Vec<String>,
    /// What the message asks, in the order asked.
    pub asked: Vec<Asked>,
    /// Words named in the reply as not recognised: the ask was clear, its subject was not.
    pub unrecognised: Vec<String>,
    /// Ranked topics.
    pub matches: Matches,
    /// Red flags.
    pub triage: Triage,
    /// What the message is, before composing.
    pub intent: Intent,
}

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A question about cramps (or a red flag).
    Question,
    /// "hi".
    Greeting,
    /// "thanks".
    Thanks,
    /// "is this serious?": the guided check.
    Check,
    /// Nothing the bot can help with.
    Unknown,
    /// No words, or not in English.
    NoWords,
    /// Another symptom (a cough, a rash) and no cramp: ask the doctor.
    OtherSymptom,
    /// An adult's own cramps, or pregnancy: CrampCare is about children.
    Adult,
}

/// The engine.
#[derive(Debug, Clone)]
pub struct Engine {
    knowledge: Knowledge,
    practice: Practice,
    vocab: Vocab,
    matcher: Matcher,
    asks: Asks,
    triager: Triager,
    scope: ScopeIdx,
}

impl Engine {
    /// Builds the indexes of a checked knowledge base.
    #[must_use]
    pub fn new(knowledge: Knowledge, practice: Practice) -> Engine {
        let mut extra: Vec<&str> = Vec::new();
        // Context triggers ("sister", "nothing") must be known words, or the spelling corrector
        // would turn them into others before triage sees them.
        extra.extend(knowledge.context.words());
        let mut vocab = Vocab::new(&knowledge, &extra);
        let matcher = Matcher::new(&knowledge, &mut vocab);
        let asks = Asks::new(&knowledge, &mut vocab);
        let triager = Triager::new(&knowledge, &mut vocab);
        let scope = ScopeIdx::new(&knowledge, &mut vocab);
        vocab.built();
        Engine {
            knowledge,
            practice,
            vocab,
            matcher,
            asks,
            triager,
            scope,
        }
    }

    /// The engine over the built-in knowledge base.
    ///
    /// # Panics
    /// Never in a released build: the shipped knowledge base is validated by the test suite.
    #[must_use]
    pub fn builtin(practice: Practice) -> Engine {
        let k = Knowledge::builtin().unwrap_or_else(|e| panic!("built-in knowledge: {e}"));
        Engine::new(k, practice)
    }

    /// The knowledge base.
    #[must_use]
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The language this engine reads.
    #[must_use]
    pub fn language(&self) -> &Language {
        &self.knowledge.language
    }

    /// The reply to a message in a language CrampCare does not read: which languages it reads, and
    /// the emergency line.
    #[must_use]
    pub fn other_language(&self) -> Reply {
        self.composer()
            .message(ReplyKind::Fallback, &self.knowledge.messages.other_language)
    }

    /// A knowledge text (or a `[messages]` text) with the practice's name, phones and emergency
    /// number filled in, in this language's words.
    #[must_use]
    pub fn fill(&self, text: &str) -> String {
        self.practice.fill(text, &self.knowledge.messages)
    }

    /// The practice.
    #[must_use]
    pub fn practice(&self) -> &Practice {
        &self.practice
    }

    /// Runs every stage but composing.
    #[must_use]
    pub fn analyse(&self, text: &str) -> Analysis {
        let normalised = normalise::normalise(text, &self.knowledge.language);
        let words = self.vocab.message(&normalised);
        let tokens = words.toks;
        let asked = self
            .asks
            .detect(&tokens, normalised.shouting, &normalised.questions);
        let (marks, triage) = self.triager.read(&tokens);
        let aside = self.scope.aside(&tokens);
        let matches = self.matcher.matches(
            &tokens,
            &asked,
            &marks.covered(),
            &marks.negated_ahead(),
            &aside.words,
        );
        // An age of 18 or more is no child's ("Grandma here, my own hands cramp, I'm 71"). A writer
        // who says they are the child ("im 15 and i get calf cramps") names one too.
        let child_age = normalised.age.is_some_and(|a| a < ADULT_AGE);
        let child = child_age || marks.writer_is_child();
        let about = self.scope.about(&tokens, child, &aside);
        let read = Read {
            asked: &asked,
            matches: &matches,
            triage: &triage,
            about,
        };
        let intent = self.intent(&normalised, &tokens, &read, &words.unknown);
        // The ask was clear but no topic had evidence for it: name what was not recognised, from
        // the clause of the first ask ("which veggies help": "veggies").
        let unrecognised = match (matches.chosen.first(), asked.first()) {
            (Some(m), Some(a))
                if m.score == 0.0
                    && intent == Intent::Question
                    && triage.level == Level::Routine
                    && triage.hypothetical().is_empty() =>
            {
                let clause = tokens.get(a.at).map_or(0, |t| t.clause);
                words
                    .unknown
                    .iter()
                    .filter(|(at, _)| tokens[*at].clause == clause)
                    .map(|(_, w)| w.clone())
                    .take(MAX_UNRECOGNISED)
                    .collect()
            }
            _ => Vec::new(),
        };
        Analysis {
            normalised,
            unknown: words.unknown.into_iter().map(|(_, w)| w).collect(),
            corrections: words.corrections,
            tokens,
            asked,
            unrecognised,
            matches,
            triage,
            intent,
        }
    }

    /// The reply to a message.
    #[must_use]
    pub fn answer(&self, text: &str) -> Reply {
        self.reply(&self.analyse(text))
    }

    /// The reply for an analysis.
    #[must_use]
    pub fn reply(&self, a: &Analysis) -> Reply {
        let c = self.composer();
        let m = &self.knowledge.messages;
        match a.intent {
            Intent::Question if !a.unrecognised.is_empty() => {
                let note = m
                    .not_recognised
                    .replace("{words}", &a.unrecognised.join(" "));
                c.answer_with(&a.matches, &a.triage, a.normalised.age, Some(&note))
            }
            Intent::Question => c.answer(&a.matches, &a.triage, a.normalised.age),
            Intent::OtherSymptom => c.aside(&m.other_symptom, &a.triage),
            Intent::Adult => c.message(ReplyKind::Fallback, &m.adult),
            Intent::Greeting => c.message(ReplyKind::Greeting, &m.greeting),
            Intent::Thanks => c.message(ReplyKind::Thanks, &m.thanks),
            Intent::Unknown => c.message(ReplyKind::Fallback, &m.fallback),
            Intent::NoWords => c.message(ReplyKind::Fallback, &m.no_words),
            Intent::Check => match check::step(&check::start()) {
                Some(step) => c.check(&step),
                None => c.message(ReplyKind::Fallback, &m.fallback),
            },
        }
    }

    /// The reply to a follow-up token (`t:<topic id>`, `s:<topic id>` for a topic's sources, or a
    /// check token), or `None` when the token is stale or forged.
    #[must_use]
    pub fn follow(&self, token: &str) -> Option<Reply> {
        if let Some(id) = token.strip_prefix(topics::PREFIX) {
            return self.topic(id);
        }
        if let Some(id) = token.strip_prefix(sources::PREFIX) {
            let topic = self.knowledge.topic(id)?;
            return Some(sources::reply(&self.composer(), topic));
        }
        check::step(token).map(|s| self.composer().check(&s))
    }

    /// One topic on its own, or `None` for an unknown id.
    #[must_use]
    pub fn topic(&self, id: &str) -> Option<Reply> {
        self.knowledge.topic(id).map(|t| self.composer().topic(t))
    }

    /// The greeting with the menu: what the bot says to `/start`.
    #[must_use]
    pub fn welcome(&self) -> Reply {
        self.composer()
            .message(ReplyKind::Greeting, &self.knowledge.messages.greeting)
    }

    /// How a message was read, for people tuning the knowledge base: canonical words, corrections,
    /// topic scores and red flags (fired and negated).
    #[must_use]
    pub fn explain(&self, text: &str) -> String {
        let a = self.analyse(text);
        let k = &self.knowledge;
        let words: Vec<&str> = a.tokens.iter().map(|t| self.vocab.name(t.sym)).collect();
        let mut s = format!("words: {}\n", words.join(" "));
        for c in &a.corrections {
            s.push_str(&format!("corrected: {} -> {}\n", c.from, c.to));
        }
        if let Some(age) = a.normalised.age {
            s.push_str(&format!("age: {age}\n"));
        }
        for asked in &a.asked {
            s.push_str(&format!(
                "ask: {}{}\n",
                k.asks[asked.ask].id,
                if asked.strong { "" } else { " (signal)" }
            ));
        }
        if !a.unknown.is_empty() {
            s.push_str(&format!("unknown: {}\n", a.unknown.join(" ")));
        }
        s.push_str(&format!("intent: {:?}\n", a.intent));
        for m in a.matches.ranked.iter().take(6) {
            let chosen = if a.matches.chosen.iter().any(|c| c.topic == m.topic) {
                "*"
            } else {
                " "
            };
            s.push_str(&format!(
                "topic {chosen} {:>6.2} {}\n",
                m.score, k.topics[m.topic].id
            ));
        }
        for f in &a.triage.fired {
            s.push_str(&format!(
                "red flag: {} ({})\n",
                k.red_flags[f.flag].id, f.level
            ));
        }
        // Findings in context raise nothing: negated, hypothetical, historical, someone else's.
        for c in &a.triage.in_context {
            s.push_str(&format!(
                "red flag in context: {} ({}, {})\n",
                k.red_flags[c.flag].id,
                c.level,
                c.modifier.name()
            ));
        }
        s.push_str(&format!("level: {}", a.triage.level));
        s
    }

    fn composer(&self) -> Composer<'_> {
        Composer {
            knowledge: &self.knowledge,
            practice: &self.practice,
        }
    }

    /// The ask of a message as a label: the first ask's id, or what the intent says.
    #[must_use]
    pub fn ask_label<'a>(&'a self, a: &Analysis) -> &'a str {
        match a.intent {
            Intent::Greeting => "greeting",
            Intent::Thanks => "thanks",
            Intent::Check => "serious",
            Intent::Unknown | Intent::NoWords | Intent::OtherSymptom | Intent::Adult => "other",
            // An urgent or emergency reply answers "is it serious?" before anything asked.
            Intent::Question if a.triage.level >= Level::Urgent => "serious",
            Intent::Question => {
                if let Some(first) = a.asked.first() {
                    return &self.knowledge.asks[first.ask].id;
                }
                if a.triage.level > Level::Routine {
                    return "serious";
                }
                let kind = a
                    .matches
                    .chosen
                    .first()
                    .map(|m| self.knowledge.topics[m.topic].kind);
                self.knowledge
                    .asks
                    .iter()
                    .find(|ask| Some(ask.kind) == kind)
                    .map_or("other", |ask| ask.id.as_str())
            }
        }
    }

    fn intent(
        &self,
        n: &Normalised,
        toks: &[Tok],
        read: &Read<'_>,
        unknown: &[(usize, String)],
    ) -> Intent {
        let Read {
            asked,
            matches: m,
            triage: t,
            about,
        } = *read;
        let st = &self.scope;
        // An adult's own cramps ("I get calf cramps at night", "pregnant and my calves cramp", "my
        // husband cramps up when he plays"), or a pet: a "soon" sign ("most nights") is about them,
        // not a child; urgent and emergency signs still escalate, whoever has them.
        // Not a question about the bot with no cramp in it: "can you speak Spanish? my mom would
        // use it" asks about CrampCare.
        let about_bot = !m.about_cramps
            && asked.first().is_some_and(|a| {
                a.strong && self.knowledge.asks[a.ask].kind == knowledge::Kind::About
            });
        if about.adult && !about_bot && t.level <= Level::Soon {
            return Intent::Adult;
        }
        if about.animal && t.level <= Level::Soon {
            return Intent::Unknown;
        }
        let about_cramps = m.about_cramps;
        let symptom = about.symptom;
        if !t.fired.is_empty() || !t.hypothetical().is_empty() {
            // Another symptom with only "soon" signs and no cramp, muscle or limb ("an itchy rash",
            // "a stomach bug, he threw up"): the soon signs are about leg pain, so the reply is the
            // other-symptom one, keeping the call line of its signs. Urgent and emergency signs
            // always keep the alert.
            let aside = symptom && !about_cramps && t.hypothetical().is_empty();
            if aside && t.level <= Level::Soon {
                return Intent::OtherSymptom;
            }
            return Intent::Question;
        }
        let only = |set: &SymSet| !toks.is_empty() && toks.iter().all(|t| set.contains(&t.sym));
        if toks.iter().any(|t| st.serious.contains(&t.sym)) && only(&st.check) {
            return Intent::Check;
        }
        // "thanks, that helped" matches the word "help"; small talk wins when it is all there is
        // (stopwords aside).
        let filler = |t: &Tok| {
            st.small.contains(&t.sym)
                || st.greeting.contains(&t.sym)
                || st.thanks.contains(&t.sym)
                || self.vocab.is_stop(t.sym)
        };
        let small_talk = !toks.is_empty() && toks.iter().all(filler);
        let thanked = toks.iter().any(|t| st.thanks.contains(&t.sym));
        let strong = asked.iter().any(|a| a.strong);
        if small_talk && !thanked && !strong && toks.iter().any(|t| st.greeting.contains(&t.sym)) {
            return Intent::Greeting;
        }
        // "ok that worked!! ... thank u so much": thanks with a report and no question.
        if thanked && (small_talk || !n.question && !strong) {
            return Intent::Thanks;
        }
        // A task CrampCare does not do ("can you remind me to give his antibiotics at 8", "do you
        // know a good pediatrician near us"), with no cramp, muscle or limb: the fallback.
        if about.request && !about_cramps {
            return Intent::Unknown;
        }
        if m.chosen.is_empty() {
            if n.words.is_empty() || n.foreign {
                return Intent::NoWords;
            }
            return if symptom {
                Intent::OtherSymptom
            } else {
                Intent::Unknown
            };
        }
        if about_cramps {
            return Intent::Question;
        }
        // No cramp, muscle or limb named. A topic needs its own evidence; a bare ask ("why does
        // this happen?") is about cramps unless other words say otherwise ("help with his math
        // homework", "his cough").
        let evidence = m.chosen.iter().any(|c| c.score > 0.0);
        if symptom {
            return Intent::OtherSymptom;
        }
        // A clear question about CrampCare itself gets the about topic, whatever else it names ("is
        // my data private? do you store these messages?").
        if !evidence && !about_bot && (!unknown.is_empty() || asked.is_empty()) {
            return Intent::Unknown;
        }
        Intent::Question
    }
}
