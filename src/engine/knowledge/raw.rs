//! The raw types serde reads from a knowledge file, keeping the byte span of every field so errors
//! can name their line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

// ---- raw, spanned types: what serde reads ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    #[serde(default)]
    pub(super) topic: Vec<RawTopic>,
    #[serde(default)]
    pub(super) red_flag: Vec<RawRedFlag>,
    #[serde(default)]
    pub(super) source: Vec<RawSource>,
    pub(super) lexicon: Option<Spanned<RawLexicon>>,
    pub(super) messages: Option<Spanned<RawMessages>>,
    #[serde(default)]
    pub(super) ask: Vec<RawAsk>,
    #[serde(default)]
    pub(super) subject: Vec<RawSubject>,
    pub(super) scope: Option<Spanned<RawScope>>,
    pub(super) context: Option<Spanned<RawContext>>,
    #[serde(default)]
    pub(super) advice: Vec<RawAdvice>,
    pub(super) language: Option<Spanned<super::language::RawLanguage>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAsk {
    pub(super) id: S<String>,
    pub(super) kind: S<String>,
    pub(super) topic: S<String>,
    pub(super) forms: S<Vec<S<String>>>,
    #[serde(default)]
    pub(super) signals: Vec<S<String>>,
    #[serde(default)]
    pub(super) outranks: Vec<S<String>>,
    #[serde(default)]
    pub(super) reassure: bool,
    #[serde(default)]
    pub(super) cramp_in_mind: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSubject {
    pub(super) id: S<String>,
    pub(super) words: S<Vec<S<String>>>,
    #[serde(default)]
    pub(super) situation: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScope {
    #[serde(default)]
    pub(super) greeting: Vec<S<String>>,
    #[serde(default)]
    pub(super) thanks: Vec<S<String>>,
    #[serde(default)]
    pub(super) small_talk: Vec<S<String>>,
    #[serde(default)]
    pub(super) check: Vec<S<String>>,
    #[serde(default)]
    pub(super) serious: Vec<S<String>>,
    #[serde(default)]
    pub(super) other_symptoms: Vec<S<String>>,
    #[serde(default)]
    pub(super) requests: Vec<S<String>>,
    #[serde(default)]
    pub(super) adult: Vec<S<String>>,
    #[serde(default)]
    pub(super) child: Vec<S<String>>,
    #[serde(default)]
    pub(super) animals: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAdvice {
    pub(super) tag: S<String>,
    pub(super) words: S<Vec<S<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawContext {
    pub(super) negation: Vec<S<String>>,
    pub(super) negation_after: Vec<S<String>>,
    pub(super) fine_after: Vec<S<String>>,
    pub(super) fine_asks: Vec<S<String>>,
    pub(super) speech: Vec<S<String>>,
    pub(super) speech_points: Vec<S<String>>,
    pub(super) uncertain_after: Vec<S<String>>,
    pub(super) terminators: Vec<S<String>>,
    pub(super) hypothetical: Vec<S<String>>,
    pub(super) hypothetical_lead: Vec<S<String>>,
    pub(super) continues: Vec<S<String>>,
    pub(super) openers: Vec<S<String>>,
    #[serde(default)]
    pub(super) bare_openers: Vec<S<String>>,
    #[serde(default)]
    pub(super) pointers: Vec<S<String>>,
    #[serde(default)]
    pub(super) bare_asks: Vec<S<String>>,
    pub(super) happening: Vec<S<String>>,
    pub(super) historical: Vec<S<String>>,
    pub(super) historical_after: Vec<S<String>>,
    #[serde(default)]
    pub(super) ongoing: Vec<S<String>>,
    pub(super) other: Vec<S<String>>,
    #[serde(default)]
    pub(super) writer: Vec<S<String>>,
    #[serde(default)]
    pub(super) child_writer: Vec<S<String>>,
    #[serde(default)]
    pub(super) introductions: Vec<S<String>>,
    #[serde(default)]
    pub(super) cared_for: Vec<S<String>>,
    pub(super) illness: Vec<S<String>>,
    pub(super) ill_writer: Vec<S<String>>,
    pub(super) ill_has: Vec<S<String>>,
    pub(super) child: Vec<S<String>>,
    pub(super) shared_before: Vec<S<String>>,
    pub(super) present: Vec<S<String>>,
    pub(super) pseudo: Vec<S<String>>,
    pub(super) time_alikes: Vec<S<String>>,
    #[serde(default)]
    pub(super) calm: Vec<S<String>>,
    #[serde(default)]
    pub(super) general: Vec<S<String>>,
    #[serde(default)]
    pub(super) general_openers: Vec<S<String>>,
    #[serde(default)]
    pub(super) conditional: Vec<S<String>>,
    #[serde(default)]
    pub(super) if_questions: Vec<S<String>>,
    #[serde(default)]
    pub(super) if_actors: Vec<S<String>>,
    #[serde(default)]
    pub(super) if_now: Vec<S<String>>,
    #[serde(default)]
    pub(super) adult: Vec<S<String>>,
    #[serde(default)]
    pub(super) fillers: Vec<S<String>>,
    #[serde(default)]
    pub(super) male: Vec<S<String>>,
    #[serde(default)]
    pub(super) female: Vec<S<String>>,
    #[serde(default)]
    pub(super) plural: Vec<S<String>>,
    #[serde(default)]
    pub(super) he: Vec<S<String>>,
    #[serde(default)]
    pub(super) she: Vec<S<String>>,
    #[serde(default)]
    pub(super) they: Vec<S<String>>,
    #[serde(default)]
    pub(super) possessive: Vec<S<String>>,
    #[serde(default)]
    pub(super) young: Vec<S<String>>,
    #[serde(default)]
    pub(super) kin: Vec<S<String>>,
    #[serde(default)]
    pub(super) object: Vec<S<String>>,
    pub(super) slips: BTreeMap<String, Vec<S<String>>>,
}

pub(super) type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTopic {
    pub(super) id: S<String>,
    pub(super) kind: S<String>,
    pub(super) title: S<String>,
    #[serde(default)]
    pub(super) phrases: Vec<S<String>>,
    #[serde(default)]
    pub(super) subjects: Vec<S<String>>,
    #[serde(default)]
    pub(super) asks: Vec<S<String>>,
    pub(super) summary: S<String>,
    pub(super) steps: S<Vec<S<String>>>,
    #[serde(default)]
    pub(super) related: Vec<S<String>>,
    pub(super) sources: S<Vec<S<String>>>,
    #[serde(default)]
    pub(super) age_note: Vec<RawAgeNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgeNote {
    pub(super) below: S<i64>,
    pub(super) text: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) id: S<String>,
    pub(super) publisher: S<String>,
    pub(super) title: S<String>,
    pub(super) url: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRedFlag {
    pub(super) id: S<String>,
    pub(super) level: S<String>,
    pub(super) title: S<String>,
    pub(super) action: S<String>,
    #[serde(default)]
    pub(super) phrases: Vec<S<String>>,
    #[serde(default)]
    pub(super) near: Vec<S<RawNear>>,
    #[serde(default)]
    pub(super) avoid: Vec<S<String>>,
    #[serde(default)]
    pub(super) parent: bool,
    pub(super) sources: S<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNear {
    pub(super) words: Vec<S<String>>,
    pub(super) within: S<i64>,
    #[serde(default)]
    pub(super) except: Vec<S<String>>,
    #[serde(default)]
    pub(super) one_sentence: Option<S<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLexicon {
    #[serde(default)]
    pub(super) stopwords: Vec<S<String>>,
    #[serde(default)]
    pub(super) cramp_words: Vec<S<String>>,
    #[serde(default)]
    pub(super) synonyms: BTreeMap<String, S<Vec<S<String>>>>,
}

/// The `[messages]` table as written: every text with its place, for empty-text and placeholder
/// errors. [`Messages`] itself says which texts are required (serde), so a text added there is
/// checked here without a second list.
pub(super) type RawMessages = BTreeMap<String, S<String>>;

/// One parsed file with the line breaks of the text its spans point into.
pub(super) struct Parsed<'a> {
    pub(super) name: &'a str,
    pub(super) lines: &'a [usize],
    pub(super) file: RawFile,
}
