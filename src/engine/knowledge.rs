//! The knowledge base: serde types for `knowledge/*.toml`, loading, and validation.
//!
//! Loading is two steps. Each file is parsed into raw types that keep the byte span of every field
//! ([`toml::Spanned`]), then [`validate`] checks the files together (unique ids, references that
//! resolve, non-empty steps, known kinds and levels) and builds the checked [`Knowledge`]. Every
//! problem in every file is collected into one [`KnowledgeErrors`]. Matching and triage indexes are
//! built elsewhere ([`super::matcher`], [`super::triage`]); this module only owns the data.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::error::{hint, KnowledgeError, KnowledgeErrors};

/// The knowledge files compiled into the binary, by their path in the repository.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "knowledge/advice.toml",
        include_str!("../../knowledge/advice.toml"),
    ),
    (
        "knowledge/asks.toml",
        include_str!("../../knowledge/asks.toml"),
    ),
    (
        "knowledge/causes.toml",
        include_str!("../../knowledge/causes.toml"),
    ),
    (
        "knowledge/context.toml",
        include_str!("../../knowledge/context.toml"),
    ),
    (
        "knowledge/doctor.toml",
        include_str!("../../knowledge/doctor.toml"),
    ),
    (
        "knowledge/drinks.toml",
        include_str!("../../knowledge/drinks.toml"),
    ),
    (
        "knowledge/foods.toml",
        include_str!("../../knowledge/foods.toml"),
    ),
    (
        "knowledge/lexicon.toml",
        include_str!("../../knowledge/lexicon.toml"),
    ),
    (
        "knowledge/messages.toml",
        include_str!("../../knowledge/messages.toml"),
    ),
    (
        "knowledge/pain_relievers.toml",
        include_str!("../../knowledge/pain_relievers.toml"),
    ),
    (
        "knowledge/prevention.toml",
        include_str!("../../knowledge/prevention.toml"),
    ),
    (
        "knowledge/red_flags.toml",
        include_str!("../../knowledge/red_flags.toml"),
    ),
    (
        "knowledge/relief.toml",
        include_str!("../../knowledge/relief.toml"),
    ),
    (
        "knowledge/scope.toml",
        include_str!("../../knowledge/scope.toml"),
    ),
    (
        "knowledge/situations.toml",
        include_str!("../../knowledge/situations.toml"),
    ),
    (
        "knowledge/sources.toml",
        include_str!("../../knowledge/sources.toml"),
    ),
    (
        "knowledge/subjects.toml",
        include_str!("../../knowledge/subjects.toml"),
    ),
];

/// The English word list with frequencies that the spelling corrector trusts (see
/// `knowledge/words/README.md` for its source and licence). A knowledge folder may bring its own
/// `words/en.txt`.
pub const BUILTIN_WORDS: &str = include_str!("../../knowledge/words/en.txt");

/// Files larger than this are refused rather than parsed: a knowledge file is a few kilobytes.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// The most steps a topic may have: a tired parent follows six, not twelve.
pub const MAX_STEPS: usize = 6;
/// Topic phrases are matched word by word; longer ones are never typed as such.
pub const MAX_PHRASE_WORDS: usize = super::matcher::MAX_PHRASE;
/// Ids travel in Telegram deep links and button data, so they stay short and plain.
pub const MAX_ID_LEN: usize = 48;

/// What a topic is about; buttons and follow-ups are grouped by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Why cramps happen.
    Cause,
    /// What to do during or after a cramp.
    Relief,
    /// Foods and drinks.
    Food,
    /// Keeping cramps away.
    Prevention,
    /// When to see a doctor.
    Doctor,
    /// What CrampCare is.
    About,
}

impl Kind {
    /// Every kind, in the order summaries list them.
    pub const ALL: [Kind; 6] = [
        Kind::Cause,
        Kind::Relief,
        Kind::Food,
        Kind::Prevention,
        Kind::Doctor,
        Kind::About,
    ];

    /// The name used in TOML and JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Cause => "cause",
            Kind::Relief => "relief",
            Kind::Food => "food",
            Kind::Prevention => "prevention",
            Kind::Doctor => "doctor",
            Kind::About => "about",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// How soon a child should be seen, from the pediatric leg-pain triage dispositions
/// (`shared/CONTENT.md`, "Triage levels"). Ordered: a higher level wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Home care, with the standard see-a-doctor line.
    #[default]
    Routine,
    /// Call within 24 hours or book a visit.
    Soon,
    /// Call the doctor now, day or night.
    Urgent,
    /// Call the emergency number now.
    Emergency,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [Level::Routine, Level::Soon, Level::Urgent, Level::Emergency];

    /// The name used in TOML, JSON and the eval set.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Routine => "routine",
            Level::Soon => "soon",
            Level::Urgent => "urgent",
            Level::Emergency => "emergency",
        }
    }

    /// Parses a level name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A note shown only for young children (or when the message gives no age).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeNote {
    /// Shown when the child is younger than this many years.
    pub below: u8,
    /// The note.
    pub text: String,
}

/// One topic: a cause, a relief tip, a food, a prevention habit, a doctor guide or the about page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// Stable id, used in buttons and deep links.
    pub id: String,
    /// What the topic is about.
    pub kind: Kind,
    /// Short heading.
    pub title: String,
    /// What parents type for it, beyond its subjects' words.
    pub phrases: Vec<String>,
    /// Ids of the [`Subject`]s it covers.
    pub subjects: Vec<String>,
    /// Ids of the [`Ask`]s it answers besides the one of its kind ("Drinks that help" answers
    /// "what should he drink" too).
    pub asks: Vec<String>,
    /// One or two sentences.
    pub summary: String,
    /// Ordered step-by-step guidance.
    pub steps: Vec<String>,
    /// Follow-up topic ids.
    pub related: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Notes for young children.
    pub age_notes: Vec<AgeNote>,
}

/// A reputable source that topics and red flags cite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Stable id.
    pub id: String,
    /// Who published it (NHS, AAP, ...).
    pub publisher: String,
    /// Its title.
    pub title: String,
    /// Where to read it.
    pub url: String,
}

/// Words that together signal a red flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Near {
    /// Every group must occur; each group lists alternatives (phrases of one or more words).
    pub words: Vec<Vec<String>>,
    /// All groups within this many words.
    pub within: usize,
    /// None of these may occur in the window.
    pub except: Vec<String>,
}

/// A sign that needs a doctor (or the emergency number) rather than home care.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlag {
    /// Stable id.
    pub id: String,
    /// How soon.
    pub level: Level,
    /// Short name shown in the reply.
    pub title: String,
    /// What to do, with `{emergency}` and `{doctor}` placeholders.
    pub action: String,
    /// Exact phrases.
    pub phrases: Vec<String>,
    /// Word combinations.
    pub near: Vec<Near>,
    /// Advice tags (see [`Advice`]) this flag rules out: a reply carrying the flag leaves out every
    /// topic step with one of these tags ("do not rub a swollen calf").
    pub avoid: Vec<String>,
    /// The sign is the parent's own alarm ("I'm scared"): the someone-else context does not cancel it.
    pub parent: bool,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A kind of question parents ask: what to do now, why, what to eat, how to prevent, is it serious,
/// about the bot. Its forms are how the question is put; its subject comes from elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ask {
    /// Stable id ("now", "why", ...).
    pub id: String,
    /// Topics of this kind answer it.
    pub kind: Kind,
    /// The topic that answers it when no subject is recognised.
    pub topic: String,
    /// How the question is put ("what do i do", "is it because"); `*` stands for up to three
    /// words ("what should * eat").
    pub forms: Vec<String>,
    /// Weaker hints ("help", "right now"), counted only when no form of any ask is present.
    pub signals: Vec<String>,
}

/// Something a question can be about (the calf, the night, sport, a food), with the words that name
/// it. Topics list the subjects they cover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// Stable id.
    pub id: String,
    /// Words and phrases that name it.
    pub words: Vec<String>,
}

/// What is and is not CrampCare's to answer: small talk, other symptoms, adults' own cramps.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Scope {
    /// A message of only these words is a greeting.
    pub greeting: Vec<String>,
    /// Words that thank.
    pub thanks: Vec<String>,
    /// Words of small talk that go with a greeting or thanks ("ok", "great", "that helped").
    pub small_talk: Vec<String>,
    /// A message of only these words, with "serious", starts the guided check.
    pub check: Vec<String>,
    /// Other symptoms (cough, rash): without cramp words, a short "ask your doctor" answer.
    pub other_symptoms: Vec<String>,
    /// Words of an adult writing about their own body ("i get", "pregnant").
    pub adult: Vec<String>,
    /// Words that put a child in the message ("son", "she", "kid").
    pub child: Vec<String>,
}

/// A kind of advice that topic steps give, known by the words that give it: the tag `massage` covers
/// every step with "rub" or "massage". Red flags rule advice out by tag ([`RedFlag::avoid`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    /// The tag.
    pub tag: String,
    /// Words or phrases of a step that give this advice (matched on whole words, case-insensitive).
    pub words: Vec<String>,
}

/// Trigger words that put a red-flag finding in context, in the manner of ConText (Harkema et al.,
/// 2009): negated, hypothetical, historical, or about someone other than the child.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Context {
    /// Negate the finding that follows ("no", "without", "nothing").
    pub negation: Vec<String>,
    /// Negate the finding just before ("fever free", "swelling none").
    pub negation_after: Vec<String>,
    /// After a negation trigger, make it uncertainty, not negation ("not sure").
    pub uncertain_after: Vec<String>,
    /// End a negation scope ("but", "though").
    pub terminators: Vec<String>,
    /// Make the rest of the clause hypothetical ("what if", "should I worry if").
    pub hypothetical: Vec<String>,
    /// A clause opening with one of these continues a hypothetical scope ("..., like a swollen calf").
    pub continues: Vec<String>,
    /// Hypothetical triggers at the start of a clause only ("Is a swollen calf ...").
    pub openers: Vec<String>,
    /// In a later clause, these say a sign asked about before is happening ("he is, right now").
    pub happening: Vec<String>,
    /// Make the rest of the clause historical ("two years ago", "history of").
    pub historical: Vec<String>,
    /// Make the clause before them historical ("years ago", "fine since").
    pub historical_after: Vec<String>,
    /// Make the rest of the clause about someone else ("my sister", "I'm").
    pub other: Vec<String>,
    /// End a someone-else scope: words for the child ("he", "my son").
    pub child: Vec<String>,
    /// Just before a someone-else trigger, make the sign shared with the child ("my son and his
    /// friend").
    pub shared_before: Vec<String>,
    /// End a hypothetical or historical scope: the sign is happening now ("now", "still").
    pub present: Vec<String>,
    /// Phrases that look like a finding but are not one ("dark yellow", "seizure medicine").
    pub pseudo: Vec<String>,
    /// Real words typed for another in red-flag phrases: (meant, typed), as "weak" and "week".
    pub slips: Vec<(String, String)>,
}

/// Synonyms, stopwords and words never to correct.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Lexicon {
    /// Words that carry no meaning for matching.
    pub stopwords: Vec<String>,
    /// Words that show a message is about cramps ("cramp", "calf", "muscle"): such a message never
    /// gets the off-topic fallback, and gets the `relief-now` topic when nothing more specific
    /// matches.
    pub cramp_words: Vec<String>,
    /// Canonical word or phrase -> what parents write instead.
    pub synonyms: BTreeMap<String, Vec<String>>,
}

/// The fixed texts of replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// Answer to "hi".
    pub greeting: String,
    /// Answer to "thanks".
    pub thanks: String,
    /// When no topic matches well enough.
    pub fallback: String,
    /// When the message is not in English or has no words.
    pub no_words: String,
    /// Opening line of an ordinary answer.
    pub opening: String,
    /// The see-a-doctor line, without a practice.
    pub doctor_line: String,
    /// The see-a-doctor line with a practice's `{practice}` and `{phone}`.
    pub doctor_line_practice: String,
    /// First line of an emergency reply.
    pub emergency: String,
    /// First line of an urgent reply.
    pub urgent: String,
    /// The call-or-book line of a "soon" reply.
    pub soon: String,
    /// Acknowledgement before the soon line.
    pub soon_opening: String,
    /// A question about another symptom (a cough, a rash): CrampCare knows muscle cramps.
    pub other_symptom: String,
    /// An adult asking about their own cramps, or about pregnancy: CrampCare is about children.
    pub adult: String,
    /// The ask was clear but its subject was not: `{words}` names what was not recognised.
    pub not_recognised: String,
    /// The button of a further topic under a routine reply: `{title}` is the topic's title.
    pub also: String,
    /// The line every fallback and the worried reply carry ("If your child seems very unwell, call
    /// {emergency} now.").
    #[serde(default)]
    pub unwell_line: String,
    /// The closing line of an emergency reply, instead of the see-a-doctor line.
    #[serde(default)]
    pub emergency_close: String,
    /// Opening of an answer about signs asked about, not seen ("what if ...").
    #[serde(default)]
    pub hypothetical_opening: String,
    /// Leads the actions of an emergency reply ("While you wait:").
    #[serde(default)]
    pub while_you_wait: String,
    /// Leads the actions of an urgent reply ("Meanwhile:").
    #[serde(default)]
    pub meanwhile: String,
    /// The practice line of an emergency reply, when a practice is set ("Then let {doctor} know.").
    #[serde(default)]
    pub emergency_practice: String,
    /// What to do if an emergency sign asked about appears ("If this happens, call {emergency} now.").
    #[serde(default)]
    pub if_emergency: String,
    /// The same for an urgent sign.
    #[serde(default)]
    pub if_urgent: String,
    /// The same for a soon sign.
    #[serde(default)]
    pub if_soon: String,
}

impl Context {
    /// Every trigger word, for the vocabulary (so the spelling corrector leaves them alone).
    #[must_use]
    pub fn words(&self) -> Vec<&str> {
        [
            &self.negation,
            &self.negation_after,
            &self.uncertain_after,
            &self.terminators,
            &self.hypothetical,
            &self.continues,
            &self.openers,
            &self.happening,
            &self.historical,
            &self.historical_after,
            &self.other,
            &self.child,
            &self.shared_before,
            &self.present,
            &self.pseudo,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(
            self.slips
                .iter()
                .flat_map(|(m, t)| [m.as_str(), t.as_str()]),
        )
        .collect()
    }
}

/// A checked knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knowledge {
    /// Topics, in file order.
    pub topics: Vec<Topic>,
    /// Red flags, in file order.
    pub red_flags: Vec<RedFlag>,
    /// Sources, in file order.
    pub sources: Vec<Source>,
    /// The lexicon, merged over files.
    pub lexicon: Lexicon,
    /// Reply texts.
    pub messages: Messages,
    /// Kinds of questions, in the order they win when two forms overlap.
    pub asks: Vec<Ask>,
    /// Subjects.
    pub subjects: Vec<Subject>,
    /// Small talk and what is out of scope.
    pub scope: Scope,
    /// The English word list with frequencies (`words/en.txt`), one `word count` a line.
    #[serde(skip)]
    pub words: std::sync::Arc<str>,
    /// Advice tags of topic steps.
    pub advice: Vec<Advice>,
    /// Context triggers for red-flag findings.
    pub context: Context,
}

/// Topic ids the adapters rely on (commands, buttons, the menu).
pub const REQUIRED_TOPICS: &[(&str, &str)] = &[
    (
        "relief-now",
        "the \"Relief now\" button, /relief and messages about cramps that match nothing more specific",
    ),
    (
        "why-cramps-happen",
        "the \"Why it happens\" button and /causes",
    ),
    (
        "foods-that-help",
        "the \"Foods that help\" button and /foods",
    ),
    ("prevention", "the menu"),
    ("see-a-doctor", "/doctor"),
    ("about", "/about"),
];

// ---- raw, spanned types: what serde reads ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    topic: Vec<RawTopic>,
    #[serde(default)]
    red_flag: Vec<RawRedFlag>,
    #[serde(default)]
    source: Vec<RawSource>,
    lexicon: Option<Spanned<RawLexicon>>,
    messages: Option<Spanned<RawMessages>>,
    #[serde(default)]
    ask: Vec<RawAsk>,
    #[serde(default)]
    subject: Vec<RawSubject>,
    scope: Option<Spanned<RawScope>>,
    context: Option<Spanned<RawContext>>,
    #[serde(default)]
    advice: Vec<RawAdvice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsk {
    id: S<String>,
    kind: S<String>,
    topic: S<String>,
    forms: S<Vec<S<String>>>,
    #[serde(default)]
    signals: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    id: S<String>,
    words: S<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    #[serde(default)]
    greeting: Vec<S<String>>,
    #[serde(default)]
    thanks: Vec<S<String>>,
    #[serde(default)]
    small_talk: Vec<S<String>>,
    #[serde(default)]
    check: Vec<S<String>>,
    #[serde(default)]
    other_symptoms: Vec<S<String>>,
    #[serde(default)]
    adult: Vec<S<String>>,
    #[serde(default)]
    child: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvice {
    tag: S<String>,
    words: S<Vec<S<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawContext {
    negation: Vec<S<String>>,
    negation_after: Vec<S<String>>,
    uncertain_after: Vec<S<String>>,
    terminators: Vec<S<String>>,
    hypothetical: Vec<S<String>>,
    continues: Vec<S<String>>,
    openers: Vec<S<String>>,
    happening: Vec<S<String>>,
    historical: Vec<S<String>>,
    historical_after: Vec<S<String>>,
    other: Vec<S<String>>,
    child: Vec<S<String>>,
    shared_before: Vec<S<String>>,
    present: Vec<S<String>>,
    pseudo: Vec<S<String>>,
    slips: BTreeMap<String, Vec<S<String>>>,
}

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: S<String>,
    kind: S<String>,
    title: S<String>,
    #[serde(default)]
    phrases: Vec<S<String>>,
    #[serde(default)]
    subjects: Vec<S<String>>,
    #[serde(default)]
    asks: Vec<S<String>>,
    summary: S<String>,
    steps: S<Vec<S<String>>>,
    #[serde(default)]
    related: Vec<S<String>>,
    sources: S<Vec<S<String>>>,
    #[serde(default)]
    age_note: Vec<RawAgeNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgeNote {
    below: S<i64>,
    text: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: S<String>,
    publisher: S<String>,
    title: S<String>,
    url: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedFlag {
    id: S<String>,
    level: S<String>,
    title: S<String>,
    action: S<String>,
    #[serde(default)]
    phrases: Vec<S<String>>,
    #[serde(default)]
    near: Vec<S<RawNear>>,
    #[serde(default)]
    avoid: Vec<S<String>>,
    #[serde(default)]
    parent: bool,
    sources: S<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNear {
    words: Vec<S<String>>,
    within: S<i64>,
    #[serde(default)]
    except: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    #[serde(default)]
    stopwords: Vec<S<String>>,
    #[serde(default)]
    cramp_words: Vec<S<String>>,
    #[serde(default)]
    synonyms: BTreeMap<String, S<Vec<S<String>>>>,
}

/// The `[messages]` table as written: every text with its place, for empty-text and placeholder
/// errors. [`Messages`] itself says which texts are required (serde), so a text added there is
/// checked here without a second list.
type RawMessages = BTreeMap<String, S<String>>;

/// One parsed file with the line breaks of the text its spans point into.
struct Parsed<'a> {
    name: &'a str,
    lines: &'a [usize],
    file: RawFile,
}

impl Knowledge {
    /// The knowledge base compiled into the binary.
    ///
    /// # Errors
    /// Only if the shipped files are broken, which the test suite rules out.
    pub fn builtin() -> Result<Knowledge, KnowledgeErrors> {
        Knowledge::from_texts(
            BUILTIN
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
        )
    }

    /// Reads every `*.toml` file in `dir` (file names sorted) and validates them together.
    ///
    /// # Errors
    /// Every unreadable, malformed or inconsistent file, each with its file, line and field.
    pub fn load_dir(dir: &Path) -> Result<Knowledge, KnowledgeErrors> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            KnowledgeErrors(vec![KnowledgeError::file(
                &shown,
                format!("cannot read the knowledge folder: {e}"),
            )])
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        let mut texts = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            match read_text(&path, &name) {
                Ok(text) => texts.push((name, text)),
                Err(e) => errors.push(e),
            }
        }
        if texts.is_empty() && errors.is_empty() {
            errors.push(KnowledgeError::file(&shown, "has no *.toml files"));
        }
        let words_path = dir.join("words").join("en.txt");
        let words = if words_path.is_file() {
            match read_text(&words_path, &words_path.display().to_string()) {
                Ok(w) => Some(w),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        } else {
            None
        };
        match Knowledge::from_texts(texts) {
            Ok(mut k) if errors.is_empty() => {
                if let Some(w) = words {
                    k.words = w.into();
                }
                Ok(k)
            }
            Ok(_) => Err(KnowledgeErrors(errors)),
            Err(KnowledgeErrors(more)) => {
                errors.extend(more);
                Err(KnowledgeErrors(errors))
            }
        }
    }

    /// Parses and validates named texts, as if they were the files of one folder.
    ///
    /// # Errors
    /// Every problem in every text.
    pub fn from_texts(
        texts: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Knowledge, KnowledgeErrors> {
        let texts: Vec<(String, String)> = texts.into_iter().collect();
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        let breaks: Vec<Vec<usize>> = texts.iter().map(|(_, t)| line_breaks(t)).collect();
        for ((name, text), lines) in texts.iter().zip(&breaks) {
            match toml::from_str::<RawFile>(text) {
                Ok(file) => parsed.push(Parsed { name, lines, file }),
                Err(e) => errors.push(KnowledgeError::toml(name, text, &e)),
            }
        }
        // A file that did not parse may define the ids others refer to: check references only once
        // every file parses, so one typo does not bury the real error under dozens of false ones.
        let complete = errors.is_empty();
        let knowledge = validate(&parsed, &mut errors, complete);
        if errors.is_empty() {
            Ok(knowledge)
        } else {
            Err(KnowledgeErrors(errors))
        }
    }

    /// The topic with this id.
    #[must_use]
    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }
}

fn read_text(path: &Path, name: &str) -> Result<String, KnowledgeError> {
    let bytes =
        std::fs::read(path).map_err(|e| KnowledgeError::file(name, format!("cannot read: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(KnowledgeError::file(
            name,
            format!(
                "is {} bytes; a knowledge file may be at most {MAX_FILE_BYTES} bytes",
                bytes.len()
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        KnowledgeError::at(
            name,
            &prefix,
            valid,
            format!("is not valid UTF-8 (byte {valid}); save it as UTF-8"),
        )
    })
}

/// Byte offsets of the line breaks in `text`. Errors find their line in these by binary search:
/// [`super::error::line_of`] rescans the text for each error, which made a large file with
/// thousands of errors take minutes to report.
fn line_breaks(text: &str) -> Vec<usize> {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// [`KnowledgeError::at`] for a text with these line breaks.
fn error_at(
    file: &str,
    lines: &[usize],
    offset: usize,
    message: impl Into<String>,
) -> KnowledgeError {
    let mut e = KnowledgeError::file(file, message);
    e.line = Some(line_at(lines, offset));
    e
}

/// [`super::error::line_of`] for a text with these line breaks.
fn line_at(lines: &[usize], offset: usize) -> usize {
    lines.partition_point(|&b| b < offset) + 1
}

/// Collects errors for one file with its line breaks, so call sites stay short.
struct Check<'a, 'e> {
    name: &'a str,
    lines: &'a [usize],
    errors: &'e mut Vec<KnowledgeError>,
}

impl Check<'_, '_> {
    fn err<T>(&mut self, at: &Spanned<T>, item: &str, field: &str, message: impl Into<String>) {
        self.errors.push(
            error_at(self.name, self.lines, at.span().start, message)
                .item(item)
                .field(field),
        );
    }

    /// The value of `all` whose name is `s`, or an error listing the names with a suggestion.
    fn choice<T: Copy>(
        &mut self,
        s: &Spanned<String>,
        item: &str,
        field: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let given = s.get_ref();
        let found = all.iter().copied().find(|&v| name(v) == given);
        if found.is_none() {
            let names: Vec<&str> = all.iter().map(|&v| name(v)).collect();
            self.err(
                s,
                item,
                field,
                format!(
                    "is `{given}`, not one of {}{}",
                    names.join(", "),
                    hint(given, names.iter().copied())
                ),
            );
        }
        found
    }

    fn non_empty(&mut self, s: &Spanned<String>, item: &str, field: &str) -> String {
        let v = s.get_ref().trim().to_owned();
        if v.is_empty() {
            self.err(s, item, field, "must not be empty");
        }
        v
    }

    fn id(&mut self, s: &Spanned<String>, what: &str) -> String {
        let id = s.get_ref().clone();
        let ok = !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.err(
                s,
                &format!("{what} \"{id}\""),
                "id",
                format!("must be 1 to {MAX_ID_LEN} characters of a-z, 0-9 and '-'"),
            );
        }
        id
    }

    /// Checks `{n>=K}` number patterns ("for {n>=2} days") in a red-flag phrase or word group.
    fn number_pattern(&mut self, s: &Spanned<String>, item: &str, field: &str) {
        for alt in s.get_ref().split('|') {
            if !super::number::valid_number_patterns(alt) {
                self.err(
                    s,
                    item,
                    field,
                    format!(
                        "has a malformed number pattern in \"{}\"; write it as {{n>=7}} days",
                        alt.trim()
                    ),
                );
            }
        }
    }

    /// Checks the `{emergency}`-style placeholders of a text that a parent will read.
    fn placeholders(&mut self, s: &Spanned<String>, item: &str, field: &str) {
        let own = if item == "messages" { field } else { "" };
        for problem in super::placeholder::problems_in(s.get_ref(), own) {
            self.err(s, item, field, problem);
        }
    }

    /// [`Check::non_empty`] and [`Check::placeholders`]: a text a parent will read.
    fn text(&mut self, s: &Spanned<String>, item: &str, field: &str) -> String {
        self.placeholders(s, item, field);
        self.non_empty(s, item, field)
    }

    fn strings(&mut self, list: &[Spanned<String>], item: &str, field: &str) -> Vec<String> {
        list.iter()
            .map(|s| self.non_empty(s, item, field))
            .collect()
    }
}

/// Where an id was defined, for duplicate and reference errors.
struct Place<'a> {
    name: &'a str,
    lines: &'a [usize],
    offset: usize,
}

fn validate(files: &[Parsed<'_>], errors: &mut Vec<KnowledgeError>, complete: bool) -> Knowledge {
    let mut topics = Vec::new();
    let mut red_flags = Vec::new();
    let mut sources = Vec::new();
    let mut lexicon = Lexicon::default();
    let mut messages: Option<Messages> = None;
    // References are checked once every file is read: (file, line breaks, offset, item, field, id).
    let mut topic_refs: Vec<Ref> = Vec::new();
    let mut source_refs: Vec<Ref> = Vec::new();
    let mut topic_ids: HashMap<String, Place> = HashMap::new();
    let mut flag_ids: HashMap<String, Place> = HashMap::new();
    let mut source_ids: HashMap<String, Place> = HashMap::new();
    let mut variant_owner: HashMap<String, String> = HashMap::new();
    let mut asks = Vec::new();
    let mut subjects = Vec::new();
    let mut scope = Scope::default();
    let mut subject_refs: Vec<Ref> = Vec::new();
    let mut ask_refs: Vec<Ref> = Vec::new();
    let mut subject_ids: HashMap<String, Place> = HashMap::new();
    let mut ask_ids: HashMap<String, Place> = HashMap::new();
    let mut advice = Vec::new();
    let mut advice_tags: HashMap<String, Place> = HashMap::new();
    let mut avoid_refs: Vec<Ref> = Vec::new();
    let mut context: Option<Context> = None;

    for p in files {
        let mut c = Check {
            name: p.name,
            lines: p.lines,
            errors,
        };
        for s in &p.file.source {
            let id = c.id(&s.id, "source");
            let item = format!("source \"{id}\"");
            let publisher = c.non_empty(&s.publisher, &item, "publisher");
            let title = c.non_empty(&s.title, &item, "title");
            let url = c.non_empty(&s.url, &item, "url");
            if !url.starts_with("https://") && !url.starts_with("http://") {
                c.err(&s.url, &item, "url", "must start with https://");
            }
            unique(&mut c, &mut source_ids, &s.id, "source");
            sources.push(Source {
                id,
                publisher,
                title,
                url,
            });
        }
        for t in &p.file.topic {
            let id = c.id(&t.id, "topic");
            let item = format!("topic \"{id}\"");
            unique(&mut c, &mut topic_ids, &t.id, "topic");
            let kind = c
                .choice(&t.kind, &item, "kind", &Kind::ALL, Kind::name)
                .unwrap_or(Kind::About);
            let title = c.non_empty(&t.title, &item, "title");
            let summary = c.text(&t.summary, &item, "summary");
            if t.phrases.is_empty() && t.subjects.is_empty() {
                c.err(
                    &t.id,
                    &item,
                    "subjects",
                    "is empty and so is `phrases`: nothing a parent writes could reach the topic",
                );
            }
            for s in &t.subjects {
                subject_refs.push((
                    place(p, s.span().start),
                    item.clone(),
                    "subjects",
                    s.get_ref().clone(),
                ));
            }
            for a in &t.asks {
                ask_refs.push((
                    place(p, a.span().start),
                    item.clone(),
                    "asks",
                    a.get_ref().clone(),
                ));
            }
            let phrases = c.strings(&t.phrases, &item, "phrases");
            for p in &t.phrases {
                if p.get_ref().split_whitespace().count() > MAX_PHRASE_WORDS {
                    c.err(
                        p,
                        &item,
                        "phrases",
                        format!(
                            "has a phrase of more than {MAX_PHRASE_WORDS} words; parents type short phrases"
                        ),
                    );
                }
            }
            let steps_list = t.steps.get_ref();
            if steps_list.is_empty() {
                c.err(&t.steps, &item, "steps", "must not be empty");
            } else if steps_list.len() > MAX_STEPS {
                c.err(
                    &t.steps,
                    &item,
                    "steps",
                    format!("has {} steps; at most {MAX_STEPS}", steps_list.len()),
                );
            }
            let steps: Vec<String> = steps_list
                .iter()
                .map(|s| c.text(s, &item, "steps"))
                .collect();
            let mut related = Vec::new();
            for r in &t.related {
                if r.get_ref() == &id {
                    c.err(r, &item, "related", "must not name the topic itself");
                }
                topic_refs.push((
                    place(p, r.span().start),
                    item.clone(),
                    "related",
                    r.get_ref().clone(),
                ));
                related.push(r.get_ref().clone());
            }
            let srcs = cited(&mut c, &t.sources, &item, p, &mut source_refs);
            let mut age_notes = Vec::new();
            for n in &t.age_note {
                let below = *n.below.get_ref();
                if !(1..=18).contains(&below) {
                    c.err(
                        &n.below,
                        &item,
                        "age_note.below",
                        "must be an age from 1 to 18",
                    );
                }
                let text = c.text(&n.text, &item, "age_note.text");
                age_notes.push(AgeNote {
                    below: u8::try_from(below.clamp(1, 18)).unwrap_or(18),
                    text,
                });
            }
            topics.push(Topic {
                id,
                kind,
                title,
                phrases,
                subjects: t.subjects.iter().map(|s| s.get_ref().clone()).collect(),
                asks: t.asks.iter().map(|s| s.get_ref().clone()).collect(),
                summary,
                steps,
                related,
                sources: srcs,
                age_notes,
            });
        }
        for f in &p.file.red_flag {
            let id = c.id(&f.id, "red flag");
            let item = format!("red flag \"{id}\"");
            unique(&mut c, &mut flag_ids, &f.id, "red flag");
            // An unreadable level must never lower triage.
            let level = c
                .choice(&f.level, &item, "level", &Level::ALL, Level::name)
                .unwrap_or(Level::Emergency);
            let title = c.non_empty(&f.title, &item, "title");
            let action = c.text(&f.action, &item, "action");
            let phrases = c.strings(&f.phrases, &item, "phrases");
            for p in &f.phrases {
                c.number_pattern(p, &item, "phrases");
            }
            if f.phrases.is_empty() && f.near.is_empty() {
                c.err(
                    &f.id,
                    &item,
                    "phrases",
                    "is empty and there is no [[red_flag.near]]: the flag could never fire",
                );
            }
            let mut near = Vec::new();
            for n in &f.near {
                let raw = n.get_ref();
                if raw.words.is_empty() {
                    c.err(n, &item, "near.words", "must list at least one word group");
                }
                let words: Vec<Vec<String>> = raw
                    .words
                    .iter()
                    .map(|g| {
                        let alts: Vec<String> = g
                            .get_ref()
                            .split('|')
                            .map(|a| a.trim().to_owned())
                            .filter(|a| !a.is_empty())
                            .collect();
                        if alts.is_empty() {
                            c.err(g, &item, "near.words", "has an empty word group");
                        }
                        c.number_pattern(g, &item, "near.words");
                        alts
                    })
                    .collect();
                let within = *raw.within.get_ref();
                if !(1..=40).contains(&within) {
                    c.err(
                        &raw.within,
                        &item,
                        "near.within",
                        "must be from 1 to 40 words",
                    );
                }
                // Issue 10: `except` words lowered urgent flags ("sore for 2 days after sitting" was
                // routine). When unsure, escalate: urgent and emergency flags narrow their patterns
                // instead.
                if level >= Level::Urgent {
                    for e in &raw.except {
                        c.err(
                            e,
                            &item,
                            "near.except",
                            format!(
                                "is not allowed on an {level} flag (when unsure, CrampCare escalates): narrow the pattern, or list the look-alike phrase under [context] `pseudo`"
                            ),
                        );
                    }
                }
                near.push(Near {
                    words,
                    within: usize::try_from(within.clamp(1, 40)).unwrap_or(40),
                    except: c.strings(&raw.except, &item, "near.except"),
                });
            }
            let avoid = f
                .avoid
                .iter()
                .map(|a| {
                    avoid_refs.push((
                        place(p, a.span().start),
                        item.clone(),
                        "avoid",
                        a.get_ref().clone(),
                    ));
                    a.get_ref().clone()
                })
                .collect();
            let srcs = cited(&mut c, &f.sources, &item, p, &mut source_refs);
            red_flags.push(RedFlag {
                id,
                level,
                title,
                action,
                phrases,
                near,
                avoid,
                parent: f.parent,
                sources: srcs,
            });
        }
        if let Some(lex) = &p.file.lexicon {
            let lex = lex.get_ref();
            lexicon
                .stopwords
                .extend(c.strings(&lex.stopwords, "lexicon", "stopwords"));
            lexicon
                .cramp_words
                .extend(c.strings(&lex.cramp_words, "lexicon", "cramp_words"));
            for (canonical, variants) in &lex.synonyms {
                let item = format!("lexicon synonym \"{canonical}\"");
                if canonical.trim().is_empty() {
                    c.err(
                        variants,
                        "lexicon",
                        "synonyms",
                        "has an empty canonical word",
                    );
                }
                for v in variants.get_ref() {
                    let word = v.get_ref().trim().to_lowercase();
                    if word.is_empty() {
                        c.err(v, &item, "synonyms", "has an empty variant");
                        continue;
                    }
                    if let Some(other) = variant_owner.get(&word) {
                        if other != canonical {
                            c.err(
                                v,
                                &item,
                                "synonyms",
                                format!("variant \"{word}\" is already a synonym of \"{other}\""),
                            );
                        }
                        continue;
                    }
                    variant_owner.insert(word.clone(), canonical.clone());
                    lexicon
                        .synonyms
                        .entry(canonical.clone())
                        .or_default()
                        .push(word);
                }
            }
        }
        for a in &p.file.ask {
            let id = c.id(&a.id, "ask");
            let item = format!("ask \"{id}\"");
            unique(&mut c, &mut ask_ids, &a.id, "ask");
            let kind = c
                .choice(&a.kind, &item, "kind", &Kind::ALL, Kind::name)
                .unwrap_or(Kind::About);
            topic_refs.push((
                place(p, a.topic.span().start),
                item.clone(),
                "topic",
                a.topic.get_ref().clone(),
            ));
            if a.forms.get_ref().is_empty() {
                c.err(&a.forms, &item, "forms", "must list at least one form");
            }
            asks.push(Ask {
                id,
                kind,
                topic: a.topic.get_ref().clone(),
                forms: c.strings(a.forms.get_ref(), &item, "forms"),
                signals: c.strings(&a.signals, &item, "signals"),
            });
        }
        for s in &p.file.subject {
            let id = c.id(&s.id, "subject");
            let item = format!("subject \"{id}\"");
            unique(&mut c, &mut subject_ids, &s.id, "subject");
            if s.words.get_ref().is_empty() {
                c.err(&s.words, &item, "words", "must list at least one word");
            }
            subjects.push(Subject {
                id,
                words: c.strings(s.words.get_ref(), &item, "words"),
            });
        }
        if let Some(sc) = &p.file.scope {
            let sc = sc.get_ref();
            for (list, raw, field) in [
                (&mut scope.greeting, &sc.greeting, "greeting"),
                (&mut scope.thanks, &sc.thanks, "thanks"),
                (&mut scope.small_talk, &sc.small_talk, "small_talk"),
                (&mut scope.check, &sc.check, "check"),
                (
                    &mut scope.other_symptoms,
                    &sc.other_symptoms,
                    "other_symptoms",
                ),
                (&mut scope.adult, &sc.adult, "adult"),
                (&mut scope.child, &sc.child, "child"),
            ] {
                list.extend(c.strings(raw, "scope", field));
            }
        }
        for a in &p.file.advice {
            let tag = c.id(&a.tag, "advice");
            let item = format!("advice \"{tag}\"");
            unique(&mut c, &mut advice_tags, &a.tag, "advice");
            if a.words.get_ref().is_empty() {
                c.err(&a.words, &item, "words", "must list at least one word");
            }
            let words = c.strings(a.words.get_ref(), &item, "words");
            advice.push(Advice { tag, words });
        }
        if let Some(ctx) = &p.file.context {
            if context.is_some() {
                c.err(
                    ctx,
                    "context",
                    "context",
                    "is defined in more than one file",
                );
            } else {
                let r = ctx.get_ref();
                let mut list = |l: &[S<String>], field: &str| c.strings(l, "context", field);
                let mut out = Context {
                    negation: list(&r.negation, "negation"),
                    negation_after: list(&r.negation_after, "negation_after"),
                    uncertain_after: list(&r.uncertain_after, "uncertain_after"),
                    terminators: list(&r.terminators, "terminators"),
                    hypothetical: list(&r.hypothetical, "hypothetical"),
                    continues: list(&r.continues, "continues"),
                    openers: list(&r.openers, "openers"),
                    happening: list(&r.happening, "happening"),
                    historical: list(&r.historical, "historical"),
                    historical_after: list(&r.historical_after, "historical_after"),
                    other: list(&r.other, "other"),
                    child: list(&r.child, "child"),
                    shared_before: list(&r.shared_before, "shared_before"),
                    present: list(&r.present, "present"),
                    pseudo: list(&r.pseudo, "pseudo"),
                    slips: Vec::new(),
                };
                for (meant, typed) in &r.slips {
                    for t in typed {
                        let t = c.non_empty(t, "context", "slips");
                        out.slips.push((meant.clone(), t));
                    }
                }
                context = Some(out);
            }
        }
        if let Some(m) = &p.file.messages {
            if messages.is_some() {
                c.err(
                    m,
                    "messages",
                    "messages",
                    "is defined in more than one file",
                );
            } else {
                // A table with a missing or unknown text is reported; the empty stand-in keeps
                // the "no [messages] table" error from firing on top.
                messages = Some(checked_messages(&mut c, m).unwrap_or_else(empty_messages));
            }
        }
    }

    if !complete {
        topic_refs.clear();
        source_refs.clear();
        subject_refs.clear();
        ask_refs.clear();
    }
    dangling(errors, topic_refs, &topic_ids, "topic");
    dangling(errors, source_refs, &source_ids, "source");
    dangling(errors, subject_refs, &subject_ids, "subject");
    dangling(errors, ask_refs, &ask_ids, "ask");
    if complete {
        dangling(errors, avoid_refs, &advice_tags, "advice tag");
    }
    // A bare file name ("causes.toml") has an empty parent: name the knowledge base instead.
    let folder = files
        .first()
        .and_then(|p| Path::new(p.name).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| "knowledge".to_owned(), |d| d.display().to_string());
    let folder = folder.as_str();
    for (id, used_by) in REQUIRED_TOPICS {
        if complete && !topic_ids.contains_key(*id) && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                format!("the knowledge base needs a topic \"{id}\" (used by {used_by})"),
            ));
        }
    }
    let messages = messages.unwrap_or_else(|| {
        if complete && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                "no file has a [messages] table (greeting, fallback, doctor_line, ...)",
            ));
        }
        empty_messages()
    });
    let mut seen = HashSet::new();
    lexicon.stopwords.retain(|w| seen.insert(w.clone()));
    Knowledge {
        topics,
        red_flags,
        sources,
        lexicon,
        messages,
        asks,
        subjects,
        scope,
        words: BUILTIN_WORDS.into(),
        advice,
        context: context.unwrap_or_default(),
    }
}

/// A reference to an id: where it stands, the item and field it is in, and the id.
type Ref<'a> = (Place<'a>, String, &'static str, String);

/// Reports every reference to an id that no file defines, with the nearest defined id as a hint.
fn dangling(
    errors: &mut Vec<KnowledgeError>,
    refs: Vec<Ref<'_>>,
    defined: &HashMap<String, Place<'_>>,
    what: &str,
) {
    for (at, item, field, id) in refs {
        if defined.contains_key(&id) {
            continue;
        }
        errors.push(
            error_at(
                at.name,
                at.lines,
                at.offset,
                format!(
                    "names {what} \"{id}\", which does not exist{}",
                    hint(&id, defined.keys().map(String::as_str))
                ),
            )
            .item(item)
            .field(field),
        );
    }
}

fn place<'a>(p: &Parsed<'a>, offset: usize) -> Place<'a> {
    Place {
        name: p.name,
        lines: p.lines,
        offset,
    }
}

fn unique<'a>(
    c: &mut Check<'a, '_>,
    ids: &mut HashMap<String, Place<'a>>,
    id: &Spanned<String>,
    what: &str,
) {
    let key = id.get_ref().clone();
    if let Some(first) = ids.get(&key) {
        let line = line_at(first.lines, first.offset);
        c.err(
            id,
            &format!("{what} \"{key}\""),
            "id",
            format!("is a duplicate; first defined at {}:{line}", first.name),
        );
    } else {
        ids.insert(
            key,
            Place {
                name: c.name,
                lines: c.lines,
                offset: id.span().start,
            },
        );
    }
}

fn cited<'a>(
    c: &mut Check<'a, '_>,
    list: &Spanned<Vec<Spanned<String>>>,
    item: &str,
    p: &Parsed<'a>,
    refs: &mut Vec<Ref<'a>>,
) -> Vec<String> {
    if list.get_ref().is_empty() {
        c.err(list, item, "sources", "must cite at least one source");
    }
    list.get_ref()
        .iter()
        .map(|s| {
            refs.push((
                place(p, s.span().start),
                item.to_owned(),
                "sources",
                s.get_ref().clone(),
            ));
            s.get_ref().clone()
        })
        .collect()
}

/// Every text of `[messages]` is non-empty and holds only known placeholders; the texts
/// [`Messages`] requires are present, and no other key is.
fn checked_messages(c: &mut Check<'_, '_>, m: &Spanned<RawMessages>) -> Option<Messages> {
    let mut table = toml::Table::new();
    for (key, value) in m.get_ref() {
        let text = c.text(value, "messages", key);
        table.insert(key.clone(), toml::Value::String(text));
    }
    match Messages::deserialize(toml::Value::Table(table)) {
        Ok(messages) => Some(messages),
        Err(e) => {
            // serde names the field ("missing field `thanks`", "unknown field `thanx`"): place the
            // error at that key, or at the table for a missing one.
            let mut err = KnowledgeError::toml(c.name, "", &e).item("messages");
            let at = err
                .field
                .as_ref()
                .and_then(|f| m.get_ref().get(f))
                .map_or(m.span().start, |v| v.span().start);
            err.line = Some(line_at(c.lines, at));
            c.errors.push(err);
            None
        }
    }
}

fn empty_messages() -> Messages {
    Messages {
        greeting: String::new(),
        thanks: String::new(),
        fallback: String::new(),
        no_words: String::new(),
        opening: String::new(),
        doctor_line: String::new(),
        doctor_line_practice: String::new(),
        emergency: String::new(),
        urgent: String::new(),
        soon: String::new(),
        soon_opening: String::new(),
        other_symptom: String::new(),
        adult: String::new(),
        not_recognised: String::new(),
        also: String::new(),
        unwell_line: String::new(),
        emergency_close: String::new(),
        hypothetical_opening: String::new(),
        while_you_wait: String::new(),
        meanwhile: String::new(),
        emergency_practice: String::new(),
        if_emergency: String::new(),
        if_urgent: String::new(),
        if_soon: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10: `except` words lowered an urgent flag ("sore for 2 days after sitting" was routine).
    /// Urgent and emergency flags may not have them; the error names the file and line.
    #[test]
    fn except_words_on_urgent_flags_are_an_error_with_file_and_line() {
        let mut files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        let flag = "[[red_flag]]\nid = \"calf-test\"\nlevel = \"urgent\"\ntitle = \"t\"\naction = \"a\"\nsources = [\"nhs-leg-cramps\"]\n\n[[red_flag.near]]\nwords = [\"sore\", \"calf\"]\nwithin = 5\nexcept = [\"sitting\"]\n";
        files.push(("knowledge/extra.toml".to_owned(), flag.to_owned()));
        let errors = Knowledge::from_texts(files)
            .expect_err("except on an urgent flag")
            .0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = errors[0].to_string();
        assert!(e.starts_with("knowledge/extra.toml:11:"), "{e}");
        assert!(e.contains("near.except"), "{e}");
        assert!(e.contains("not allowed on an urgent flag"), "{e}");
    }

    /// A flag may only rule out advice tags that `[[advice]]` defines.
    #[test]
    fn unknown_avoid_tags_are_an_error_with_a_suggestion() {
        let mut files: Vec<(String, String)> = BUILTIN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        let flag = "[[red_flag]]\nid = \"avoid-test\"\nlevel = \"soon\"\ntitle = \"t\"\naction = \"a\"\nphrases = [\"zzz\"]\navoid = [\"masage\"]\nsources = [\"nhs-leg-cramps\"]\n";
        files.push(("knowledge/extra.toml".to_owned(), flag.to_owned()));
        let errors = Knowledge::from_texts(files).expect_err("unknown tag").0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let e = errors[0].to_string();
        assert!(e.starts_with("knowledge/extra.toml:7:"), "{e}");
        assert!(e.contains("massage"), "{e}");
    }

    /// Found by the `knowledge_loader` fuzz target (`fuzz/`): a file named without a folder made
    /// the errors about the knowledge base as a whole name an empty file (": the knowledge base
    /// needs a topic").
    #[test]
    fn whole_base_errors_name_a_place_when_files_have_no_folder() {
        let files = [("fuzz.toml".to_owned(), String::new())];
        let errors = Knowledge::from_texts(files).expect_err("no topics, no messages");
        assert!(!errors.0.is_empty());
        for e in &errors.0 {
            assert_eq!(e.file, "knowledge", "{e}");
            assert!(e.to_string().starts_with("knowledge: "), "{e}");
        }
    }

    /// Found with the `knowledge_loader` fuzz target (`fuzz/`, a hand-written input): every error
    /// rescanned its file from the start for its line, so a large file with thousands of errors took
    /// quadratic time (8 s for 256 KB in a release build, minutes at the 4 MB limit).
    #[test]
    fn many_errors_in_a_large_file_keep_their_lines() {
        let entry = "[[source]]\nid = \"\"\npublisher = \"\"\ntitle = \"\"\nurl = \"\"\n";
        let n = 4_000;
        let text = entry.repeat(n);
        let files = [("knowledge/big.toml".to_owned(), text)];
        let errors = Knowledge::from_texts(files)
            .expect_err("every source is empty")
            .0;
        let last = 5 * (n - 1);
        let lines: Vec<Option<usize>> = errors
            .iter()
            .filter(|e| e.item.is_some() && e.line > Some(last))
            .map(|e| e.line)
            .collect();
        let want = [2, 3, 4, 5, 5, 2].map(|l| Some(last + l));
        assert_eq!(lines, want, "{errors:?}");
        let dup = errors.iter().rev().find(|e| e.item.is_some()).unwrap();
        assert!(dup.message.ends_with("knowledge/big.toml:2"), "{dup}");
    }
}
