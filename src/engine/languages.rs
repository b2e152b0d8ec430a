//! Several languages: one [`Engine`] per language, and the choice of which one reads a message.
//!
//! Owns telling languages apart and the order of the choice (issue 12): the message's own language
//! when it is clear, else the chat's choice, else the Telegram user's `language_code`, else the
//! default (English). A message in a language CrampCare does not read gets one short reply in every
//! language it does, with the emergency line, unless a red flag fires in one of them: an alarm is
//! never lost to a language guess. Follow-up tokens of a non-default language carry its code
//! (`es/t:relief-now`), so a button answers in the language it was shown in. Pure: the chat's
//! choice is passed in by the adapters, which keep it.

use super::knowledge::{Knowledge, Language, Level};
use super::normalise::normalise;
use super::{Analysis, Engine, Practice, Reply};

/// A message is in a language when its words are this many times (in powers of two) likelier in it
/// than in any other: 2^6 = 64 times. One distinctive word ("calambre", "cramp") is enough; a mix
/// with a few English words ("le dio un cramp en el calf") goes to the language of most of its words.
pub const CLEAR_BITS: f32 = 6.0;

/// A word at least this likely in a language (log2 of its share of the word list: about one word
/// in 250,000) is a common word of it, not a typo of another's.
pub const COMMON_BITS: f32 = -18.0;

/// A message of at least this many words, of which at least [`OTHER_SHARE`] are read by no language
/// (not known, not a typo any language corrects), is in another language.
pub const OTHER_WORDS: usize = 3;
/// See [`OTHER_WORDS`]: three in five words.
pub const OTHER_SHARE: f32 = 0.6;

/// What a message's words say about its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Clearly this language (an index into [`Engines::all`]).
    Language(usize),
    /// Words every language shares, or none: the chat's choice decides.
    Unclear,
    /// A language CrampCare does not read (Portuguese, Russian, ...).
    Other,
}

/// What a message's words say about each language.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Per engine, the log2 likelihood of the words in its language.
    pub bits: Vec<f32>,
    /// Per engine, the words neither its word list nor its knowledge base has.
    pub missing: Vec<usize>,
    /// Words (numbers aside).
    pub words: usize,
    /// Words no language reads, even as a typo.
    pub unread: usize,
    /// Mostly letters of another script.
    pub foreign: bool,
}

/// The engines of every language, the default first.
#[derive(Debug, Clone)]
pub struct Engines {
    engines: Vec<Engine>,
}

/// The separator between a language code and a follow-up token: `es/t:relief-now`.
const TOKEN_SEP: char = '/';

impl Engines {
    /// The engines, the default (fallback) language first.
    ///
    /// # Panics
    /// If `engines` is empty.
    #[must_use]
    pub fn new(engines: Vec<Engine>) -> Engines {
        assert!(!engines.is_empty(), "at least one language");
        Engines { engines }
    }

    /// One engine: a single-language knowledge folder.
    #[must_use]
    pub fn one(engine: Engine) -> Engines {
        Engines::new(vec![engine])
    }

    /// Every built-in language.
    ///
    /// # Panics
    /// Never in a released build: the shipped knowledge bases are validated by the test suite.
    #[must_use]
    pub fn builtin(practice: &Practice) -> Engines {
        let knowledge =
            Knowledge::builtin_languages().unwrap_or_else(|e| panic!("built-in knowledge: {e}"));
        Engines::from_knowledge(knowledge, practice)
    }

    /// Engines over checked knowledge bases ([`Knowledge::builtin_languages`],
    /// [`Knowledge::load_languages`]), the default first.
    ///
    /// # Panics
    /// If `knowledge` is empty.
    #[must_use]
    pub fn from_knowledge(knowledge: Vec<Knowledge>, practice: &Practice) -> Engines {
        Engines::new(
            knowledge
                .into_iter()
                .map(|k| Engine::new(k, practice.clone()))
                .collect(),
        )
    }

    /// Every engine, the default first.
    #[must_use]
    pub fn all(&self) -> &[Engine] {
        &self.engines
    }

    /// The default language's engine.
    #[must_use]
    pub fn default_engine(&self) -> &Engine {
        &self.engines[0]
    }

    /// The engine of a language code or IETF tag ("es", "es-MX"), if CrampCare reads it.
    #[must_use]
    pub fn get(&self, tag: &str) -> Option<&Engine> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.engines.iter().find(|e| e.language().code == primary)
    }

    /// The language of a message's words (see [`CLEAR_BITS`], [`OTHER_WORDS`]).
    #[must_use]
    pub fn detect(&self, text: &str) -> Detected {
        if self.engines.len() == 1 {
            return Detected::Language(0);
        }
        let s = self.scores(text);
        let mut order: Vec<usize> = (0..s.bits.len()).collect();
        order.sort_by(|&a, &b| s.bits[b].total_cmp(&s.bits[a]));
        let (best, second) = (order[0], order[1]);
        // The language detector is slow (about 100 µs a message): it is asked only when the best
        // language misses two words or more, as Spanish misses Portuguese's "filho" and "perna" or
        // French "crampes" and "jambes" (the Spanish list knows "mon", "des", "nuit").
        let strange = s.missing[best] >= 2;
        if s.foreign
            || (s.words >= OTHER_WORDS && s.unread as f32 >= OTHER_SHARE * s.words as f32)
            || (s.words >= OTHER_WORDS && strange && self.another_language(text))
        {
            return Detected::Other;
        }
        if s.bits[best] - s.bits[second] >= CLEAR_BITS {
            Detected::Language(best)
        } else {
            Detected::Unclear
        }
    }

    /// Whether the `whatlang` detector is sure the text is in a language none of the engines reads
    /// (Portuguese words are often Spanish words too, so the word lists alone would read them as
    /// Spanish). Only languages that name their `code3` take part.
    fn another_language(&self, text: &str) -> bool {
        let Some(info) = whatlang::detect(text) else {
            return false;
        };
        let ours = self
            .engines
            .iter()
            .any(|e| e.language().code3.as_deref() == Some(info.lang().code()));
        info.is_reliable() && !ours && self.engines.iter().any(|e| e.language().code3.is_some())
    }

    /// How likely a message's words are in each language (log2, per engine), and how many of its
    /// words no language reads: what [`Engines::detect`] decides on, shown by `ask --explain`.
    #[must_use]
    pub fn scores(&self, text: &str) -> Scores {
        // Words as every language sees them before its own contractions and emoji.
        let n = normalise(text, &Language::default());
        let mut s = Scores {
            bits: vec![0.0f32; self.engines.len()],
            missing: vec![0; self.engines.len()],
            words: 0,
            unread: 0,
            foreign: n.foreign,
        };
        for w in &n.words {
            if w.text.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            s.words += 1;
            let mut weights: Vec<Option<f32>> = self
                .engines
                .iter()
                .map(|e| e.vocab.weight(&w.text))
                .collect();
            for (miss, wt) in s.missing.iter_mut().zip(&weights) {
                *miss += usize::from(wt.is_none());
            }
            // A rare word one language lacks may be a typo it reads ("crmps", "nite"): count it as
            // such, so a typo'd English message is not read as another language's rare words. A
            // common word of one language ("the", "que") is evidence as it stands, and looking
            // for a typo in it would only cost time.
            let common = weights.iter().flatten().any(|&wt| wt > COMMON_BITS);
            if !common && weights.iter().any(Option::is_none) {
                for (wt, e) in weights.iter_mut().zip(&self.engines) {
                    if wt.is_none() {
                        *wt = e.vocab.weight_or_typo(&w.text);
                    }
                }
            }
            if weights.iter().all(Option::is_none) {
                s.unread += 1;
                continue;
            }
            for ((b, wt), e) in s.bits.iter_mut().zip(&weights).zip(&self.engines) {
                *b += wt.unwrap_or_else(|| e.vocab.unknown_weight());
            }
        }
        s
    }

    /// The engine that reads a message: its own language when clear, else the chat's choice, else
    /// the user's app language, else the default.
    #[must_use]
    pub fn choose(&self, text: &str, chat: Option<&str>, user: Option<&str>) -> &Engine {
        match self.detect(text) {
            Detected::Language(i) => &self.engines[i],
            Detected::Unclear | Detected::Other => self.preferred(chat, user),
        }
    }

    /// The chat's choice, else the user's app language, else the default: for commands, buttons
    /// and messages whose words do not tell.
    #[must_use]
    pub fn preferred(&self, chat: Option<&str>, user: Option<&str>) -> &Engine {
        chat.and_then(|c| self.get(c))
            .or_else(|| user.and_then(|u| self.get(u)))
            .unwrap_or_else(|| self.default_engine())
    }

    /// The reply to a message, in its language (see [`Engines::choose`]), with the language's code.
    #[must_use]
    pub fn answer(&self, text: &str, chat: Option<&str>, user: Option<&str>) -> (&Engine, Reply) {
        let (engine, analysis) = self.analyse(text, chat, user);
        match analysis {
            Some(a) => (engine, self.tag(engine, engine.reply(&a))),
            // Every language's line under the default language's menu: its buttons are the
            // default's, so they carry no other language's code.
            None => (self.default_engine(), self.other_language()),
        }
    }

    /// The engine and its analysis of a message; `None` for a message in a language CrampCare does
    /// not read and in which no language finds a red flag.
    #[must_use]
    pub fn analyse(
        &self,
        text: &str,
        chat: Option<&str>,
        user: Option<&str>,
    ) -> (&Engine, Option<Analysis>) {
        match self.detect(text) {
            Detected::Language(i) => {
                let e = &self.engines[i];
                (e, Some(e.analyse(text)))
            }
            Detected::Unclear => {
                let e = self.preferred(chat, user);
                (e, Some(e.analyse(text)))
            }
            Detected::Other => {
                // Any language's alarm wins: the highest level found by any engine.
                let best = self
                    .engines
                    .iter()
                    .map(|e| (e, e.analyse(text)))
                    .filter(|(_, a)| a.triage.level > Level::Routine)
                    .max_by_key(|(_, a)| a.triage.level);
                match best {
                    Some((e, a)) => (e, Some(a)),
                    None => (self.preferred(chat, user), None),
                }
            }
        }
    }

    /// The reply to a message in a language CrampCare does not read: each language's line saying
    /// which languages it reads, with its emergency line, and the default language's menu.
    #[must_use]
    pub fn other_language(&self) -> Reply {
        let mut reply = self.default_engine().other_language();
        for e in &self.engines[1..] {
            let more = e.other_language();
            let doctor = reply.blocks.pop();
            reply.blocks.extend(
                more.blocks
                    .into_iter()
                    .filter(|b| !matches!(b, super::Block::Doctor { .. })),
            );
            reply.blocks.extend(doctor);
        }
        reply
    }

    /// The reply to a follow-up token, in the language it carries (`es/t:relief-now`), or the
    /// default language's for a token without one.
    #[must_use]
    pub fn follow(&self, token: &str) -> Option<(&Engine, Reply)> {
        let (engine, inner) = match token.split_once(TOKEN_SEP) {
            Some((code, inner)) => (self.get(code)?, inner),
            None => (self.default_engine(), token),
        };
        let reply = engine.follow(inner)?;
        Some((engine, self.tag(engine, reply)))
    }

    /// A reply of `engine`'s with its follow-up tokens marked with its language, unless it is the
    /// default.
    #[must_use]
    pub fn tag(&self, engine: &Engine, mut reply: Reply) -> Reply {
        let code = &engine.language().code;
        if *code != self.default_engine().language().code {
            for f in &mut reply.follow_ups {
                f.token = format!("{code}{TOKEN_SEP}{}", f.token);
            }
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn engines() -> &'static Engines {
        static E: OnceLock<Engines> = OnceLock::new();
        E.get_or_init(|| Engines::builtin(&Practice::default()))
    }

    fn code(d: Detected) -> &'static str {
        match d {
            Detected::Language(i) => match engines().all()[i].language().code.as_str() {
                "en" => "en",
                "es" => "es",
                _ => "?",
            },
            Detected::Unclear => "unclear",
            Detected::Other => "other",
        }
    }

    #[test]
    fn a_message_is_read_in_the_language_of_its_words() {
        let e = engines();
        for (text, want) in [
            (
                "my 7yo calf keeps cramping at nite after soccer what do i do",
                "en",
            ),
            (
                "mi hijo de 7 anos tiene calambres en la pantorrilla de noche",
                "es",
            ),
            // Spanglish goes to the language of most of its words.
            ("le dio un cramp en el calf despues del soccer", "es"),
            ("gracias", "es"),
            // Words both languages use decide nothing: the chat or the app does.
            ("ok", "unclear"),
            ("cramp", "unclear"),
            (
                "meu filho tem câimbras na perna à noite, o que faço?",
                "other",
            ),
            ("у ребенка судороги в ноге", "other"),
        ] {
            assert_eq!(code(e.detect(text)), want, "{text}");
        }
        // A typo'd English message is never clearly Spanish.
        assert_ne!(code(e.detect("my kd hs leg crmps evry nite wat do")), "es");
    }

    #[test]
    fn the_words_then_the_chat_then_the_app_then_english() {
        let e = engines();
        let code = |en: &Engine| en.language().code.clone();
        assert_eq!(
            code(e.choose("calambre en la pierna", Some("en"), None)),
            "es"
        );
        assert_eq!(code(e.choose("ok", Some("es"), Some("en"))), "es");
        assert_eq!(code(e.choose("ok", None, Some("es-MX"))), "es");
        assert_eq!(code(e.choose("ok", Some("fr"), Some("de"))), "en");
    }

    #[test]
    fn buttons_answer_in_the_language_they_were_shown_in() {
        let e = engines();
        let (engine, reply) = e.answer("mi hija tiene un calambre en el pie, que hago", None, None);
        assert_eq!(engine.language().code, "es");
        let token = &reply.follow_ups.first().expect("a follow-up").token;
        assert!(token.starts_with("es/"), "{token}");
        let (again, _) = e.follow(token).expect("the token reads back");
        assert_eq!(again.language().code, "es");
        // A token without a language is the default's; a forged language is refused.
        assert_eq!(
            e.follow("t:relief-now").expect("topic").0.language().code,
            "en"
        );
        assert!(e.follow("xx/t:relief-now").is_none());
    }

    #[test]
    fn another_language_gets_every_language_and_the_emergency_line() {
        let e = engines();
        let (_, reply) = e.answer(
            "meu filho tem câimbras na perna à noite, o que faço?",
            None,
            None,
        );
        let text = crate::render::plain::render(&reply);
        assert!(text.contains("English and Spanish"), "{text}");
        assert!(text.contains("español e inglés"), "{text}");
        assert!(text.contains("911"), "{text}");
        assert!(reply.follow_ups.iter().all(|f| !f.token.contains('/')));
    }
}
