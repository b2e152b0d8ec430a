//! The shipped knowledge base is valid, complete and safe; broken knowledge gives precise errors.

use std::collections::BTreeSet;

use crampcare::engine::knowledge::{Knowledge, BUILTIN, MAX_STEPS};
use crampcare::engine::Kind;

fn builtin() -> Knowledge {
    Knowledge::builtin().unwrap_or_else(|e| panic!("{e}"))
}

/// The built-in knowledge files as (name, text), to be edited by a test.
fn builtin_files() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

/// The errors of the built-in knowledge with the one file whose name ends in `suffix` edited.
fn errors_with_edit(suffix: &str, edit: impl FnOnce(&str) -> String) -> String {
    let mut files = builtin_files();
    let file = files
        .iter_mut()
        .find(|(n, _)| n.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix}"));
    file.1 = edit(&file.1);
    Knowledge::from_texts(files)
        .expect_err("the edited file is broken")
        .to_string()
}

fn texts(k: &Knowledge) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in &k.topics {
        let mut all = vec![t.title.clone(), t.summary.clone()];
        all.extend(t.steps.iter().cloned());
        all.extend(t.age_notes.iter().map(|n| n.text.clone()));
        out.extend(all.into_iter().map(|s| (t.id.clone(), s)));
    }
    for f in &k.red_flags {
        out.push((f.id.clone(), f.action.clone()));
    }
    out
}

#[test]
fn every_knowledge_file_is_compiled_in() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/en");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .expect("knowledge folder")
        .filter_map(|e| {
            let p = e.expect("entry").path();
            let name = p.file_name()?.to_str()?.to_owned();
            (p.extension()? == "toml").then(|| format!("knowledge/en/{name}"))
        })
        .collect();
    let built_in: BTreeSet<String> = BUILTIN.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(
        on_disk, built_in,
        "add new knowledge files to BUILTIN in src/engine/knowledge.rs"
    );
}

#[test]
fn the_shipped_folder_loads_the_same_as_the_built_in_copy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge/en");
    let from_dir = Knowledge::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from_dir.topics, builtin().topics);
    assert_eq!(from_dir.red_flags, builtin().red_flags);
}

#[test]
fn content_covers_what_parents_ask_about() {
    let k = builtin();
    // Issue 3's list of causes, relief, foods, prevention, doctor and about topics.
    for id in [
        "why-cramps-happen",
        "electrolytes",
        "dehydration",
        "nutrition",
        "growth-spurts",
        "hard-play",
        "shoes",
        "scrapes-inflammation",
        "heat-cramps",
        "staying-still",
        "medicines",
        "rare-causes",
        "growing-pains",
        "relief-now",
        "stretch-calf",
        "stretch-foot",
        "stretch-hamstring",
        "stretch-quad",
        "fluids",
        "warmth",
        "massage",
        "ice-massage",
        "night-cramps",
        "comfort-at-night",
        "foods-that-help",
        "magnesium-foods",
        "potassium-foods",
        "calcium-foods",
        "sodium-salt",
        "food-safety",
        "supplements",
        "prevention",
        "hydration-sport",
        "bedtime-stretches",
        "warm-up",
        "rest-days",
        "see-a-doctor",
        "about",
    ] {
        assert!(k.topic(id).is_some(), "missing topic {id}");
    }
    for kind in Kind::ALL {
        assert!(k.topics.iter().any(|t| t.kind == kind), "no {kind} topic");
    }
}

#[test]
fn every_topic_is_short_sourced_and_linked() {
    let k = builtin();
    for t in &k.topics {
        assert!((1..=MAX_STEPS).contains(&t.steps.len()), "{}", t.id);
        assert!(!t.sources.is_empty(), "{} cites no source", t.id);
        assert!(!t.related.is_empty(), "{} offers no follow-up", t.id);
        for s in &t.steps {
            assert!(
                s.chars().count() <= 320,
                "{}: a step too long for 2 a.m.: {s}",
                t.id
            );
        }
    }
    for s in &k.sources {
        assert!(s.url.starts_with("https://"), "{}", s.id);
        let reputable = [
            "NHS",
            "AAP",
            "American Academy of Pediatrics",
            "Seattle Children's",
            "NIH",
            "National Institutes of Health",
            "Mayo Clinic",
            "MedlinePlus",
            "National Library of Medicine",
        ];
        assert!(
            reputable.iter().any(|r| s.publisher.contains(r)),
            "{}: {} is not on the list of reputable pediatric sources",
            s.id,
            s.publisher
        );
    }
}

#[test]
fn no_doses_anywhere() {
    // Daily needs from the NIH fact sheets ("about 130 mg a day") are context, not doses; amounts of a
    // supplement or medicine never appear.
    for (id, text) in texts(&builtin()) {
        let lower = text.to_lowercase();
        // Amounts in mg appear only in sentences about daily needs, and never for supplements.
        let has_amount = lower.match_indices("mg").any(|(i, _)| {
            lower[..i]
                .trim_end()
                .ends_with(|c: char| c.is_ascii_digit())
        });
        if has_amount {
            assert!(
                lower.contains("a day") || lower.contains("daily"),
                "{id}: an amount in mg that is not a daily need: {text}"
            );
            assert_ne!(id, "supplements", "a supplement amount: {text}");
        }
        for word in ["dose", "dosage", "tablespoon of", "teaspoon of"] {
            let allowed = ["never", "no dose", "doctor", "cannot", "not "]
                .iter()
                .any(|w| lower.contains(w));
            assert!(!lower.contains(word) || allowed, "{id}: {text}");
        }
    }
}

#[test]
fn supplements_send_parents_to_the_doctor_first() {
    let k = builtin();
    let t = k.topic("supplements").expect("supplements topic");
    let all = format!("{} {}", t.summary, t.steps.join(" ")).to_lowercase();
    assert!(all.contains("doctor"), "{all}");
}

#[test]
fn nuts_and_seeds_carry_a_choking_note_for_young_children() {
    let k = builtin();
    for t in &k.topics {
        let all = format!("{} {}", t.summary, t.steps.join(" ")).to_lowercase();
        let suggests_nuts = ["almond", "cashew", "pumpkin seed", "peanuts", "whole nut"]
            .iter()
            .any(|w| all.contains(w));
        if suggests_nuts {
            assert!(
                t.age_notes
                    .iter()
                    .any(|n| n.below >= 4 && n.text.to_lowercase().contains("chok")),
                "{} suggests nuts or seeds without a choking note for young children",
                t.id
            );
        }
    }
}

#[test]
fn fixture_errors_are_exact_and_all_reported() {
    let fixture = include_str!("fixtures/broken.toml");
    let expected = include_str!("fixtures/broken.expected");
    let mut files = builtin_files();
    files.push(("tests/fixtures/broken.toml".to_owned(), fixture.to_owned()));
    let errors = Knowledge::from_texts(files).expect_err("the fixture is broken");
    let got: Vec<String> = errors
        .0
        .iter()
        .filter(|e| e.file.contains("fixtures"))
        .map(ToString::to_string)
        .collect();
    let want: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(got, want, "\n got:\n{}\n", got.join("\n"));
}

#[test]
fn malformed_files_fail_cleanly() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated.toml", b"[[topic]]\nid = \"x\nkind = ".to_vec()),
        ("latin1.toml", b"[[topic]]\nid = \"caf\xe9\"\n".to_vec()),
        (
            "nested.toml",
            format!("x = {}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        ),
        ("table.toml", b"[lexicon]\nstopwords = 3\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(name), &bytes).expect("write");
        let err = Knowledge::load_dir(dir.path()).expect_err(name);
        let text = err.to_string();
        assert!(text.contains(name), "{name}: {text}");
        assert!(
            text.contains(&format!("{name}:")),
            "{name} names no line: {text}"
        );
    }
}

#[test]
fn a_huge_file_is_refused_not_parsed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let huge = "# padding\n".repeat(500_000);
    std::fs::write(dir.path().join("huge.toml"), huge).expect("write");
    let err = Knowledge::load_dir(dir.path()).expect_err("too big");
    assert!(err.to_string().contains("may be at most"), "{err}");
}

#[test]
fn message_and_placeholder_errors_are_exact() {
    // Issue 11: every [messages] text is required and non-empty, and a misspelt `{emergncy}` in a
    // message, a topic or a red flag is an error with its line and a "did you mean", never a text a
    // parent sees with braces.
    let fixture = include_str!("fixtures/broken_messages.toml");
    let expected = include_str!("fixtures/broken_messages.expected");
    let mut files: Vec<(String, String)> = BUILTIN
        .iter()
        .filter(|(n, _)| !n.ends_with("messages.toml"))
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    files.push((
        "tests/fixtures/broken_messages.toml".to_owned(),
        fixture.to_owned(),
    ));
    let errors = Knowledge::from_texts(files).expect_err("the fixture is broken");
    let got: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    let want: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(got, want, "\n got:\n{}\n", got.join("\n"));
}

#[test]
fn a_missing_message_is_named() {
    let text = errors_with_edit("messages.toml", |t| {
        t.lines()
            .filter(|l| !l.starts_with("soon_opening"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert!(
        text.contains("knowledge/en/messages.toml:")
            && text.contains("field `soon_opening` is missing"),
        "{text}"
    );
}

#[test]
fn the_questions_of_issue_11_have_topics_of_their_kind() {
    let k = builtin();
    for (id, kind) in [
        ("pain-relievers", Kind::Relief),
        ("not-muscle-cramps", Kind::About),
        ("swimming", Kind::Relief),
        ("babies-toddlers", Kind::Doctor),
        ("drinks", Kind::Food),
        ("sore-after-cramp", Kind::Relief),
        ("restless-legs", Kind::Cause),
        ("hand-cramps", Kind::Relief),
        ("vaccine-soreness", Kind::Cause),
        ("flu-calf-pain", Kind::Doctor),
    ] {
        let t = k.topic(id).unwrap_or_else(|| panic!("missing topic {id}"));
        assert_eq!(t.kind, kind, "{id}");
    }
    // Babies: every relief topic a parent lands on during a cramp says what is different under 2.
    for id in ["relief-now", "stretch-calf", "stretch-foot", "night-cramps"] {
        let t = k.topic(id).expect("relief topic");
        assert!(t.age_notes.iter().any(|n| n.below == 2), "{id}");
    }
}

#[test]
fn over_the_counter_words_do_not_open_the_prescription_medicines_topic() {
    // Issue 11: "pills", "tablets" and "drug" sent parents asking about Tylenol to the topic about
    // prescription medicines that cause cramps.
    let engine = crampcare::engine::Engine::builtin(crampcare::engine::Practice::default());
    for text in [
        "what pills can i give him for the pain",
        "are there tablets for leg cramps",
        "is there a drug that stops cramps",
    ] {
        let r = engine.answer(text);
        assert!(
            !r.topic_ids().contains(&"medicines"),
            "{text}: {:?}",
            r.topic_ids()
        );
    }
    let r = engine.answer("can i give her tylenol after a bad cramp");
    assert_eq!(r.topic_ids().first(), Some(&"pain-relievers"));
}

/// A look-alike (`pseudo` in context.toml) stops any red-flag finding that starts inside it. One
/// that reads like the start of a red-flag phrase after stemming hides that sign: Spanish "no
/// contestan" (the office does not answer) stems like "no contesta" (the child does not answer).
#[test]
fn no_look_alike_reads_like_the_start_of_a_red_flag_phrase() {
    use crampcare::engine::vocab::Vocab;
    let mut found = Vec::new();
    for k in Knowledge::builtin_languages().expect("built-in languages") {
        let extra = k.context.words();
        let mut v = Vocab::new(&k, &extra);
        let pseudo: Vec<(String, Vec<u32>)> = k
            .context
            .pseudo
            .iter()
            .map(|p| (p.clone(), v.phrase(p)))
            .collect();
        for f in &k.red_flags {
            for phrase in &f.phrases {
                let syms = v.phrase(phrase);
                for (p, ps) in &pseudo {
                    if !ps.is_empty() && syms.starts_with(ps) {
                        found.push(format!(
                            "[{}] look-alike \"{p}\" hides \"{phrase}\" of {}",
                            k.language.code, f.id
                        ));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Someone else's word must not stem like a word of a sign: Spanish "marido" (husband) and "mareado"
/// (dizzy) both stem to "mar", so "mareado" put the rest of the sentence on someone else's body. (A
/// child word that does, like "bebe" and "beber", only ends such a scope: the sign then counts.)
#[test]
fn no_person_word_stems_like_a_word_of_a_red_flag() {
    use crampcare::engine::vocab::Vocab;
    let mut found = Vec::new();
    for k in Knowledge::builtin_languages().expect("built-in languages") {
        let extra = k.context.words();
        let mut v = Vocab::new(&k, &extra);
        let single = |list: &[String]| -> Vec<String> {
            list.iter().filter(|w| !w.contains(' ')).cloned().collect()
        };
        let persons = single(&k.context.other);
        let mut sign_words: Vec<String> = Vec::new();
        for f in &k.red_flags {
            let groups = f.near.iter().flat_map(|n| n.words.iter().flatten());
            for phrase in f.phrases.iter().chain(groups) {
                sign_words.extend(phrase.split_whitespace().map(str::to_string));
            }
        }
        sign_words.sort();
        sign_words.dedup();
        for p in &persons {
            let ps = v.phrase(p);
            for w in &sign_words {
                if w != p && !persons.contains(w) && !w.contains('{') && v.phrase(w) == ps {
                    found.push(format!(
                        "[{}] person word \"{p}\" stems like \"{w}\" of a red flag",
                        k.language.code
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// A stopword names no cramp, even when a cramp phrase holds it ("brinca el musculo"): a message of
/// one stopword ("el", "the") gets no topic, unless it signals an ask (Spanish "puedo").
#[test]
fn a_stopword_alone_gets_no_topic() {
    use crampcare::engine::{Engine, Practice};
    let mut found = Vec::new();
    for k in Knowledge::builtin_languages().expect("built-in languages") {
        let words = k.lexicon.stopwords.clone();
        let code = k.language.code.clone();
        let engine = Engine::new(k, Practice::default());
        for w in words.iter().filter(|w| !w.contains(' ')) {
            let a = engine.analyse(w);
            if a.asked.is_empty() && !a.matches.chosen.is_empty() {
                found.push(format!("[{code}] \"{w}\""));
            }
        }
    }
    assert!(found.is_empty(), "a topic for {}", found.join(", "));
}

#[test]
fn a_bad_derived_ending_is_named_with_its_line() {
    let text = errors_with_edit("en/language.toml", |t| {
        assert!(t.contains("\nness = \"\"\n"), "the fixture line moved");
        t.replace("\nness = \"\"\n", "\nness = \"-\"\n")
    });
    assert!(
        text.contains("knowledge/en/language.toml:") && text.contains("derived"),
        "{text}"
    );
}
