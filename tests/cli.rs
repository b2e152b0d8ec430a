//! The command-line contracts of issue 2, run against the built binary.

use serde_json::Value;

use crate::util::{knowledge_copy, Cmd, DOCTOR_LINE};

#[test]
fn ask_prints_steps_and_ends_with_the_doctor_line() {
    let r = Cmd::new(["ask", "my kid has leg crmps at nite"]).ok();
    let text = r.stdout.trim_end();
    assert!(text.contains("1. "), "numbered steps expected:\n{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with(DOCTOR_LINE), "last line: {last}");
}

#[test]
fn typo_messages_from_the_issue_reach_the_right_topics() {
    for (text, acceptable) in [
        (
            "my kid has leg crmps at nite",
            &["night-cramps", "relief-now"][..],
        ),
        ("wat foods help cramos", &["foods-that-help"][..]),
        (
            "his calf seized up after soccer",
            &["hard-play", "stretch-calf", "relief-now"][..],
        ),
    ] {
        let r = Cmd::new(["ask", "--json", text]).ok();
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        let top = v["topics"][0]["id"].as_str().unwrap_or_default();
        assert!(acceptable.contains(&top), "{text:?} -> {top}");
    }
}

#[test]
fn ask_json_has_the_contract_fields() {
    let r = Cmd::new(["ask", "--json", "why does it happen and what can she eat"]).ok();
    let v: Value = serde_json::from_str(r.stdout.trim()).expect("one JSON object");
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ask",
            "asks",
            "lang",
            "red_flags",
            "reply",
            "text",
            "topics",
            "unknown",
            "urgency"
        ]
    );
    assert_eq!(v["asks"], serde_json::json!(["why", "food"]));
    assert_eq!(v["text"], "why does it happen and what can she eat");
    assert_eq!(v["urgency"], "routine");
    let topics = v["topics"].as_array().expect("topics array");
    let kinds: Vec<&str> = topics.iter().filter_map(|t| t["kind"].as_str()).collect();
    // A two-part question gets both parts, in the order asked: a cause, then a food.
    assert_eq!(kinds[..2], ["cause", "food"], "{kinds:?}");
    assert!(topics.iter().all(|t| t["score"].as_f64().is_some()));
    assert!(v["reply"]
        .as_str()
        .unwrap_or_default()
        .contains(DOCTOR_LINE));
}

#[test]
fn ask_json_reports_red_flags_and_urgency() {
    let r = Cmd::new([
        "ask",
        "--json",
        "his pee is dark brown after football and his legs really hurt",
    ])
    .ok();
    let v: Value = serde_json::from_str(r.stdout.trim()).expect("JSON");
    assert_eq!(v["urgency"], "emergency");
    let flags: Vec<&str> = v["red_flags"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(flags.contains(&"dark-urine-after-exercise"), "{flags:?}");
    let reply = v["reply"].as_str().unwrap_or_default();
    assert!(
        reply.starts_with("!!! EMERGENCY: call 911 now."),
        "action first:\n{reply}"
    );
}

#[test]
fn batch_mode_answers_every_line_in_order() {
    let lines: Vec<String> = (0..300)
        .map(|i| match i % 3 {
            0 => format!("calf cramp number {i}"),
            1 => "no fever, just a charley horse".to_owned(),
            _ => "🦵🦵🦵".to_owned(),
        })
        .collect();
    let r = Cmd::new(["ask", "--json"])
        .stdin(lines.join("\n") + "\n")
        .ok();
    let out: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(out.len(), lines.len());
    for (v, text) in out.iter().zip(&lines) {
        assert_eq!(v["text"].as_str(), Some(text.as_str()));
        assert!(v["reply"]
            .as_str()
            .unwrap_or_default()
            .contains(DOCTOR_LINE));
    }
    assert_eq!(out[1]["urgency"], "routine", "\"no fever\" must not alarm");
}

#[test]
fn chat_loop_answers_offers_numbered_choices_and_quits() {
    let r = Cmd::new(["chat"])
        .stdin("my son's calf cramps after soccer\n1\nserious\n2\nquit\nthis line is never read\n")
        .ok();
    let out = &r.stdout;
    assert!(out.contains("1) "), "numbered follow-ups:\n{out}");
    // "serious" starts the guided check: a first question with Yes/No choices.
    assert!(out.contains("Question 1 of up to"), "{out}");
    assert!(out.contains("1) Yes   2) No"), "{out}");
    // Answering "No" (choice 2) moves on to question 2.
    assert!(out.contains("Question 2 of up to"), "{out}");
    assert!(!out.contains("this line is never read"));
    assert!(out.trim_end().ends_with("Take care."));
}

#[test]
fn chat_ends_at_end_of_input() {
    let r = Cmd::new(["chat"]).stdin("hi").ok();
    assert!(r.stdout.contains("CrampCare"));
    assert!(r.stdout.trim_end().ends_with("Take care."));
}

#[test]
fn ask_serious_runs_the_guided_check() {
    let r = Cmd::new(["ask", "serious"]).ok();
    assert!(r.stdout.contains("Question 1 of up to"), "{}", r.stdout);
}

#[test]
fn check_summarises_topics_and_red_flags() {
    let r = Cmd::new(["check"]).ok();
    for word in [
        "knowledge base OK",
        "topics:",
        "cause",
        "relief",
        "food",
        "red flags:",
        "emergency",
        "urgent",
        "soon",
    ] {
        assert!(r.stdout.contains(word), "{word} missing:\n{}", r.stdout);
    }
}

#[test]
fn kb_json_exports_the_knowledge_base() {
    let r = Cmd::new(["kb", "--json"]).ok();
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let topics = v["topics"].as_array().expect("topics");
    assert!(topics.len() >= 30);
    assert!(topics
        .iter()
        .all(|t| !t["sources"].as_array().expect("sources").is_empty()));
    assert!(!v["red_flags"].as_array().expect("red flags").is_empty());
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(Cmd::new(["frobnicate"]).run().code, 2);
    let r = Cmd::new(["ask"]).run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs a TEXT"), "{}", r.stderr);
    assert_eq!(
        Cmd::new(["check", "--config", "/nonexistent/crampcare.toml"])
            .run()
            .code,
        2
    );
}

#[test]
fn a_practice_config_puts_its_name_and_phone_in_the_doctor_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("crampcare.toml"),
        "[practice]\nname = \"Sunny Pediatrics\"\nphone = \"555-0100\"\nafter_hours_phone = \"555-0199\"\nemergency_number = \"112\"\n",
    )
    .expect("write config");
    // Found in the current folder without --config.
    let r = Cmd::new(["ask", "calf cramp"]).current_dir(dir.path()).ok();
    assert!(
        r.stdout.contains("Sunny Pediatrics (555-0100)"),
        "{}",
        r.stdout
    );
    let r = Cmd::new(["ask", "he can't catch his breath"])
        .current_dir(dir.path())
        .ok();
    assert!(r.stdout.contains("call 112 now"), "{}", r.stdout);
    let r = Cmd::new(["ask", "one calf is swollen and red"])
        .current_dir(dir.path())
        .ok();
    assert!(
        r.stdout
            .contains("Call Sunny Pediatrics at 555-0100 (after hours: 555-0199) now"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_broken_knowledge_folder_names_file_line_and_field_and_exits_1() {
    let dir = knowledge_copy();
    let path = |name: &str| dir.path().join(name);
    let edit = |name: &str, from: &str, to: &str| {
        let text = std::fs::read_to_string(path(name)).expect("read");
        assert!(text.contains(from), "{name} has no {from:?}");
        std::fs::write(path(name), text.replacen(from, to, 1)).expect("write");
    };
    let line_of = |name: &str, needle: &str| {
        let text = std::fs::read_to_string(path(name)).expect("read back");
        text.lines()
            .position(|l| l.contains(needle))
            .expect("needle present")
            + 1
    };
    let check = || {
        let r = Cmd::new([
            "check",
            "--knowledge",
            dir.path().to_str().expect("utf-8 path"),
        ])
        .run();
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stderr
    };

    // A misspelt key in one file and an unknown kind in another: both reported in one run.
    edit("causes.toml", "summary = ", "sumary = ");
    edit("relief.toml", "\nkind = \"relief\"", "\nkind = \"releif\"");
    let err = check();
    let sumary = line_of("causes.toml", "sumary = ");
    let releif = line_of("relief.toml", "releif");
    assert!(
        err.contains(&format!(
            "causes.toml:{sumary}: field `sumary` is not a known field (did you mean `summary`?)"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("relief.toml:{releif}: topic \"")),
        "{err}"
    );
    assert!(err.contains("field `kind` is `releif`, not one of cause, relief, food, prevention, doctor, about (did you mean `relief`?)"), "{err}");

    // Once every file parses, references are checked too, with a suggestion.
    edit("causes.toml", "sumary = ", "summary = ");
    edit("relief.toml", "\nkind = \"releif\"", "\nkind = \"relief\"");
    edit(
        "foods.toml",
        "related = [\"",
        "related = [\"stretch-calff\", \"",
    );
    let err = check();
    let calff = line_of("foods.toml", "stretch-calff");
    assert!(
        err.contains(&format!("foods.toml:{calff}: topic \"")) && err.contains("field `related` names topic \"stretch-calff\", which does not exist (did you mean `stretch-calf`?)"),
        "{err}"
    );
}

#[test]
fn check_rejects_a_misspelt_placeholder() {
    let dir = crate::util::knowledge_copy();
    let path = dir.path().join("messages.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let from = "emergency = \"EMERGENCY: call {emergency} now.\"";
    assert!(text.contains(from), "messages.toml has no {from:?}");
    std::fs::write(
        &path,
        text.replacen(from, "emergency = \"EMERGENCY: call {emergncy} now.\"", 1),
    )
    .expect("write");
    let line = std::fs::read_to_string(&path)
        .expect("read back")
        .lines()
        .position(|l| l.contains("{emergncy}"))
        .expect("typo present")
        + 1;
    let r = Cmd::new([
        "check",
        "--knowledge",
        dir.path().to_str().expect("utf-8 path"),
    ])
    .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "messages.toml:{line}: messages: field `emergency` has an unknown placeholder `{{emergncy}}`"
        )) && r.stderr.contains("(did you mean `{emergency}`?)"),
        "{}",
        r.stderr
    );
}

#[test]
fn chat_sources_lists_where_the_last_tip_comes_from() {
    // Issue 11: "sources" after a topic lists that topic's sources with their links.
    let r = Cmd::new(["chat"])
        .stdin("my son gets calf cramps at night\nsources\nquit\n")
        .ok();
    let (answer, after) = r.stdout.split_once("Sources for").expect("a sources list");
    assert!(answer.contains(") Sources"), "no Sources choice:\n{answer}");
    assert!(after.contains("NHS: Leg cramps"), "{after}");
    assert!(
        after.contains("https://www.nhs.uk/conditions/leg-cramps/"),
        "{after}"
    );
}
