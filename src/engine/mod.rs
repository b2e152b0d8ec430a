//! The engine: a pure, synchronous function from a parent's message to a [`Reply`].
//!
//! [`Engine`] is the only door the adapters use. It is built once from a checked [`Knowledge`] and
//! a [`Practice`], then shared (it is `Send + Sync` and never mutated). Each message runs the
//! pipeline `normalise -> vocab -> match -> triage -> compose`; [`Engine::analyse`] exposes the
//! intermediate [`Analysis`] for `--json`, the evaluation and tests.
#![deny(missing_docs)]

pub mod check;
pub mod compose;
pub mod context;
pub mod error;
pub mod knowledge;
pub mod matcher;
pub mod normalise;
pub mod number;
pub mod practice;
pub mod reply;
pub mod triage;
pub mod vocab;

pub use error::{KnowledgeError, KnowledgeErrors};
pub use knowledge::{Kind, Knowledge, Level};
pub use practice::Practice;
pub use reply::{Block, FollowUp, Reply, ReplyKind};

use std::collections::HashSet;

use compose::Composer;
use matcher::{Matcher, Matches};
use normalise::Normalised;
use triage::{Triage, Triager};
use vocab::{Correction, Sym, Tok, Vocab};

/// Canonical words of a greeting.
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "morning",
    "evening",
    "afternoon",
    "good",
    "yo",
    "greetings",
    "there",
    "bot",
    "crampcare",
];
/// Canonical words of thanks.
const THANKS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "appreciate",
    "great",
    "awesome",
    "ok",
    "okay",
    "cool",
    "perfect",
    "helpful",
    "brilliant",
    "amazing",
    "lifesaver",
    "much",
    "lot",
    "you",
    "got",
    "it",
    "will",
    "try",
    "that",
    "help",
    "helped",
    "nice",
    "super",
    "very",
    "so",
    "a",
    "the",
    "info",
    "again",
    "this",
    "wonderful",
    "good",
    "great",
];
/// What a parent types to start the guided check ("serious", "/serious", "is this serious"); a
/// longer question about seriousness gets the see-a-doctor topic with the check as a button.
const CHECK_WORDS: &[&str] = &["serious", "check", "is", "it", "this"];

/// What the engine made of a message: every stage's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// After the first stage.
    pub normalised: Normalised,
    /// Canonical tokens.
    pub tokens: Vec<Tok>,
    /// Spelling corrections made.
    pub corrections: Vec<Correction>,
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
}

/// Small-talk word sets as canonical symbols, built once.
#[derive(Debug, Clone)]
struct SmallTalk {
    greeting: HashSet<Sym>,
    thanks: HashSet<Sym>,
    check: HashSet<Sym>,
    serious: Sym,
}

impl SmallTalk {
    fn new(vocab: &mut Vocab) -> SmallTalk {
        let mut set = |words: &[&str]| -> HashSet<Sym> {
            words.iter().flat_map(|w| vocab.phrase(w)).collect()
        };
        SmallTalk {
            greeting: set(GREETINGS),
            thanks: set(THANKS),
            check: set(CHECK_WORDS),
            serious: vocab
                .phrase("serious")
                .first()
                .copied()
                .unwrap_or(vocab::UNKNOWN),
        }
    }
}

/// The engine.
#[derive(Debug, Clone)]
pub struct Engine {
    knowledge: Knowledge,
    practice: Practice,
    vocab: Vocab,
    matcher: Matcher,
    triager: Triager,
    small_talk: SmallTalk,
}

impl Engine {
    /// Builds the indexes of a checked knowledge base.
    #[must_use]
    pub fn new(knowledge: Knowledge, practice: Practice) -> Engine {
        let mut extra: Vec<&str> = Vec::new();
        // Context triggers ("sister", "nothing") must be known words, or the spelling corrector
        // would turn them into others before triage sees them.
        extra.extend(knowledge.context.words());
        extra.extend(GREETINGS);
        extra.extend(THANKS);
        extra.extend(CHECK_WORDS);
        let mut vocab = Vocab::new(&knowledge, &extra);
        let matcher = Matcher::new(&knowledge, &mut vocab);
        let triager = Triager::new(&knowledge, &mut vocab);
        let small_talk = SmallTalk::new(&mut vocab);
        Engine {
            knowledge,
            practice,
            vocab,
            matcher,
            triager,
            small_talk,
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

    /// The practice.
    #[must_use]
    pub fn practice(&self) -> &Practice {
        &self.practice
    }

    /// Runs every stage but composing.
    #[must_use]
    pub fn analyse(&self, text: &str) -> Analysis {
        let normalised = normalise::normalise(text);
        let (tokens, corrections) = self.vocab.message(&normalised);
        let marks = self.triager.negation(&tokens);
        let matches = self.matcher.matches(&tokens, &marks);
        let triage = self.triager.triage(&tokens);
        let intent = self.intent(&normalised, &tokens, &matches, &triage);
        Analysis {
            normalised,
            tokens,
            corrections,
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
            Intent::Question => c.answer(&a.matches, &a.triage, a.normalised.age),
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

    /// The reply to a follow-up token (`t:<topic id>` or a check token), or `None` when the token is
    /// stale or forged.
    #[must_use]
    pub fn follow(&self, token: &str) -> Option<Reply> {
        if let Some(id) = token.strip_prefix("t:") {
            return self.topic(id);
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

    fn intent(&self, n: &Normalised, toks: &[Tok], m: &Matches, t: &Triage) -> Intent {
        if !t.fired.is_empty() || !t.hypothetical().is_empty() {
            return Intent::Question;
        }
        let only =
            |set: &HashSet<Sym>| !toks.is_empty() && toks.iter().all(|t| set.contains(&t.sym));
        let st = &self.small_talk;
        if toks.iter().any(|t| t.sym == st.serious) && only(&st.check) {
            return Intent::Check;
        }
        // "thanks, that helped" matches the word "help"; small talk wins when it is all there is.
        if only(&st.greeting) {
            return Intent::Greeting;
        }
        if only(&st.thanks) {
            return Intent::Thanks;
        }
        if m.chosen.is_empty() {
            if n.words.is_empty() || n.foreign {
                return Intent::NoWords;
            }
            return Intent::Unknown;
        }
        Intent::Question
    }
}
