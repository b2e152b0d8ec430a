//! The bot token: checked before the bot starts, and kept out of every line the bot writes.
//!
//! Owns the shape check of `TELOXIDE_TOKEN` (`digits:secret`, as @BotFather gives it), the
//! errors that say how to set it (never what it was), and the redaction of the token from text
//! (request errors carry the URL, and the URL carries the token) and from the log stream.

use std::io::{self, Write};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;

/// The environment variable holding the token.
pub const TOKEN_VAR: &str = "TELOXIDE_TOKEN";
/// The environment variable holding the Bot API's base URL (a local Bot API server, a test).
pub const API_URL_VAR: &str = "TELOXIDE_API_URL";
/// What replaces the token wherever it would have appeared.
pub const REDACTED: &str = "<redacted>";

const HOW_TO: &str =
    "create a bot with @BotFather and run: TELOXIDE_TOKEN=123456:ABC... crampcare run";

/// Why the token cannot be used. The messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// `TELOXIDE_TOKEN` is unset or empty.
    #[error("{TOKEN_VAR} is not set; {HOW_TO}")]
    Missing,
    /// `TELOXIDE_TOKEN` is not `digits:secret`.
    #[error(
        "{TOKEN_VAR} does not look like a bot token (expected digits:secret, as @BotFather gives it); {HOW_TO}"
    )]
    Malformed,
}

/// Checks the value of `TELOXIDE_TOKEN` and returns it trimmed.
///
/// # Errors
/// It is unset, empty, or not `digits:secret` (the secret being letters, digits, `_` and `-`).
pub fn check(value: Option<&str>) -> Result<&str, TokenError> {
    let token = value.map(str::trim).unwrap_or_default();
    if token.is_empty() {
        return Err(TokenError::Missing);
    }
    let Some((id, secret)) = token.split_once(':') else {
        return Err(TokenError::Malformed);
    };
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let secret_ok = !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if id_ok && secret_ok {
        Ok(token)
    } else {
        Err(TokenError::Malformed)
    }
}

/// `text` with the token and its secret part replaced by [`REDACTED`].
#[must_use]
pub fn redact(text: &str, token: &str) -> String {
    let mut out = text.to_owned();
    if !token.is_empty() {
        out = out.replace(token, REDACTED);
    }
    // The secret alone can show up too, e.g. percent-decoded or split by a formatter.
    if let Some((_, secret)) = token.split_once(':') {
        if secret.len() >= 4 {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// A log writer for `tracing-subscriber` that redacts the token from every line on stderr.
///
/// teloxide and reqwest log through `log`, bridged into `tracing`; at debug level reqwest names the
/// URL it calls, which holds the token. This is the last line of defence, whatever `RUST_LOG` says.
#[derive(Debug, Clone)]
pub struct RedactingStderr {
    token: Arc<str>,
}

impl RedactingStderr {
    /// A writer that hides `token`.
    #[must_use]
    pub fn new(token: &str) -> RedactingStderr {
        RedactingStderr {
            token: Arc::from(token),
        }
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingStderr;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The formatter hands over one whole event per call, so the token is never split
        // across two writes.
        let text = String::from_utf8_lossy(buf);
        io::stderr()
            .lock()
            .write_all(redact(&text, &self.token).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_botfather_tokens() {
        let t = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
        assert_eq!(check(Some(t)), Ok(t));
        assert_eq!(check(Some(" 1:a-b_C \n")), Ok("1:a-b_C"));
    }

    #[test]
    fn rejects_missing_and_malformed_tokens_without_echoing_them() {
        assert_eq!(check(None), Err(TokenError::Missing));
        assert_eq!(check(Some("  ")), Err(TokenError::Missing));
        for bad in [
            "secretvalue",
            ":abc",
            "12a:abc",
            "123:",
            "123:abc def",
            "123:ab/c",
        ] {
            let e = check(Some(bad)).unwrap_err();
            assert_eq!(e, TokenError::Malformed, "{bad}");
            assert!(!e.to_string().contains(bad), "{e}");
        }
        let missing = TokenError::Missing.to_string();
        assert!(missing.contains("TELOXIDE_TOKEN=123456:ABC... crampcare run"));
        assert!(!missing.contains('\n'));
    }

    #[test]
    fn redacts_the_token_and_its_secret() {
        let t = "123456:SECRETpart";
        let line = "error sending request for url (http://x/bot123456:SECRETpart/GetMe) SECRETpart";
        let out = redact(line, t);
        assert!(!out.contains("SECRETpart"), "{out}");
        assert!(out.contains("/bot<redacted>/GetMe"), "{out}");
    }
}
