//! Telegram HTML: every text escaped, headings bold, split into messages that fit the limit.
//!
//! Pure: no teloxide types. Telegram counts a message's length in UTF-16 code units after entity
//! parsing, at most 4,096; we count the rendered HTML's visible text conservatively (markup excluded,
//! each escape counted as one character) and split at block, then line, then word boundaries.

use crate::engine::{Block, Level, Reply};

/// Telegram's limit on one message's text, in UTF-16 code units.
pub const MAX_MESSAGE: usize = 4096;

/// How much to say: groups get a compact reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Everything.
    Full,
    /// The alert, the first topic's title and at most three steps, and the doctor line.
    Compact,
}

/// Escapes `<`, `>` and `&` for Telegram's HTML parse mode.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// The reply as one or more HTML messages, each within [`MAX_MESSAGE`].
#[must_use]
pub fn render(reply: &Reply, size: Size) -> Vec<String> {
    // `steps`: at most this many steps; `None`: no topic; `lines`: keep plain lines (openings);
    // `short`: an alert's reasons as titles alone.
    let blocks = |steps: Option<usize>, lines: bool, short: bool| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut topics = 0;
        for b in &reply.blocks {
            match b {
                Block::Topic { .. } => {
                    topics += 1;
                    if size == Size::Compact && topics > 1 || steps.is_none() {
                        continue;
                    }
                }
                Block::Text { .. } if !lines => continue,
                _ => {}
            }
            match b {
                Block::Alert {
                    level,
                    headline,
                    titles,
                    ..
                } if short && !titles.is_empty() => out.push(block(
                    &Block::Alert {
                        level: *level,
                        headline: headline.clone(),
                        reasons: titles.clone(),
                        titles: Vec::new(),
                    },
                    size,
                    0,
                )),
                _ => out.push(block(b, size, steps.unwrap_or(0))),
            }
        }
        out
    };
    if size == Size::Full {
        return split(&blocks(Some(usize::MAX), true, false), MAX_MESSAGE);
    }
    // A group reply fits GROUP_MAX visible characters: fewer steps until it does, then no topic
    // (the buttons still offer it), then no opening line, then the alert's reasons without their
    // explanations (Spanish ones run longer); the alert and doctor line always stay.
    let fits = |b: &Vec<String>| {
        b.iter().map(|s| visible_len(s)).sum::<usize>() + 2 * b.len().saturating_sub(1)
            <= crate::engine::compose::GROUP_MAX
    };
    let chosen = (0..=COMPACT_STEPS)
        .rev()
        .map(|n| blocks(Some(n), true, false))
        .chain([
            blocks(None, true, false),
            blocks(None, false, false),
            blocks(None, false, true),
        ])
        .find(fits)
        .unwrap_or_else(|| blocks(None, false, true));
    split(&chosen, MAX_MESSAGE)
}

/// A group reply shows at most this many steps of its first topic.
pub const COMPACT_STEPS: usize = 3;

fn block(b: &Block, size: Size, max_steps: usize) -> String {
    match b {
        Block::Alert {
            level,
            headline,
            reasons,
            ..
        } => {
            let mark = match level {
                Level::Emergency => "🚨 ",
                Level::Urgent => "⚠️ ",
                Level::Soon => "📞 ",
                Level::Routine => "",
            };
            let mut s = format!("{mark}<b>{}</b>", escape(headline));
            for r in reasons {
                s.push_str("\n• ");
                s.push_str(&escape(r));
            }
            s
        }
        Block::Text { text } => escape(text),
        Block::Doctor { text } => format!("<i>{}</i>", escape(text)),
        Block::Topic {
            title,
            summary,
            steps,
            notes,
            note_label,
            ..
        } => {
            // A group gets the steps without the summary: 600 characters at most (issue 11).
            let mut s = match size {
                Size::Compact => format!("<b>{}</b>", escape(title)),
                Size::Full => format!("<b>{}</b>\n{}", escape(title), escape(summary)),
            };
            let limit = if size == Size::Compact {
                COMPACT_STEPS.min(max_steps)
            } else {
                steps.len()
            };
            for (i, step) in steps.iter().take(limit).enumerate() {
                s.push_str(&format!("\n{}. {}", i + 1, escape(step)));
            }
            for n in notes {
                s.push_str(&format!("\n<i>{}</i> {}", escape(note_label), escape(n)));
            }
            s
        }
        Block::Question {
            number,
            total,
            text,
        } => format!(
            "<b>Is this serious?</b> Question {number} of up to {total}\n{}",
            escape(text)
        ),
    }
}

/// Visible length in UTF-16 units: tags dropped, each entity one character.
#[must_use]
pub fn visible_len(html: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_entity => {}
            _ => n += c.len_utf16(),
        }
    }
    n
}

/// Joins blocks with blank lines into messages of at most `max` visible units. A block too long on
/// its own is split at lines, then words (tags never span a line in our output, so a split at a line
/// keeps the HTML balanced).
#[must_use]
pub fn split(blocks: &[String], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let push_piece = |piece: &str, sep: &str, out: &mut Vec<String>, cur: &mut String| {
        let extra = if cur.is_empty() { 0 } else { sep.len() };
        if !cur.is_empty() && visible_len(cur) + extra + visible_len(piece) > max {
            out.push(std::mem::take(cur));
        }
        if !cur.is_empty() {
            cur.push_str(sep);
        }
        cur.push_str(piece);
    };
    for b in blocks {
        if visible_len(b) <= max {
            push_piece(b, "\n\n", &mut out, &mut cur);
            continue;
        }
        for line in b.split('\n') {
            if visible_len(line) <= max {
                push_piece(line, "\n", &mut out, &mut cur);
                continue;
            }
            for word in line.split(' ') {
                let mut w = word.to_owned();
                while visible_len(&w) > max {
                    // A single "word" longer than a message: cut it by characters.
                    let cut: String = w.chars().take(max / 2).collect();
                    w = w.chars().skip(max / 2).collect();
                    push_piece(&cut, " ", &mut out, &mut cur);
                }
                push_piece(&w, " ", &mut out, &mut cur);
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }

    #[test]
    fn splits_at_block_boundaries_within_the_limit() {
        let blocks: Vec<String> = (0..10).map(|i| format!("{i}{}", "x".repeat(999))).collect();
        let parts = split(&blocks, MAX_MESSAGE);
        assert!(parts.len() >= 3);
        for p in &parts {
            assert!(visible_len(p) <= MAX_MESSAGE);
            assert!(!p.starts_with('\n'));
        }
        assert_eq!(parts.join("\n\n"), blocks.join("\n\n"));
    }

    #[test]
    fn splits_a_huge_block_by_lines_and_words() {
        let block = vec!["word ".repeat(3000)];
        for p in split(&block, MAX_MESSAGE) {
            assert!(visible_len(&p) <= MAX_MESSAGE);
        }
    }

    #[test]
    fn visible_length_ignores_tags_and_counts_entities_once() {
        assert_eq!(visible_len("<b>a &amp; b</b>"), 5);
        assert_eq!(visible_len("🚨"), 2);
    }
}
