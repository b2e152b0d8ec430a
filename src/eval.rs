//! Scores the engine against labelled parent messages (`tests/data/*.toml`).
//!
//! A case lists the message, the acceptable topic ids (empty for greetings, thanks and off-topic
//! messages, which must get no topic), the expected urgency, and words the reply must contain;
//! optionally the ask it makes (`ask`), and for red-flag sets the sign (`sign`) and how it is told
//! (`context`: described, buried, hypothetical, other-person, negated).
//! The report gives top-1, top-3 and kind accuracy, ask and off-topic accuracy, urgency accuracy,
//! red-flag recall per level, every under-triage case (expected level higher than given: the worst
//! bug), the over-triage count and the misses. [`Report::summary`] gives the figures alone, for blind
//! holdouts that may only be used through their aggregates. Pure: used by `crampcare eval` and by
//! the test suite.

use std::fmt;

use serde::Deserialize;

use crate::engine::error::KnowledgeError;
use crate::engine::{Engine, Engines, Kind, Level, ReplyKind};
use crate::render::plain;

/// What a labelled message asks for: the labels of the `ask` field.
pub const ASKS: &[&str] = &[
    "now", "why", "food", "prevent", "serious", "about", "other", "greeting", "thanks",
];

/// How a red-flag case tells its sign: the labels of the `context` field.
pub const CONTEXTS: &[&str] = &[
    "described",
    "buried",
    "hypothetical",
    "other-person",
    "negated",
];

/// Problems in a labelled file, each with its file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EvalError(pub Vec<KnowledgeError>);

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::engine::error::write_list(f, "the labelled file", &self.0)
    }
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Line of the case in its file.
    pub line: usize,
    /// The parent's message.
    pub text: String,
    /// Acceptable best topics; empty means "no topic".
    pub topics: Vec<String>,
    /// Expected urgency.
    pub urgency: Level,
    /// Words the reply must contain (case-insensitive).
    pub contains: Vec<String>,
    /// What the message asks for (one of [`ASKS`]), when labelled.
    pub ask: Option<String>,
    /// The red-flag sign the case is about, when labelled.
    pub sign: Option<String>,
    /// How the sign is told (one of [`CONTEXTS`]), when labelled.
    pub context: Option<String>,
    /// A topic the reply must show too: the answer to a second question.
    pub second: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    case: Vec<toml::Spanned<RawCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    text: String,
    topics: Vec<String>,
    urgency: String,
    #[serde(default)]
    contains: Vec<String>,
    ask: Option<String>,
    sign: Option<String>,
    context: Option<String>,
    second: Option<String>,
}

/// Reads cases from TOML text. Unknown topic ids and levels are errors, with their line.
///
/// # Errors
/// Malformed TOML, unknown fields, unknown levels, asks, contexts or topic ids.
pub fn parse(name: &str, text: &str, engine: &Engine) -> Result<Vec<Case>, EvalError> {
    let raw: RawFile =
        toml::from_str(text).map_err(|e| EvalError(vec![KnowledgeError::toml(name, text, &e)]))?;
    let mut errors = Vec::new();
    let mut cases = Vec::new();
    for c in raw.case {
        let line = crate::engine::error::line_of(text, c.span().start);
        let offset = c.span().start;
        let c = c.into_inner();
        let err = |field: &str, msg: String| {
            KnowledgeError::at(name, text, offset, msg)
                .item("case")
                .field(field)
        };
        let Some(urgency) = Level::parse(&c.urgency) else {
            errors.push(err("urgency", format!("is `{}`, not a level", c.urgency)));
            continue;
        };
        for t in c.topics.iter().chain(&c.second) {
            if engine.knowledge().topic(t).is_none() {
                errors.push(err("topics", format!("names unknown topic \"{t}\"")));
            }
        }
        for (field, value, allowed) in [("ask", &c.ask, ASKS), ("context", &c.context, CONTEXTS)] {
            if let Some(v) = value.as_deref().filter(|v| !allowed.contains(v)) {
                errors.push(err(
                    field,
                    format!("is `{v}`, not one of {}", allowed.join(", ")),
                ));
            }
        }
        cases.push(Case {
            line,
            text: c.text,
            topics: c.topics,
            urgency,
            contains: c.contains,
            ask: c.ask,
            sign: c.sign,
            context: c.context,
            second: c.second,
        });
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(EvalError(errors))
    }
}

/// How one case went.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The case.
    pub case: Case,
    /// Topic ids the engine chose, best first.
    pub got: Vec<String>,
    /// The level it gave.
    pub level: Level,
    /// Required words missing from the reply.
    pub missing: Vec<String>,
    /// The kind of the first topic shown, if any.
    pub kind: Option<Kind>,
    /// Kinds of the acceptable topics.
    pub kinds: Vec<Kind>,
    /// What the engine took the message to ask (one of [`ASKS`]).
    pub ask: String,
    /// What kind of reply it was.
    pub reply: ReplyKind,
    /// The language the message was read in ("en", "es").
    pub lang: String,
}

impl Outcome {
    /// Whether the best topic is acceptable (or, for a no-topic case, there is none).
    #[must_use]
    pub fn top1(&self) -> bool {
        match self.got.first() {
            None => self.case.topics.is_empty(),
            Some(g) => self.case.topics.contains(g),
        }
    }

    /// Whether the answer is of the right kind: the first topic's kind is the kind of an acceptable
    /// topic (no topic for a no-topic case), or the case calls for an urgent or emergency alert and
    /// the reply is one (an emergency reply shows no topic, only what to do).
    #[must_use]
    pub fn kind_right(&self) -> bool {
        if self.case.urgency >= Level::Urgent && self.level >= Level::Urgent {
            return true;
        }
        match self.kind {
            None => self.case.topics.is_empty(),
            Some(k) => self.kinds.contains(&k),
        }
    }

    /// Whether the engine read the ask right, for cases labelled with one.
    #[must_use]
    pub fn ask_right(&self) -> Option<bool> {
        self.case.ask.as_deref().map(|a| a == self.ask)
    }

    /// Whether the reply shows the answer to the second question, for cases that name one.
    #[must_use]
    pub fn second_right(&self) -> Option<bool> {
        self.case.second.as_ref().map(|s| self.got.contains(s))
    }

    /// Whether one of the first three topics is acceptable.
    #[must_use]
    pub fn top3(&self) -> bool {
        if self.case.topics.is_empty() {
            return self.got.is_empty();
        }
        self.got
            .iter()
            .take(3)
            .any(|g| self.case.topics.contains(g))
    }
}

/// The scores of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Every case's outcome, in file order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    fn share(&self, f: impl Fn(&Outcome) -> bool) -> f64 {
        if self.outcomes.is_empty() {
            return 0.0;
        }
        self.outcomes.iter().filter(|o| f(o)).count() as f64 / self.outcomes.len() as f64
    }

    /// Share of cases whose best topic is acceptable.
    #[must_use]
    pub fn top1(&self) -> f64 {
        self.share(Outcome::top1)
    }

    /// Share of cases with an acceptable topic among the first three.
    #[must_use]
    pub fn top3(&self) -> f64 {
        self.share(Outcome::top3)
    }

    /// Share of cases answered with the right kind of answer ([`Outcome::kind_right`]).
    #[must_use]
    pub fn kind(&self) -> f64 {
        self.share(Outcome::kind_right)
    }

    /// Of the cases labelled with an ask, the share read right, and how many there are.
    #[must_use]
    pub fn ask(&self) -> (f64, usize) {
        let labelled: Vec<bool> = self
            .outcomes
            .iter()
            .filter_map(Outcome::ask_right)
            .collect();
        let right = labelled.iter().filter(|r| **r).count();
        (ratio(right, labelled.len()), labelled.len())
    }

    /// Of the no-topic cases (greetings, thanks, off-topic), the share answered without a topic
    /// and, where the case names its ask, with the right kind of reply: the greeting, the thanks, or
    /// a fallback rather than a greeting. Also how many there are.
    #[must_use]
    pub fn off_topic(&self) -> (f64, usize) {
        let cases: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.case.topics.is_empty() && o.case.urgency == Level::Routine)
            .collect();
        let right = cases
            .iter()
            .filter(|o| {
                o.got.is_empty()
                    && match o.case.ask.as_deref() {
                        Some("greeting") => o.reply == ReplyKind::Greeting,
                        Some("thanks") => o.reply == ReplyKind::Thanks,
                        Some(_) => !matches!(o.reply, ReplyKind::Greeting | ReplyKind::Thanks),
                        None => true,
                    }
            })
            .count();
        (ratio(right, cases.len()), cases.len())
    }

    /// Of the cases expecting exactly `level`, the share given at least that level, and how many.
    #[must_use]
    pub fn recall_at(&self, level: Level) -> (f64, usize) {
        let cases: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.case.urgency == level)
            .collect();
        let right = cases.iter().filter(|o| o.level >= level).count();
        (ratio(right, cases.len()), cases.len())
    }

    /// Per `context` label: how many cases, how many under-triaged, how many over-triaged.
    #[must_use]
    pub fn by_context(&self) -> Vec<(&'static str, usize, usize, usize)> {
        CONTEXTS
            .iter()
            .map(|&c| {
                let cases: Vec<&Outcome> = self
                    .outcomes
                    .iter()
                    .filter(|o| o.case.context.as_deref() == Some(c))
                    .collect();
                let under = cases.iter().filter(|o| o.level < o.case.urgency).count();
                let over = cases.iter().filter(|o| o.level > o.case.urgency).count();
                (c, cases.len(), under, over)
            })
            .filter(|r| r.1 > 0)
            .collect()
    }

    /// The figures alone, one per line, without any message: what a blind holdout may be used
    /// through while the engine is being changed.
    #[must_use]
    pub fn summary(&self) -> String {
        let n = self.outcomes.len();
        let count = |p: f64| (p * n as f64).round() as usize;
        let mut s = format!("cases:            {n}\n");
        for (name, v) in [
            ("top-1 accuracy:  ", self.top1()),
            ("top-3 accuracy:  ", self.top3()),
            ("kind accuracy:   ", self.kind()),
            ("urgency accuracy:", self.urgency()),
        ] {
            s.push_str(&format!("{name} {v:.3} ({}/{n})\n", count(v)));
        }
        // Which language each message was read in, when it was not English for all.
        let mut langs: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for o in &self.outcomes {
            *langs.entry(o.lang.as_str()).or_default() += 1;
        }
        if langs.keys().any(|l| *l != "en") {
            let read: Vec<String> = langs.iter().map(|(l, c)| format!("{l} {c}")).collect();
            s.push_str(&format!("read as:          {}\n", read.join(", ")));
        }
        let (ask, asked) = self.ask();
        if asked > 0 {
            s.push_str(&format!("ask accuracy:     {ask:.3} (of {asked})\n"));
        }
        let (off, offs) = self.off_topic();
        if offs > 0 {
            s.push_str(&format!("off-topic right:  {off:.3} (of {offs})\n"));
        }
        s.push_str(&format!(
            "red-flag recall:  {:.3}\n",
            self.red_flag_recall()
        ));
        for level in [Level::Emergency, Level::Urgent, Level::Soon] {
            let (r, k) = self.recall_at(level);
            if k > 0 {
                s.push_str(&format!("  recall {:<10}{r:.3} (of {k})\n", level.name()));
            }
        }
        s.push_str(&format!(
            "under-triage:     {}\n",
            self.under_triage().len()
        ));
        s.push_str(&format!(
            "over-triage:      {} ({:.1} %)\n",
            self.over_triage(),
            100.0 * ratio(self.over_triage(), n)
        ));
        for (c, k, under, over) in self.by_context() {
            s.push_str(&format!(
                "  {c:<13}{k:>4} cases, {under} under-triaged, {over} over-triaged\n"
            ));
        }
        s.push_str(&format!("missing words:    {}", self.missing_words().len()));
        s
    }

    /// Share of cases with exactly the expected level.
    #[must_use]
    pub fn urgency(&self) -> f64 {
        self.share(|o| o.level == o.case.urgency)
    }

    /// Cases given a lower level than expected.
    #[must_use]
    pub fn under_triage(&self) -> Vec<&Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.level < o.case.urgency)
            .collect()
    }

    /// Number of cases given a higher level than expected.
    #[must_use]
    pub fn over_triage(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.level > o.case.urgency)
            .count()
    }

    /// Of the cases expecting a level above routine, the share given at least that level.
    #[must_use]
    pub fn red_flag_recall(&self) -> f64 {
        let flagged: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.case.urgency > Level::Routine)
            .collect();
        if flagged.is_empty() {
            return 1.0;
        }
        flagged.iter().filter(|o| o.level >= o.case.urgency).count() as f64 / flagged.len() as f64
    }

    /// Cases whose reply lacks a required word.
    #[must_use]
    pub fn missing_words(&self) -> Vec<&Outcome> {
        self.outcomes
            .iter()
            .filter(|o| !o.missing.is_empty())
            .collect()
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 1.0;
    }
    part as f64 / whole as f64
}

/// Runs every case on one engine.
#[must_use]
pub fn run(engine: &Engine, cases: &[Case]) -> Report {
    run_with(cases, |text| (engine, Some(engine.analyse(text)), None))
}

/// Runs every case as the bot reads it: in the language each message is in (or `lang`, when
/// given), with the other-language reply for a message in none of them.
#[must_use]
pub fn run_languages(engines: &Engines, lang: Option<&str>, cases: &[Case]) -> Report {
    let forced = lang.and_then(|l| engines.get(l));
    run_with(cases, |text| match forced {
        Some(e) => (e, Some(e.analyse(text)), None),
        None => match engines.analyse(text, None, None) {
            (e, Some(a)) => (e, Some(a), None),
            (e, None) => (e, None, Some(engines.other_language())),
        },
    })
}

/// Lower case without accents: how `contains` words are compared with a reply ("medic" is in
/// "médico").
fn folded(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn run_with<'e>(
    cases: &[Case],
    read: impl Fn(
        &str,
    ) -> (
        &'e Engine,
        Option<crate::engine::Analysis>,
        Option<crate::engine::Reply>,
    ),
) -> Report {
    let outcomes = cases
        .iter()
        .map(|c| {
            let (engine, analysis, other) = read(&c.text);
            let k = engine.knowledge();
            let kind_of = |id: &str| k.topic(id).map(|t| t.kind);
            let (reply, ask) = match (&analysis, other) {
                (Some(a), _) => (engine.reply(a), engine.ask_label(a).to_owned()),
                (None, Some(r)) => (r, "other".to_owned()),
                (None, None) => (engine.welcome(), "other".to_owned()),
            };
            let text = folded(&plain::render(&reply));
            let got: Vec<String> = reply.topic_ids().into_iter().map(str::to_owned).collect();
            let kind = got.first().and_then(|id| kind_of(id));
            Outcome {
                case: c.clone(),
                kind,
                kinds: c.topics.iter().filter_map(|id| kind_of(id)).collect(),
                ask,
                reply: reply.kind,
                got,
                level: reply.level,
                lang: engine.language().code.clone(),
                missing: c
                    .contains
                    .iter()
                    .filter(|w| !text.contains(&folded(w)))
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    Report { outcomes }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        let under = self.under_triage();
        writeln!(f, "under-triaged cases:")?;
        for o in &under {
            writeln!(
                f,
                "  line {}: expected {}, got {}: {:?}",
                o.case.line, o.case.urgency, o.level, o.case.text
            )?;
        }
        let misses: Vec<&Outcome> = self.outcomes.iter().filter(|o| !o.top1()).collect();
        writeln!(f, "misses (top-1):   {}", misses.len())?;
        for o in misses {
            writeln!(
                f,
                "  line {}: expected one of [{}], got [{}]: {:?}",
                o.case.line,
                o.case.topics.join(", "),
                o.got.join(", "),
                o.case.text
            )?;
        }
        let missing = self.missing_words();
        write!(f, "missing words:")?;
        for o in missing {
            write!(
                f,
                "\n  line {}: reply lacks {:?}: {:?}",
                o.case.line, o.missing, o.case.text
            )?;
        }
        Ok(())
    }
}
