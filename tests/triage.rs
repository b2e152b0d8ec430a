//! Every red flag fires on its cases (plain, typo'd, buried in a long message) and stays quiet when
//! negated; the table lives in `tests/data/red_flags.toml`, one row per case.

use std::collections::BTreeMap;

use serde::Deserialize;

use crampcare::engine::{Engine, Level, Practice};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    flag: String,
    kind: String,
    text: String,
    fires: bool,
    min_level: Option<String>,
}

fn table() -> Vec<Case> {
    let text = include_str!("data/red_flags.toml");
    toml::from_str::<Table>(text)
        .expect("red_flags.toml parses")
        .case
}

#[test]
fn every_red_flag_has_positive_negated_typo_and_buried_cases() {
    let engine = Engine::builtin(Practice::default());
    let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let cases = table();
    for c in &cases {
        kinds
            .entry(c.flag.as_str())
            .or_default()
            .push(c.kind.clone());
    }
    for f in &engine.knowledge().red_flags {
        let have = kinds.get(f.id.as_str()).cloned().unwrap_or_default();
        for kind in ["positive", "negated", "typo", "buried"] {
            assert!(
                have.iter().any(|k| k == kind),
                "red flag {} has no {kind} case",
                f.id
            );
        }
    }
}

#[test]
fn red_flags_fire_and_negations_hold() {
    let engine = Engine::builtin(Practice::default());
    let k = engine.knowledge();
    let mut failures = Vec::new();
    for c in table() {
        assert!(
            k.red_flags.iter().any(|f| f.id == c.flag),
            "unknown flag {} in the table",
            c.flag
        );
        let a = engine.analyse(&c.text);
        let fired: Vec<&str> = a
            .triage
            .fired
            .iter()
            .map(|f| k.red_flags[f.flag].id.as_str())
            .collect();
        let has = fired.contains(&c.flag.as_str());
        let level_ok = c
            .min_level
            .as_deref()
            .and_then(Level::parse)
            .is_none_or(|min| a.triage.level >= min);
        if has != c.fires || (c.fires && !level_ok) {
            failures.push(format!(
                "{} ({}): fires={} expected, got {:?} at {}: {:?}",
                c.flag, c.kind, c.fires, fired, a.triage.level, c.text
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
