//! Every topic reads at grade 6 or lower, in short steps: issue 11, "plain words".
//!
//! The grade is the Flesch–Kincaid grade level, `0.39 × words per sentence + 11.8 × syllables per
//! word − 15.59`, over a topic's summary, steps and age notes as a parent sees them without a
//! practice (`{emergency}` is "911", `{doctor}` "your child's doctor"). How it counts:
//!
//! - a word is a run of characters between spaces or slashes that holds a letter or a digit;
//! - sentences end at `.`, `!` or `?` followed by a space or the end; each summary, step and note
//!   ends a sentence even without a full stop;
//! - syllables are groups of vowels (a, e, i, o, u, y) in the word's letters, less one for a silent
//!   final "e" (not "-le" after a consonant, not "-ee") and one for an "-ed" that is not "-ted" or
//!   "-ded", at least one per word; a number counts as two syllables.
//!
//! It is a rough counter (it gives "every" three syllables, "being" one): a guard against long words
//! and long sentences, not a precise measure. `knowledge/README.md` says the same for editors.

use crampcare::engine::knowledge::{Knowledge, Topic};
use crampcare::engine::Practice;

/// The highest grade a topic may read at.
const MAX_GRADE: f64 = 6.0;
/// The most words in one step.
const MAX_STEP_WORDS: usize = 20;
/// The most words in a summary.
const MAX_SUMMARY_WORDS: usize = 25;

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == '/')
        .filter(|w| w.chars().any(|c| c.is_ascii_alphanumeric()))
        .collect()
}

fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let mut count = 0;
    let mut has_word = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            has_word = true;
        }
        let ends =
            matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if ends && has_word {
            count += 1;
            has_word = false;
        }
    }
    (count + usize::from(has_word)).max(1)
}

fn syllables(word: &str) -> usize {
    let digits = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        return 2;
    }
    let w: String = word
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_lowercase)
        .collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |c: char| "aeiouy".contains(c);
    let mut groups = 0;
    let mut prev = false;
    for c in w.chars() {
        let v = vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    let b = w.as_bytes();
    let third_last_vowel = b.len() > 2 && vowel(char::from(b[b.len() - 3]));
    let silent_e = w.ends_with('e') && !w.ends_with("le") && !w.ends_with("ee");
    // "whole" and "while" end in a silent e too; "little" and "table" do not.
    let silent_le = w.ends_with("le") && third_last_vowel;
    if (silent_e || silent_le) && groups > 1 {
        groups -= 1;
    }
    if w.ends_with("ed") && !w.ends_with("ted") && !w.ends_with("ded") && groups > 1 {
        groups -= 1;
    }
    groups.max(1)
}

/// The texts of a topic as a parent reads them.
fn texts(t: &Topic) -> Vec<String> {
    let mut all = vec![fill(&t.summary)];
    all.extend(t.steps.iter().map(|s| fill(s)));
    all.extend(t.age_notes.iter().map(|n| fill(&n.text)));
    all
}

/// A text with the default practice's placeholders filled, in English.
fn fill(text: &str) -> String {
    static MESSAGES: std::sync::OnceLock<crampcare::engine::knowledge::Messages> =
        std::sync::OnceLock::new();
    let m = MESSAGES.get_or_init(|| builtin().messages);
    Practice::default().fill(text, m)
}

fn grade(texts: &[String]) -> f64 {
    let (mut w, mut s, mut y) = (0usize, 0usize, 0usize);
    for t in texts {
        let ws = words(t);
        w += ws.len();
        s += sentences(t);
        y += ws.iter().map(|x| syllables(x)).sum::<usize>();
    }
    let (w, s, y) = (w as f64, s as f64, y as f64);
    0.39 * w / s + 11.8 * y / w - 15.59
}

fn builtin() -> Knowledge {
    Knowledge::builtin().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_syllable_counter_counts_everyday_words() {
    for (word, n) in [
        ("cramp", 1),
        ("water", 2),
        ("muscle", 2),
        ("little", 2),
        ("whole", 1),
        ("stretched", 1),
        ("started", 2),
        ("banana", 3),
        // Rough: "iu" is one vowel group, so "potassium" counts one short.
        ("potassium", 3),
        ("child's", 1),
        ("low-sugar", 3),
        ("911", 2),
        ("(urine)", 2),
    ] {
        assert_eq!(syllables(word), n, "{word}");
    }
    assert_eq!(sentences("Stop. Rest, then stretch"), 2);
    assert_eq!(sentences("About 1.5 L an hour."), 1);
}

#[test]
fn every_topic_reads_at_grade_six_or_lower() {
    let k = builtin();
    let mut grades: Vec<(f64, &str)> = k
        .topics
        .iter()
        .map(|t| (grade(&texts(t)), t.id.as_str()))
        .collect();
    grades.sort_by(|a, b| b.0.total_cmp(&a.0));
    // `cargo test readability -- --nocapture` shows the hardest topics.
    for (g, id) in grades.iter().take(3) {
        eprintln!("grade {g:.2}  {id}");
    }
    let over: Vec<String> = grades
        .iter()
        .filter(|(g, _)| *g > MAX_GRADE)
        .map(|(g, id)| format!("{id}: grade {g:.1}"))
        .collect();
    assert!(
        over.is_empty(),
        "topics above grade {MAX_GRADE}:\n{}",
        over.join("\n")
    );
}

#[test]
fn every_step_and_summary_is_short() {
    for t in &builtin().topics {
        for s in &t.steps {
            let n = words(&fill(s)).len();
            assert!(
                n <= MAX_STEP_WORDS,
                "{}: a step of {n} words (at most {MAX_STEP_WORDS}): {s}",
                t.id
            );
        }
        let n = words(&fill(&t.summary)).len();
        assert!(
            n <= MAX_SUMMARY_WORDS,
            "{}: a summary of {n} words (at most {MAX_SUMMARY_WORDS})",
            t.id
        );
    }
}

#[test]
fn the_see_a_doctor_line_is_two_short_sentences() {
    let k = builtin();
    for line in [&k.messages.doctor_line, &k.messages.doctor_line_practice] {
        assert_eq!(sentences(line), 2, "{line}");
        assert!(words(line).len() <= 30, "{line}");
    }
    // The practice's own name ("Sunny Pediatrics") adds long words the knowledge base cannot
    // control, so the grade is measured on the line most parents see.
    let line = &k.messages.doctor_line;
    assert!(grade(std::slice::from_ref(line)) <= MAX_GRADE, "{line}");
}

#[test]
fn one_way_to_write_pee_diarrhea_and_the_emergency_number() {
    let k = builtin();
    for t in &k.topics {
        let all = texts(t).join(" ");
        let lower = all.to_lowercase();
        assert!(!lower.contains("diarrhoea"), "{}: write \"diarrhea\"", t.id);
        assert!(
            !lower.contains("emergency number"),
            "{}: write {{emergency}}, which shows the number itself",
            t.id
        );
        let explained = lower.matches("pee (urine)").count();
        let urine = lower.matches("urine").count();
        if urine > 0 || lower.contains(" pee") {
            assert_eq!(
                explained, 1,
                "{}: say \"pee (urine)\" once, then \"pee\"",
                t.id
            );
            assert_eq!(urine, 1, "{}: after \"pee (urine)\", say \"pee\"", t.id);
        }
        if lower.contains("fortified") {
            assert!(
                lower.contains("fortified (with added calcium)"),
                "{}: explain \"fortified\"",
                t.id
            );
        }
    }
}
