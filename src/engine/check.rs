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

/// One question and the level a "yes" leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// What the parent is asked.
    pub text: &'static str,
    /// The level when the answer is yes.
    pub yes: Level,
    /// The advice when the answer is yes.
    pub advice: &'static str,
}

/// The questions, most dangerous first.
pub const QUESTIONS: &[Question] = &[
    Question {
        text: "Is your child very sleepy or hard to wake, confused, struggling to breathe, having a seizure, too weak to stand at all, or feverish with a stiff neck or with spots that do not fade when pressed?",
        yes: Level::Emergency,
        advice: "These are emergency signs.",
    },
    Question {
        text: "After hard exercise, is the pee very dark (tea- or cola-coloured) with bad muscle pain?",
        yes: Level::Emergency,
        advice: "Dark pee with strong muscle pain after hard exercise can mean muscle breakdown, which needs care straight away.",
    },
    Question {
        text: "Is your child unable to stand or walk normally, or crying when the leg is touched or moved?",
        yes: Level::Urgent,
        advice: "Not walking normally or pain on touch needs a doctor to look now.",
    },
    Question {
        text: "Is one leg or calf swollen, red or warm, or is a red area or red streak spreading from a scrape?",
        yes: Level::Urgent,
        advice: "Swelling, warmth or spreading redness in one leg needs a doctor now.",
    },
    Question {
        text: "Does your child have a fever, or a limp?",
        yes: Level::Soon,
        advice: "Leg pain with a fever or a limp should be checked by a doctor.",
    },
    Question {
        text: "Has the pain lasted more than a week, come back most nights, always hit the same leg, or started with a new medicine?",
        yes: Level::Soon,
        advice: "Cramps that keep coming back are worth a check-up.",
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
        /// Why, when a question decided it.
        advice: Option<&'static str>,
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
            advice: Some(q.advice),
        });
    }
    if bytes.len() == QUESTIONS.len() {
        return Some(Step::Done {
            level: Level::Routine,
            advice: None,
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
