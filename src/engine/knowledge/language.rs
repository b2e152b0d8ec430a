//! The `[language]` table (`language.toml`): how to read a language before any topic or red flag
//! is consulted.
//!
//! Owns the language's code and name, its stemmer, contractions written without an apostrophe
//! ("cant", "hes"), the negative suffix ("n't"), number words, how a child's age is written ("7yo",
//! "7 años"), the emoji that carry meaning and the words that join a list of signs ("no fever or
//! swelling"). The checked [`Language`] is what [`crate::engine::normalise`] and
//! [`crate::engine::vocab`] read; this module does not read messages itself.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::raw::S;
use crate::engine::hash::SymHash;

/// How a language's words are reduced to a stem, on both sides (messages and knowledge phrases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stemmer {
    /// A light English stemmer: plurals, -ing, -ed and a final e ("cramping" -> "cramp").
    English,
    /// The Snowball Spanish stemmer (`rust-stemmers`): "calambres" and "calambre" meet.
    Spanish,
}

impl Stemmer {
    /// Every stemmer, by its name in `language.toml`.
    pub const ALL: [Stemmer; 2] = [Stemmer::English, Stemmer::Spanish];

    /// Its name in `language.toml`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Stemmer::English => "english",
            Stemmer::Spanish => "spanish",
        }
    }

    /// The stem of a lower-case word without accents. Applied to both sides, so it need only be
    /// consistent, not correct.
    #[must_use]
    pub fn stem(self, word: &str) -> String {
        match self {
            Stemmer::English => english_stem(word),
            Stemmer::Spanish => {
                // Short words are function words or already stems ("pie", "dia"): the Snowball
                // rules would only merge them with others.
                if word.len() <= 3 || !word.is_ascii() {
                    return word.to_owned();
                }
                rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Spanish)
                    .stem(word)
                    .into_owned()
            }
        }
    }
}

/// A light English stemmer: plural, -ing and -ed endings and a final e, so that "cramps", "cramping"
/// and "cramped" meet at "cramp" and "ache" meets "aching".
fn english_stem(word: &str) -> String {
    let n = word.len();
    if n <= 3 || !word.is_ascii() {
        return word.to_owned();
    }
    // Plurals first, then -ing/-ed, then a final e: "mornings" -> "morning" -> "morn".
    if n >= 5 && word.ends_with("ies") {
        return format!("{}y", &word[..n - 3]);
    }
    let mut s: &str = word;
    if n >= 5
        && (s.ends_with("ches") || s.ends_with("shes") || s.ends_with("sses") || s.ends_with("xes"))
    {
        s = &s[..n - 2];
    } else if s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") && !s.ends_with("is") {
        s = &s[..n - 1];
    }
    let m = s.len();
    if m >= 6 && s.ends_with("ing") {
        s = undouble(&s[..m - 3]);
    } else if m >= 5 && s.ends_with("ed") && !s.ends_with("eed") {
        s = undouble(&s[..m - 2]);
    }
    if s.len() >= 4 && s.ends_with('e') && !s.ends_with("ee") {
        s = &s[..s.len() - 1];
    }
    s.to_owned()
}

fn undouble(s: &str) -> &str {
    let b = s.as_bytes();
    let n = b.len();
    if n >= 3 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z' | b'e' | b'o') {
        &s[..n - 1]
    } else {
        s
    }
}

/// A hashed map written in key order, so that `kb --json` prints the same text every time.
fn sorted<S: serde::Serializer, V: Serialize>(
    map: &HashMap<String, V, SymHash>,
    out: S,
) -> Result<S::Ok, S::Error> {
    map.iter().collect::<BTreeMap<_, _>>().serialize(out)
}

/// A language as the first two stages read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Language {
    /// The language's code ("en", "es"): the folder name, `--lang` and Telegram's `language_code`.
    pub code: String,
    /// Its name in that language ("English", "Español"), for the /language buttons.
    pub name: String,
    /// Its ISO 639-3 code ("eng", "spa"), as the `whatlang` detector names it.
    pub code3: Option<String>,
    /// How its words are stemmed.
    pub stemmer: Stemmer,
    /// Whole words and what they stand for ("cant" -> "can not", "hes" -> "he"). Hashed: every
    /// word of every message and knowledge phrase is looked up here.
    #[serde(serialize_with = "sorted")]
    pub contractions: HashMap<String, Vec<String>, SymHash>,
    /// A negative ending after an apostrophe and the word it stands for ("n't" -> "not").
    pub not_suffix: Option<(String, String)>,
    /// Number words ("seven" -> 7).
    pub numbers: BTreeMap<String, u32>,
    /// Words before a child's age ("aged 7").
    pub age_before: Vec<String>,
    /// Words after a number that make it an age in years ("7 yo", "7 años"); may be two words.
    pub age_years: Vec<Vec<String>>,
    /// The same for months ("18 months").
    pub age_months: Vec<Vec<String>>,
    /// Words around a number that make it a time, not an age: before it ("hace 3 años", "for 2
    /// years") or after its unit ("3 years ago").
    pub age_not_before: Vec<String>,
    /// See [`Language::age_not_before`].
    pub age_not_after: Vec<String>,
    /// Emoji that carry meaning, and the word each stands for ("🤒" -> "fever").
    pub emoji: Vec<(char, String)>,
    /// Words that carry a negated list past a finding ("no fever or swelling").
    pub list_joiners: Vec<String>,
    /// Words never stemmed, because their stem would merge them with other words ("entrenador"
    /// and "entrenamiento" both stem to "entren": a coach's sign is not the training's).
    pub unstemmed: std::collections::BTreeSet<String>,
    /// Endings of derived words and what replaces them to give the word they come from, longest
    /// ending first ("iness" -> "y": "puffiness" -> "puffy"). A word that neither the word list nor
    /// the knowledge base knows, and that no near word corrects, reads as that word when the
    /// knowledge base knows it ("pinkness" -> "pink").
    pub derived: Vec<(String, String)>,
}

impl Default for Language {
    /// English with empty tables: a knowledge folder without a `[language]` table.
    fn default() -> Language {
        Language {
            code: "en".to_owned(),
            name: "English".to_owned(),
            code3: None,
            stemmer: Stemmer::English,
            contractions: HashMap::default(),
            not_suffix: None,
            numbers: BTreeMap::new(),
            age_before: Vec::new(),
            age_years: Vec::new(),
            age_months: Vec::new(),
            age_not_before: Vec::new(),
            age_not_after: Vec::new(),
            emoji: Vec::new(),
            list_joiners: Vec::new(),
            unstemmed: std::collections::BTreeSet::new(),
            derived: Vec::new(),
        }
    }
}

impl Language {
    /// The stem of a lower-case word without accents: the stemmer's, unless the word is one of
    /// [`Language::unstemmed`].
    #[must_use]
    pub fn stem(&self, word: &str) -> String {
        if self.unstemmed.contains(word) {
            return word.to_owned();
        }
        self.stemmer.stem(word)
    }

    /// The value of a number word or of digits ("9", "nine").
    #[must_use]
    pub fn number(&self, token: &str) -> Option<u32> {
        if !token.is_empty() && token.len() <= 6 && token.bytes().all(|b| b.is_ascii_digit()) {
            return token.parse().ok();
        }
        self.numbers.get(token).copied()
    }

    /// The word an emoji stands for.
    #[must_use]
    pub fn emoji(&self, c: char) -> Option<&str> {
        self.emoji
            .iter()
            .find(|(e, _)| *e == c)
            .map(|(_, w)| w.as_str())
    }
}

/// The `[language]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLanguage {
    pub(super) code: S<String>,
    pub(super) name: S<String>,
    #[serde(default)]
    pub(super) code3: Option<S<String>>,
    pub(super) stemmer: S<String>,
    #[serde(default)]
    pub(super) contractions: BTreeMap<String, S<String>>,
    #[serde(default)]
    pub(super) not_suffix: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub(super) numbers: BTreeMap<String, S<i64>>,
    #[serde(default)]
    pub(super) age_before: Vec<S<String>>,
    #[serde(default)]
    pub(super) age_years: Vec<S<String>>,
    #[serde(default)]
    pub(super) age_months: Vec<S<String>>,
    #[serde(default)]
    pub(super) age_not_before: Vec<S<String>>,
    #[serde(default)]
    pub(super) age_not_after: Vec<S<String>>,
    #[serde(default)]
    pub(super) emoji: BTreeMap<String, S<String>>,
    #[serde(default)]
    pub(super) list_joiners: Vec<S<String>>,
    #[serde(default)]
    pub(super) unstemmed: Vec<S<String>>,
    #[serde(default)]
    pub(super) derived: BTreeMap<String, S<String>>,
}

/// Lower-case words split on spaces: how the tables of `language.toml` are written.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// Checks a `[language]` table: a code of two or three letters, a known stemmer, emoji of one
/// character, numbers from 0 to 1,000, two-part `not_suffix`, no empty words.
pub(super) fn language(c: &mut super::validate::Check<'_, '_>, r: &S<RawLanguage>) -> Language {
    let item = "language";
    let raw = r.get_ref();
    let code = c.non_empty(&raw.code, item, "code");
    if !(2..=3).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_lowercase()) {
        c.err(
            &raw.code,
            item,
            "code",
            "must be a language code of two or three letters a-z (\"en\", \"es\")",
        );
    }
    let name = c.non_empty(&raw.name, item, "name");
    let code3 = raw.code3.as_ref().map(|s| {
        if whatlang::Lang::from_code(s.get_ref()).is_none() {
            c.err(
                s,
                item,
                "code3",
                "must be an ISO 639-3 code that whatlang knows (\"eng\", \"spa\")",
            );
        }
        s.get_ref().clone()
    });
    let stemmer = c
        .choice(&raw.stemmer, item, "stemmer", &Stemmer::ALL, Stemmer::name)
        .unwrap_or(Stemmer::English);
    let mut contractions = HashMap::default();
    for (word, to) in &raw.contractions {
        let to_words = words(to.get_ref());
        if to_words.is_empty() || word.trim().is_empty() {
            c.err(
                to,
                item,
                "contractions",
                format!("`{word}` must stand for words"),
            );
            continue;
        }
        contractions.insert(word.to_lowercase(), to_words);
    }
    let not_suffix = raw
        .not_suffix
        .as_ref()
        .and_then(|s| match s.get_ref().as_slice() {
            [suffix, word] if !suffix.get_ref().is_empty() && !word.get_ref().is_empty() => Some((
                suffix.get_ref().to_lowercase(),
                word.get_ref().to_lowercase(),
            )),
            _ => {
                c.err(
                    s,
                    item,
                    "not_suffix",
                    "must be two texts: the ending and the word it stands for ([\"n't\", \"not\"])",
                );
                None
            }
        });
    let mut numbers = BTreeMap::new();
    for (word, n) in &raw.numbers {
        match u32::try_from(*n.get_ref()) {
            Ok(v) if v <= 1000 => {
                numbers.insert(word.to_lowercase(), v);
            }
            _ => c.err(
                n,
                item,
                "numbers",
                format!("`{word}` must be from 0 to 1000"),
            ),
        }
    }
    let mut emoji = Vec::new();
    for (e, w) in &raw.emoji {
        let mut chars = e.chars();
        match (chars.next(), chars.next()) {
            (Some(ch), None) if !w.get_ref().trim().is_empty() => {
                emoji.push((ch, w.get_ref().trim().to_lowercase()));
            }
            _ => c.err(
                w,
                item,
                "emoji",
                format!("`{e}` must be one character standing for a word"),
            ),
        }
    }
    let mut list = |l: &[S<String>], field: &str| -> Vec<String> {
        c.strings(l, item, field)
            .iter()
            .map(|s| s.to_lowercase())
            .collect()
    };
    let age_before = list(&raw.age_before, "age_before");
    let age_years = list(&raw.age_years, "age_years");
    let age_months = list(&raw.age_months, "age_months");
    let age_not_before = list(&raw.age_not_before, "age_not_before");
    let age_not_after = list(&raw.age_not_after, "age_not_after");
    let list_joiners = list(&raw.list_joiners, "list_joiners");
    let unstemmed = list(&raw.unstemmed, "unstemmed").into_iter().collect();
    let mut derived = Vec::new();
    for (ending, base) in &raw.derived {
        let ending = ending.trim().to_lowercase();
        let ok = !ending.is_empty() && ending.bytes().all(|b| b.is_ascii_lowercase());
        if !ok || !base.get_ref().bytes().all(|b| b.is_ascii_lowercase()) {
            c.err(
                base,
                item,
                "derived",
                format!(
                    "`{ending}` must be an ending of letters a-z, standing for letters a-z or \"\""
                ),
            );
            continue;
        }
        derived.push((ending, base.get_ref().clone()));
    }
    derived.sort_by_key(|(e, _)| std::cmp::Reverse(e.len()));
    Language {
        code,
        name,
        code3,
        stemmer,
        contractions,
        not_suffix,
        numbers,
        age_before,
        age_years: age_years.iter().map(|u| words(u)).collect(),
        age_months: age_months.iter().map(|u| words(u)).collect(),
        age_not_before,
        age_not_after,
        emoji,
        list_joiners,
        unstemmed,
        derived,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_stems_meet() {
        for (a, b) in [
            ("cramps", "cramp"),
            ("cramping", "cramp"),
            ("cramped", "cramp"),
            ("aching", "ache"),
            ("stretches", "stretch"),
            ("stretching", "stretch"),
            ("running", "run"),
            ("swelling", "swell"),
            ("legs", "leg"),
            ("bruises", "bruise"),
            ("mornings", "morning"),
        ] {
            assert_eq!(
                Stemmer::English.stem(a),
                Stemmer::English.stem(b),
                "{a} vs {b}"
            );
        }
        assert_ne!(Stemmer::English.stem("walk"), Stemmer::English.stem("talk"));
    }

    #[test]
    fn spanish_stems_meet() {
        let s = Stemmer::Spanish;
        for (a, b) in [
            ("calambres", "calambre"),
            ("hinchada", "hinchado"),
            ("piernas", "pierna"),
            ("estirar", "estire"),
        ] {
            assert_eq!(s.stem(a), s.stem(b), "{a} vs {b}");
        }
        assert_eq!(s.stem("pie"), "pie");
    }
}
