//! The first stage: raw text to plain lower-case words, before any knowledge is consulted.
//!
//! Owns: case, accents, punctuation, emoji, contractions ("can't" -> "can not"), stretched letters
//! ("sooo" -> "soo"), bot commands and @mentions, clause breaks (for negation scope) and the
//! child's age ("7yo", "8 year old", "18 months"). Does not own spelling correction, synonyms or
//! stemming: those need the knowledge base and live in [`super::vocab`].

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::knowledge::Language;

/// Longer messages are cut here: Telegram allows 4,096 characters, and the rest of a 10,000-character
/// paste adds nothing a parent meant to ask.
pub const MAX_CHARS: usize = 10_000;

/// A word and the clause it stands in (clauses are split by . , ; : ! ? and line breaks), and its
/// sentence (split by . ! ? and line breaks only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lower case, no accents, no punctuation.
    pub text: String,
    /// Index of the clause.
    pub clause: u32,
    /// Index of the sentence.
    pub sentence: u32,
    /// Inside brackets: "my daughter (19, at college)".
    pub bracket: bool,
}

/// A message after the first stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Normalised {
    /// The words in order.
    pub words: Vec<Word>,
    /// The child's age in whole years, when the message gives one.
    pub age: Option<u8>,
    /// Letters outside the Latin alphabet outnumber Latin ones (another language or script).
    pub foreign: bool,
    /// Written in capitals ("CALF CRAMP HELP"): at least [`SHOUT_LETTERS`] letters, nearly all upper
    /// case. A cramp happening now is often typed that way.
    pub shouting: bool,
    /// The message has a question mark.
    pub question: bool,
    /// The sentences that end with a question mark, in order.
    pub questions: Vec<u32>,
}

/// A message needs this many letters before its capitals count as shouting ("OK" is not).
pub const SHOUT_LETTERS: usize = 8;

/// Runs the first stage on `text`, with the contractions, emoji and age words of `lang`.
#[must_use]
pub fn normalise(text: &str, lang: &Language) -> Normalised {
    let mut out = Normalised::default();
    let mut clause = 0u32;
    let mut sentence = 0u32;
    // How deep in brackets: a sentence end closes them all.
    let mut depth = 0u32;
    let mut word = String::new();
    let mut latin = 0usize;
    let mut other = 0usize;
    let mut upper = 0usize;
    let mut leading = true;
    let mut skip_token = false;

    let mut chars = text.chars().take(MAX_CHARS).peekable();
    while let Some(c) = chars.next() {
        // Where this character's word stands: clause, sentence and brackets change only after the
        // word before them is flushed.
        let at = (clause, sentence, depth > 0);
        // A bot command ("/ask@CrampCareBot") or a mention ("@CrampCareBot") is addressing, not content.
        if word.is_empty() && !skip_token && (c == '@' || (c == '/' && leading)) {
            skip_token = true;
            continue;
        }
        if skip_token {
            if c.is_whitespace() {
                skip_token = false;
            }
            continue;
        }
        if !c.is_ascii() {
            if let Some(w) = lang.emoji(c) {
                flush(&mut word, at, &mut out.words, lang);
                out.words.push(Word {
                    text: w.to_owned(),
                    clause,
                    sentence,
                    bracket: at.2,
                });
                continue;
            }
        }
        let apostrophe = matches!(c, '\'' | '\u{2019}' | '\u{02bc}' | '`');
        if apostrophe && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            word.push('\'');
            continue;
        }
        let mut is_word_char = false;
        let mut take = |d: char| {
            // No ASCII character is a combining mark.
            if !d.is_alphanumeric() || !d.is_ascii() && is_combining_mark(d) {
                return;
            }
            is_word_char = true;
            leading = false;
            if d.is_ascii_alphabetic() {
                latin += 1;
                upper += usize::from(d.is_ascii_uppercase());
            } else if d.is_alphabetic() {
                other += 1;
            }
            // A digit next to letters is its own word: "7yo" -> "7" "yo".
            let boundary = word
                .chars()
                .last()
                .is_some_and(|l| l.is_ascii_digit() != d.is_ascii_digit() && l != '\'');
            if boundary {
                flush(&mut word, at, &mut out.words, lang);
            }
            if d.is_ascii() {
                word.push(d.to_ascii_lowercase());
            } else {
                word.extend(d.to_lowercase());
            }
        };
        // ASCII needs no decomposition; anything else loses its accents ("é" -> "e").
        if c.is_ascii() {
            take(c);
        } else {
            c.nfkd().for_each(&mut take);
        }
        if is_word_char {
            continue;
        }
        // A decimal keeps its whole part: "38.9" and "38,9" are 38 (a temperature), not 38 and 9.
        let digits = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
        if digits && matches!(c, '.' | ',') && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.next_if(char::is_ascii_digit).is_some() {}
            continue;
        }
        flush(&mut word, at, &mut out.words, lang);
        out.question |= c == '?';
        if c == '?' && out.questions.last() != Some(&sentence) {
            out.questions.push(sentence);
        }
        if matches!(
            c,
            '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '\r' | '(' | ')'
        ) {
            clause += 1;
        }
        if matches!(c, '.' | '!' | '?' | '\n' | '\r') {
            sentence += 1;
            depth = 0;
        }
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_whitespace() {
            leading = false;
        }
    }
    flush(
        &mut word,
        (clause, sentence, depth > 0),
        &mut out.words,
        lang,
    );
    out.foreign = other > latin;
    // Nine in ten letters upper case: "MY SON'S CALF IS LOCKED UP, help" still shouts.
    out.shouting = latin >= SHOUT_LETTERS && upper * 10 >= latin * 9;
    out.age = age(&out.words, lang);
    out
}

/// The words of `text` as [`normalise`] gives them, without clauses, age or the rest: how knowledge
/// phrases are read. Most are plain lower-case words and spaces, which need no pass over each
/// character (a fifth of loading went on reading phrases that way).
#[must_use]
pub fn words_of(text: &str, lang: &Language) -> Vec<String> {
    if !text.bytes().all(|b| b.is_ascii_lowercase() || b == b' ') {
        return normalise(text, lang)
            .words
            .into_iter()
            .map(|w| w.text)
            .collect();
    }
    // What `flush` does to a word of lower-case letters: stretched letters shortened, a contraction
    // written without its apostrophe ("cant") spelled out.
    let mut words = Vec::new();
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        let stretched = w
            .as_bytes()
            .windows(3)
            .any(|t| t[0] == t[1] && t[1] == t[2]);
        let w = if stretched {
            collapse_runs(w, 2)
        } else {
            w.to_owned()
        };
        match lang.contractions.get(&w) {
            Some(parts) => words.extend(parts.iter().filter(|p| !p.is_empty()).cloned()),
            None => words.push(w),
        }
    }
    words
}

fn flush(
    word: &mut String,
    (clause, sentence, bracket): (u32, u32, bool),
    words: &mut Vec<Word>,
    lang: &Language,
) {
    if word.is_empty() {
        return;
    }
    // One allocation per word: `word` keeps its buffer for the next one.
    let w = collapse_runs(word, 2);
    word.clear();
    let mut push = |t: &str| {
        if !t.is_empty() {
            words.push(Word {
                text: t.to_owned(),
                clause,
                sentence,
                bracket,
            });
        }
    };
    // "can't", "cant", "hes": the words they stand for.
    if let Some(parts) = lang.contractions.get(&w) {
        parts.iter().for_each(|p| push(p));
        return;
    }
    if let Some((head, _)) = w.split_once('\'') {
        // "doesn't" -> "does not"; any other clitic ('s 're 'm 'll 've 'd) adds nothing.
        match &lang.not_suffix {
            Some((suffix, not)) if w.len() > suffix.len() && w.ends_with(suffix.as_str()) => {
                push(&w[..w.len() - suffix.len()]);
                push(not);
            }
            _ => push(head),
        }
        return;
    }
    // Not empty: `collapse_runs` keeps a word's first letter.
    words.push(Word {
        text: w,
        clause,
        sentence,
        bracket,
    });
}

/// Shortens every run of one letter to at most `max` ("sooo" -> "soo" with 2, "so" with 1).
#[must_use]
pub fn collapse_runs(word: &str, max: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == last {
            run += 1;
        } else {
            last = Some(c);
            run = 1;
        }
        if run <= max || c.is_ascii_digit() {
            out.push(c);
        }
    }
    out
}

/// The child's age from "7yo", "7 y o", "7 yr old", "7-year-old", "age 7", "aged 7", "18 months"
/// (in English; each language lists its own words), unless the words around the number make it a
/// time ("for 2 years", "3 years ago", "hace 3 años").
fn age(words: &[Word], lang: &Language) -> Option<u8> {
    let w = |i: usize| words.get(i).map_or("", |w| w.text.as_str());
    let has = |list: &[String], word: &str| list.iter().any(|x| x == word);
    // The length of the unit of `units` that follows position `at`, if any.
    let unit = |units: &[Vec<String>], at: usize| {
        units
            .iter()
            .find(|u| u.iter().enumerate().all(|(k, x)| w(at + k) == x))
            .map(Vec::len)
    };
    for i in 0..words.len() {
        let a = w(i);
        if has(&lang.age_before, a) {
            if let Ok(n) = w(i + 1).parse::<u32>() {
                return plausible(n);
            }
        }
        let Ok(n) = a.parse::<u32>() else { continue };
        if i > 0 && has(&lang.age_not_before, w(i - 1)) {
            continue;
        }
        let time = |len: usize| has(&lang.age_not_after, w(i + 1 + len));
        if let Some(len) = unit(&lang.age_years, i + 1) {
            if !time(len) {
                return plausible(n);
            }
        } else if let Some(len) = unit(&lang.age_months, i + 1) {
            if !time(len) {
                return plausible(n / 12);
            }
        }
    }
    None
}

fn plausible(years: u32) -> Option<u8> {
    u8::try_from(years).ok().filter(|&y| y <= 21)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english() -> Language {
        crate::engine::Knowledge::builtin()
            .expect("built-in knowledge")
            .language
    }

    fn normalise(text: &str) -> Normalised {
        super::normalise(text, &english())
    }

    fn words(text: &str) -> Vec<String> {
        normalise(text).words.into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn lowercases_strips_accents_and_punctuation() {
        assert_eq!(words("Crámps!!! at NIGHT..."), ["cramps", "at", "night"]);
    }

    #[test]
    fn expands_contractions_with_and_without_apostrophe() {
        assert_eq!(words("he can't walk"), ["he", "can", "not", "walk"]);
        assert_eq!(words("she doesn’t have"), ["she", "does", "not", "have"]);
        assert_eq!(
            words("cant walk wont stand"),
            ["can", "not", "walk", "will", "not", "stand"]
        );
        assert_eq!(words("it's sore"), ["it", "sore"]);
        assert_eq!(words("hes limp shes not"), ["he", "limp", "she", "not"]);
    }

    #[test]
    fn a_decimal_keeps_its_whole_part_and_its_clause() {
        let n = normalise("temp 38.9 and 101,5");
        let w: Vec<&str> = n.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(w, ["temp", "38", "and", "101"]);
        assert!(n.words.iter().all(|w| w.clause == 0));
        assert_eq!(words("fine. 9 now"), ["fine", "9", "now"]);
    }

    #[test]
    fn shortens_stretched_letters() {
        assert_eq!(words("sooooo paaainful"), ["soo", "paainful"]);
    }

    #[test]
    fn drops_commands_and_mentions() {
        assert_eq!(words("/ask@CrampCareBot leg cramp"), ["leg", "cramp"]);
        assert_eq!(words("@CrampCareBot my son"), ["my", "son"]);
    }

    #[test]
    fn reads_ages() {
        assert_eq!(normalise("my 7yo calf").age, Some(7));
        assert_eq!(normalise("my 10 year old").age, Some(10));
        assert_eq!(normalise("our 18 month old").age, Some(1));
        assert_eq!(normalise("she is 3 y/o").age, Some(3));
        assert_eq!(normalise("aged 12").age, Some(12));
        assert_eq!(normalise("ran 5 miles").age, None);
    }

    #[test]
    fn meaningful_emoji_become_words() {
        assert_eq!(words("leg hurts 🤒"), ["leg", "hurts", "fever"]);
    }

    #[test]
    fn words_in_brackets_are_marked_until_the_bracket_or_the_sentence_ends() {
        let n = normalise("my dad (72, retired) fell. then (he");
        let marked: Vec<bool> = n.words.iter().map(|w| w.bracket).collect();
        assert_eq!(marked, [false, false, true, true, false, false, true]);
        let n = normalise("a (b. c");
        assert!(!n.words[2].bracket, "a full stop closes the bracket");
    }

    #[test]
    fn clause_breaks_follow_punctuation() {
        let n = normalise("no fever, calf swollen");
        assert_eq!(n.words[1].clause, 0);
        assert_eq!(n.words[2].clause, 1);
    }

    #[test]
    fn capitals_are_shouting_only_in_a_long_enough_message() {
        assert!(normalise("HIS CALF IS LOCKED UP AGAIN").shouting);
        assert!(!normalise("OK thx").shouting);
        assert!(!normalise("His calf is locked up again").shouting);
    }

    #[test]
    fn other_scripts_are_flagged() {
        assert!(normalise("у ребенка судороги").foreign);
        assert!(!normalise("leg cramp").foreign);
    }

    #[test]
    fn long_input_is_bounded() {
        let long = "cramp ".repeat(5_000);
        assert!(normalise(&long).words.len() <= MAX_CHARS / 6 + 1);
    }
}
