//! Plain text, for the terminal (`crampcare chat`, `crampcare ask`) and the `reply` field of `--json`.

use crate::engine::{Block, Level, Reply};

/// The reply as plain text, follow-ups not included.
#[must_use]
pub fn render(reply: &Reply) -> String {
    let mut parts: Vec<String> = Vec::new();
    for b in &reply.blocks {
        parts.push(block(b));
    }
    parts.join("\n\n")
}

fn block(b: &Block) -> String {
    match b {
        Block::Alert {
            level,
            headline,
            reasons,
            ..
        } => {
            let mark = match level {
                Level::Emergency => "!!! ",
                Level::Urgent => "!! ",
                Level::Soon => "! ",
                Level::Routine => "",
            };
            let mut s = format!("{mark}{headline}");
            for r in reasons {
                s.push_str("\n- ");
                s.push_str(r);
            }
            s
        }
        Block::Text { text } | Block::Doctor { text } => text.clone(),
        Block::Topic {
            title,
            summary,
            steps,
            notes,
            note_label,
            ..
        } => {
            let mut s = format!("{title}\n{summary}");
            for (i, step) in steps.iter().enumerate() {
                s.push_str(&format!("\n{}. {step}", i + 1));
            }
            for n in notes {
                s.push_str(&format!("\n{note_label} {n}"));
            }
            s
        }
        Block::Question {
            number,
            total,
            text,
        } => format!("Is this serious? Question {number} of up to {total}:\n{text}"),
    }
}

/// The follow-ups as numbered choices: `1) Relief now   2) Why it happens`.
#[must_use]
pub fn choices(reply: &Reply) -> String {
    reply
        .follow_ups
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{}) {}", i + 1, f.label))
        .collect::<Vec<_>>()
        .join("   ")
}
