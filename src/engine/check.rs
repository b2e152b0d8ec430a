//! The guided "is this serious?" check: yes/no questions that end in a disposition.
//!
//! Modelled on the pediatric leg-pain triage questions (Seattle Children's "Leg Pain" and the AAP
//! symptom checker, both built on the Schmitt-Thompson protocols; `shared/CONTENT.md`): the most
//! dangerous signs are asked first, so a "yes" ends the check at the highest level that applies.
//! The check is stateless: the answers so far travel in a token (`c:` then one `y` or `n` per
//! answer), at most a dozen bytes, well inside Telegram's 64-byte callback data.

use super::knowledge::Level;

/// The prefix of every check token.
pub const PREFIX: &str = "c:";

/// One question, by its number, and the level a "yes" leads to. Its words are the language's
/// (`check_q1` and the reason `check_a1` in `[messages]`, ...): the order and levels are medical
/// logic and live here, the wording is data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// Its number, from 1.
    pub number: usize,
    /// The level when the answer is yes.
    pub yes: Level,
}

/// The questions, most dangerous first: emergency signs, dark pee after hard exercise, not walking
/// or pain on touch, one swollen or red leg or a spreading red streak, fever or a limp, cramps that
/// keep coming back.
pub const QUESTIONS: &[Question] = &[
    Question {
        number: 1,
        yes: Level::Emergency,
    },
    Question {
        number: 2,
        yes: Level::Emergency,
    },
    Question {
        number: 3,
        yes: Level::Urgent,
    },
    Question {
        number: 4,
        yes: Level::Urgent,
    },
    Question {
        number: 5,
        yes: Level::Soon,
    },
    Question {
        number: 6,
        yes: Level::Soon,
    },
];

/// Where the check stands after the answers in a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Ask this question; the tokens for "yes" and "no" carry the answers so far.
    Ask {
        /// Number of the question, from 1.
        number: usize,
        /// The question.
        question: Question,
        /// Token for a "yes" answer.
        yes: String,
        /// Token for a "no" answer.
        no: String,
    },
    /// The check is over.
    Done {
        /// The disposition.
        level: Level,
        /// The question that decided it (its reason is the language's `check_a<n>`).
        decided_by: Option<usize>,
    },
}

/// The token that starts the check.
#[must_use]
pub fn start() -> String {
    PREFIX.to_owned()
}

/// The step after the answers in `token`, or `None` for a token that is not a check token or was
/// tampered with (unknown letters, more answers than questions, answers after a "yes").
#[must_use]
pub fn step(token: &str) -> Option<Step> {
    let answers = token.strip_prefix(PREFIX)?;
    if answers.len() > QUESTIONS.len() || !answers.bytes().all(|b| b == b'y' || b == b'n') {
        return None;
    }
    let bytes = answers.as_bytes();
    // A "yes" ends the check, so only the last answer may be a "yes".
    if bytes.iter().rev().skip(1).any(|&b| b == b'y') {
        return None;
    }
    if let Some(&b'y') = bytes.last() {
        let q = QUESTIONS[bytes.len() - 1];
        return Some(Step::Done {
            level: q.yes,
            decided_by: Some(q.number),
        });
    }
    if bytes.len() == QUESTIONS.len() {
        return Some(Step::Done {
            level: Level::Routine,
            decided_by: None,
        });
    }
    Some(Step::Ask {
        number: bytes.len() + 1,
        question: QUESTIONS[bytes.len()],
        yes: format!("{token}y"),
        no: format!("{token}n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_disposition_is_reachable() {
        let mut reached = std::collections::BTreeSet::new();
        for i in 0..=QUESTIONS.len() {
            let mut t = start() + &"n".repeat(i);
            if i < QUESTIONS.len() {
                t.push('y');
            }
            match step(&t) {
                Some(Step::Done { level, .. }) => {
                    reached.insert(level);
                }
                other => panic!("{t}: {other:?}"),
            }
        }
        assert_eq!(reached.len(), 4);
    }

    #[test]
    fn tokens_fit_telegram_callback_data() {
        let longest = start() + &"n".repeat(QUESTIONS.len());
        assert!(longest.len() <= 64);
    }

    #[test]
    fn forged_tokens_are_refused() {
        for t in [
            "",
            "c:x",
            "c:yn",
            "c:nnnnnnnnnn",
            "t:relief-now",
            "c:ny\u{0}",
        ] {
            assert_eq!(step(t), None, "{t:?}");
        }
    }
}
