//! The bot's commands: the [`Command`] enum parsed by teloxide, and the topic each one opens.
//!
//! The doc comment of each variant is its description in the Telegram menu (setMyCommands) and in
//! `/help`, so write them for parents. Owns no replies: `answer.rs` turns a command into one.

use crate::engine::knowledge::Messages;
use crate::engine::topics;
use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

/// Commands you can use:
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// What CrampCare can help with.
    Start(String),
    /// How to use CrampCare.
    Help,
    /// Ask a question, e.g. /ask calf cramp at night
    Ask(String),
    /// What to do right now during a cramp.
    Relief,
    /// Why cramps happen.
    Causes,
    /// Foods and drinks that help.
    Foods,
    /// Is this serious? A quick yes/no check.
    Serious,
    /// When to see a doctor.
    Doctor,
    /// About CrampCare and the practice.
    About,
    /// Choose the language: English or Spanish.
    #[command(alias = "idioma")]
    Language,
    /// Get the practice's tips (at most one a week).
    Subscribe,
    /// Stop the practice's tips.
    Unsubscribe,
    /// Stop the practice's tips.
    Stop,
    /// Delete everything kept about this chat.
    Forget,
    /// For the practice's staff: send a tip to every subscriber.
    #[command(hide)]
    Broadcast(String),
    /// For the practice's staff: the last four weeks in figures.
    #[command(hide)]
    Report,
}

impl Command {
    /// The list for setMyCommands: names without the leading `/`, as the Bot API asks for
    /// (1 to 32 characters of lowercase letters, digits and underscores).
    #[must_use]
    pub fn menu() -> Vec<BotCommand> {
        Command::bot_commands()
            .into_iter()
            .map(|c| BotCommand::new(c.command.trim_start_matches('/'), c.description))
            .collect()
    }

    /// The list for setMyCommands in a language: the commands shown in the menu, each with its
    /// description from that language's `[messages]` (`command_relief`, ...).
    #[must_use]
    pub fn menu_in(m: &Messages) -> Vec<BotCommand> {
        Command::menu()
            .into_iter()
            .map(|c| {
                let d = description(m, &c.command);
                BotCommand::new(c.command, if d.is_empty() { c.description } else { d })
            })
            .collect()
    }

    /// The knowledge topic a command opens on its own, if it is that simple.
    #[must_use]
    pub fn topic(&self) -> Option<&'static str> {
        match self {
            Command::Relief => Some(topics::RELIEF_NOW),
            Command::Causes => Some(topics::WHY),
            Command::Foods => Some(topics::FOODS),
            Command::Doctor => Some(topics::SEE_A_DOCTOR),
            Command::About => Some(topics::ABOUT),
            Command::Start(_)
            | Command::Help
            | Command::Ask(_)
            | Command::Serious
            | Command::Language
            | Command::Subscribe
            | Command::Unsubscribe
            | Command::Stop
            | Command::Forget
            | Command::Broadcast(_)
            | Command::Report => None,
        }
    }

    /// The command's name, for logs.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Command::Start(_) => "start",
            Command::Help => "help",
            Command::Ask(_) => "ask",
            Command::Relief => "relief",
            Command::Causes => "causes",
            Command::Foods => "foods",
            Command::Serious => "serious",
            Command::Doctor => "doctor",
            Command::About => "about",
            Command::Language => "language",
            Command::Subscribe => "subscribe",
            Command::Unsubscribe => "unsubscribe",
            Command::Stop => "stop",
            Command::Forget => "forget",
            Command::Broadcast(_) => "broadcast",
            Command::Report => "report",
        }
    }
}

/// A command's description in a language (`command_<name>` in `[messages]`), or "".
fn description(m: &Messages, name: &str) -> String {
    let table = toml::Value::try_from(m).ok();
    table
        .as_ref()
        .and_then(|t| t.get(format!("command_{name}")))
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The `/help` text in a language: its heading, then each menu command with its description.
#[must_use]
pub fn help(m: &Messages) -> String {
    let mut s = m.help_heading.clone();
    for c in Command::menu_in(m) {
        s.push_str(&format!("\n/{} — {}", c.command, c.description));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_addressed_and_payload_forms() {
        let p = |t: &str| Command::parse(t, "CrampCareBot").ok();
        assert_eq!(p("/relief"), Some(Command::Relief));
        assert_eq!(p("/relief@CrampCareBot"), Some(Command::Relief));
        assert_eq!(p("/relief@OtherBot"), None);
        assert_eq!(
            p("/start relief-now"),
            Some(Command::Start("relief-now".to_owned()))
        );
        assert_eq!(p("/start"), Some(Command::Start(String::new())));
        assert_eq!(
            p("/ask my son has calf cramps"),
            Some(Command::Ask("my son has calf cramps".to_owned()))
        );
        assert_eq!(p("/nonsense"), None);
        // Issue 12: the Spanish name works too; the menu shows /language.
        assert_eq!(p("/idioma"), Some(Command::Language));
        assert_eq!(p("/idioma@CrampCareBot"), Some(Command::Language));
        assert_eq!(p("/language"), Some(Command::Language));
    }

    #[test]
    fn every_command_fits_telegram_rules() {
        let all = Command::menu();
        // The staff's /broadcast and /report are not in the parents' menu.
        assert_eq!(all.len(), 14);
        assert!(all.iter().any(|c| c.command == "language"));
        assert!(!all.iter().any(|c| c.command == "idioma"));
        assert!(!all
            .iter()
            .any(|c| c.command == "broadcast" || c.command == "report"));
        for c in all {
            assert!((1..=32).contains(&c.command.len()), "{}", c.command);
            assert!(!c.description.is_empty(), "{}", c.command);
            assert!(
                c.command
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                c.command
            );
        }
    }

    #[test]
    fn command_topics_exist() {
        let k = crate::engine::Knowledge::builtin().unwrap();
        for c in [
            Command::Relief,
            Command::Causes,
            Command::Foods,
            Command::Doctor,
            Command::About,
        ] {
            let id = c.topic().unwrap();
            assert!(k.topic(id).is_some(), "{id}");
        }
    }

    #[test]
    fn every_language_describes_every_menu_command_in_its_own_words() {
        let languages = crate::engine::Knowledge::builtin_languages().unwrap();
        let default = Command::menu_in(&languages[0].messages);
        for k in &languages {
            let menu = Command::menu_in(&k.messages);
            let names: Vec<&str> = menu.iter().map(|c| c.command.as_str()).collect();
            let wanted: Vec<&str> = default.iter().map(|c| c.command.as_str()).collect();
            assert_eq!(names, wanted, "{}", k.language.code);
            for c in &menu {
                assert!(
                    !c.description.is_empty(),
                    "{}: {}",
                    k.language.code,
                    c.command
                );
                assert!(c.description.chars().count() <= 256, "{}", c.command);
            }
            assert!(help(&k.messages).starts_with(&k.messages.help_heading));
        }
    }
}
