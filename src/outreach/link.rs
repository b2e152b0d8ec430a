//! Deep links to topics, for posters, newsletters, QR codes and broadcast buttons.

/// `https://t.me/<bot>?start=<topic>`: opens the bot on that topic.
#[must_use]
pub fn deep_link(bot: &str, topic: &str) -> String {
    format!("https://t.me/{}?start={topic}", bot.trim_start_matches('@'))
}

/// Checks a bot's username as Telegram allows it (5 to 32 letters, digits and underscores,
/// ending in "bot"), without a leading `@`.
///
/// # Errors
/// What is wrong with it, as a sentence fragment.
pub fn username(name: &str) -> Result<&str, String> {
    let name = name.trim().trim_start_matches('@');
    if !(5..=32).contains(&name.len()) {
        return Err(format!(
            "`{name}` is not a bot username: it must be 5 to 32 characters"
        ));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "`{name}` is not a bot username: only letters, digits and `_` are allowed"
        ));
    }
    if !name.to_ascii_lowercase().ends_with("bot") {
        return Err(format!(
            "`{name}` is not a bot username: bot usernames end in `bot`"
        ));
    }
    Ok(name)
}

/// Whether a topic id can be a deep-link payload (up to 64 of `A-Z a-z 0-9 _ -`).
#[must_use]
pub fn fits_payload(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 64
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_usernames() {
        assert_eq!(
            deep_link("@SunnyPedsBot", "relief-now"),
            "https://t.me/SunnyPedsBot?start=relief-now"
        );
        assert_eq!(username("@SunnyPedsBot"), Ok("SunnyPedsBot"));
        assert!(username("bot").is_err());
        assert!(username("sunny-peds-bot").is_err());
        assert!(username("SunnyPeds").is_err());
        assert!(fits_payload("relief-now"));
        assert!(!fits_payload("relief now"));
    }

    #[test]
    fn every_shipped_topic_fits_a_deep_link() {
        let k = crate::engine::Knowledge::builtin().unwrap();
        for t in &k.topics {
            assert!(fits_payload(&t.id), "{}", t.id);
        }
    }
}
