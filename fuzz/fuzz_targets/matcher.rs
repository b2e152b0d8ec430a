//! Any message a parent (or anyone) can send: arbitrary bytes, read as lossy UTF-8, through
//! `Engines::answer` and `Engines::follow` (every language: the message's own is told first).
//!
//! Checks that nothing panics or hangs, that every reply ends with the see-a-doctor line, and that
//! the Telegram rendering of every reply (full and compact) is split into messages within
//! Telegram's limit. The same string is also fed to `Engines::follow` as a forged button token.
#![no_main]

use std::sync::OnceLock;

use crampcare::engine::{Block, Engines, Practice, Reply};
use crampcare::render::telegram::{render, visible_len, Size, MAX_MESSAGE};
use libfuzzer_sys::fuzz_target;

/// Built once: the built-in knowledge base, with and without a practice (the doctor line differs).
fn engines() -> &'static [Engines; 2] {
    static ENGINES: OnceLock<[Engines; 2]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let practice = Practice {
            name: Some("Sunny Pediatrics".to_owned()),
            phone: Some("555-0100".to_owned()),
            after_hours_phone: Some("555-0199".to_owned()),
            website: None,
            emergency_number: "112".to_owned(),
        };
        [
            Engines::builtin(&Practice::default()),
            Engines::builtin(&practice),
        ]
    })
}

fn check(reply: &Reply, what: &str, input: &str) {
    match reply.blocks.last() {
        Some(Block::Doctor { text }) => {
            assert!(
                !text.trim().is_empty(),
                "{what}: empty doctor line for {input:?}"
            );
        }
        other => panic!("{what}: last block is {other:?}, not the doctor line, for {input:?}"),
    }
    assert!(
        reply.follow_ups.len() <= 5,
        "{what}: {} follow-ups for {input:?}",
        reply.follow_ups.len()
    );
    for size in [Size::Full, Size::Compact] {
        let chunks = render(reply, size);
        assert!(
            !chunks.is_empty(),
            "{what}: no Telegram message for {input:?}"
        );
        for c in &chunks {
            let n = visible_len(c);
            assert!(
                n <= MAX_MESSAGE,
                "{what}: a Telegram chunk of {n} units for {input:?}"
            );
            assert!(
                !c.trim().is_empty(),
                "{what}: an empty Telegram chunk for {input:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let [plain, practice] = engines();
    let (_, reply) = plain.answer(&text, None, None);
    check(&reply, "answer", &text);
    // Buttons under a reply must always be followable.
    for f in &reply.follow_ups {
        let (_, next) = plain
            .follow(&f.token)
            .unwrap_or_else(|| panic!("follow-up {:?} of {text:?} is refused", f.token));
        check(&next, "follow-up", &f.token);
    }
    check(
        &practice.answer(&text, Some("es"), None).1,
        "answer (practice)",
        &text,
    );
    // A forged button token: `None` or a reply, never a panic.
    if let Some((_, r)) = plain.follow(&text) {
        check(&r, "follow", &text);
    }
});
