//! The chat's language (issue 12): the chat's choice as read for each update, and the
//! `/language` (`/idioma`) buttons and what they answer.
//!
//! Owns the buttons' callback data (`l:es`), the prompt, the answer in the chosen language, and
//! what a store fault means when the choice is read: no choice, never a failed reply. Which
//! engine reads a message (its words, else this choice, else the app's language) is
//! [`Engines`]'s; the choice is kept by [`Store::language`] and [`Store::choose_language`].
//! Pure, but for the store passed in.

use crate::engine::{Block, Engine, Engines, FollowUp, Reply, ReplyKind};
use crate::store::Store;

/// The callback data of a language button: `l:` and the language code.
pub const PREFIX: &str = "l:";

/// A chat's choice of language, as read from the store for the update being answered: `None`
/// when it made none, or when the store could not say. In the handler tree's dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chosen(pub Option<String>);

impl Chosen {
    /// The choice of `chat`; a store fault is logged and read as no choice, so that a broken or
    /// locked file never costs a parent their reply.
    #[must_use]
    pub fn read(store: &dyn Store, chat: i64) -> Chosen {
        match store.language(chat) {
            Ok(c) => Chosen(c),
            Err(e) => {
                tracing::warn!(error = %e, "could not read a chat's language; answering without it");
                Chosen(None)
            }
        }
    }

    /// The language code chosen, if any.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The callback data of the button that chooses `code`.
#[must_use]
pub fn token(code: &str) -> String {
    format!("{PREFIX}{code}")
}

/// The language code a button's callback data chooses, if it is a language button.
#[must_use]
pub fn parse(data: &str) -> Option<&str> {
    data.strip_prefix(PREFIX).filter(|c| !c.is_empty())
}

/// `/language` in `engine`'s words: the question, one button per language with its own name
/// ("English", "Español"), and the doctor line.
#[must_use]
pub fn prompt(engines: &Engines, engine: &Engine) -> Reply {
    let mut r = engine.welcome();
    r.kind = ReplyKind::Greeting;
    r.blocks.retain(|b| matches!(b, Block::Doctor { .. }));
    r.blocks.insert(
        0,
        Block::Text {
            text: engine.knowledge().messages.language_prompt.clone(),
        },
    );
    r.follow_ups = engines
        .all()
        .iter()
        .map(|e| FollowUp {
            label: e.language().name.clone(),
            token: token(&e.language().code),
        })
        .collect();
    r.lead = None;
    r
}

/// The answer to a language button, in the language chosen: that it is set, over its menu (its
/// buttons marked with the language, see [`Engines::tag`]).
#[must_use]
pub fn set(engines: &Engines, engine: &Engine) -> Reply {
    noted(engines, engine, &engine.knowledge().messages.language_set)
}

/// The answer to a language button whose choice the store could not keep: the store's apology
/// and the menu, in the language chosen (it is still used for this answer).
#[must_use]
pub fn not_kept(engines: &Engines, engine: &Engine) -> Reply {
    noted(engines, engine, &engine.knowledge().messages.store_failed)
}

fn noted(engines: &Engines, engine: &Engine, note: &str) -> Reply {
    let mut r = engine.welcome();
    r.blocks.insert(
        0,
        Block::Text {
            text: engine.fill(note),
        },
    );
    engines.tag(engine, r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Practice;
    use crate::store::Sqlite;

    #[test]
    fn tokens_round_trip_and_other_data_is_not_a_language() {
        assert_eq!(parse(&token("es")), Some("es"));
        for other in ["l:", "t:relief-now", "es/t:relief-now", "o:sub", "c:y", ""] {
            assert_eq!(parse(other), None, "{other}");
        }
    }

    #[test]
    fn the_prompt_has_a_button_per_language_and_ends_with_the_doctor_line() {
        let engines = Engines::builtin(&Practice::default());
        let r = prompt(&engines, engines.default_engine());
        assert_eq!(r.follow_ups.len(), engines.all().len());
        for (f, e) in r.follow_ups.iter().zip(engines.all()) {
            assert_eq!(f.label, e.language().name);
            assert_eq!(parse(&f.token), Some(e.language().code.as_str()));
            assert!(f.token.len() <= super::super::send::MAX_CALLBACK_DATA);
        }
        assert!(matches!(r.blocks.last(), Some(Block::Doctor { .. })));
        let text = crate::render::plain::render(&r);
        let m = &engines.default_engine().knowledge().messages;
        assert!(text.starts_with(&m.language_prompt), "{text}");
    }

    #[test]
    fn set_answers_in_the_language_chosen_with_its_menu() {
        let engines = Engines::builtin(&Practice::default());
        for e in engines.all() {
            let r = set(&engines, e);
            let text = crate::render::plain::render(&r);
            assert!(
                text.starts_with(&e.knowledge().messages.language_set),
                "{text}"
            );
            assert!(!r.follow_ups.is_empty());
            assert!(r.follow_ups.iter().all(|f| engines
                .follow(&f.token)
                .is_some_and(|(fe, _)| std::ptr::eq(fe, e))));
        }
    }

    #[test]
    fn a_store_fault_reads_as_no_choice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crampcare.db");
        let store = Sqlite::open(&path).unwrap();
        assert_eq!(Chosen::read(&store, 1), Chosen(None));
        store.choose_language(1, "es").unwrap();
        assert_eq!(Chosen::read(&store, 1).code(), Some("es"));
        // The table gone behind the bot's back (a damaged or hand-edited file).
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("DROP TABLE chat_languages")
            .unwrap();
        assert!(store.language(1).is_err());
        assert_eq!(Chosen::read(&store, 1), Chosen(None));
    }
}
