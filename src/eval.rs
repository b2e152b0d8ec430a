//! Scores the engine against labelled parent messages (`tests/data/*.toml`).
//!
//! A case lists the message, the acceptable topic ids (empty for greetings, thanks and off-topic
//! messages, which must get no topic), the expected urgency, and words the reply must contain.
//! The report gives top-1 and top-3 accuracy, urgency accuracy, every under-triage case (expected
//! level higher than given: the worst bug), the over-triage count and the misses. Pure: used by
//! `crampcare eval` and by the test suite.

use std::fmt;

use serde::Deserialize;

use crate::engine::error::{KnowledgeError, KnowledgeErrors};
use crate::engine::{Engine, Level};
use crate::render::plain;

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
}

/// Reads cases from TOML text. Unknown topic ids and levels are errors, with their line.
///
/// # Errors
/// Malformed TOML, unknown fields, unknown levels or topic ids.
pub fn parse(name: &str, text: &str, engine: &Engine) -> Result<Vec<Case>, KnowledgeErrors> {
    let raw: RawFile = toml::from_str(text)
        .map_err(|e| KnowledgeErrors(vec![KnowledgeError::toml(name, text, &e)]))?;
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
        for t in &c.topics {
            if engine.knowledge().topic(t).is_none() {
                errors.push(err("topics", format!("names unknown topic \"{t}\"")));
            }
        }
        cases.push(Case {
            line,
            text: c.text,
            topics: c.topics,
            urgency,
            contains: c.contains,
        });
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(KnowledgeErrors(errors))
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

/// Runs every case.
#[must_use]
pub fn run(engine: &Engine, cases: &[Case]) -> Report {
    let outcomes = cases
        .iter()
        .map(|c| {
            let a = engine.analyse(&c.text);
            let reply = engine.reply(&a);
            let text = plain::render(&reply).to_lowercase();
            let got = reply.topic_ids().into_iter().map(str::to_owned).collect();
            Outcome {
                case: c.clone(),
                got,
                level: reply.level,
                missing: c
                    .contains
                    .iter()
                    .filter(|w| !text.contains(&w.to_lowercase()))
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    Report { outcomes }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.outcomes.len();
        let count = |p: f64| (p * n as f64).round() as usize;
        writeln!(f, "cases:            {n}")?;
        writeln!(
            f,
            "top-1 accuracy:   {:.3} ({}/{n})",
            self.top1(),
            count(self.top1())
        )?;
        writeln!(
            f,
            "top-3 accuracy:   {:.3} ({}/{n})",
            self.top3(),
            count(self.top3())
        )?;
        writeln!(
            f,
            "urgency accuracy: {:.3} ({}/{n})",
            self.urgency(),
            count(self.urgency())
        )?;
        writeln!(f, "red-flag recall:  {:.3}", self.red_flag_recall())?;
        let under = self.under_triage();
        writeln!(f, "under-triage:     {}", under.len())?;
        for o in &under {
            writeln!(
                f,
                "  line {}: expected {}, got {}: {:?}",
                o.case.line, o.case.urgency, o.level, o.case.text
            )?;
        }
        writeln!(f, "over-triage:      {}", self.over_triage())?;
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
        write!(f, "missing words:    {}", missing.len())?;
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
