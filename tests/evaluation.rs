//! The labelled parent messages in `tests/data/` meet the bars of issue 3: top-1 accuracy at least
//! 0.95, no under-triage, and every reply contains its required words.

use crampcare::engine::{Engine, Practice};
use crampcare::eval;

fn report(file: &str) -> eval::Report {
    let engine = Engine::builtin(Practice::default());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases = eval::parse(file, &text, &engine).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cases.is_empty());
    eval::run(&engine, &cases)
}

#[test]
fn eval_set_is_large_and_realistic() {
    let r = report("eval.toml");
    assert!(r.outcomes.len() >= 200, "{} cases", r.outcomes.len());
    let levels: std::collections::BTreeSet<_> = r.outcomes.iter().map(|o| o.case.urgency).collect();
    assert_eq!(levels.len(), 4, "every urgency level is represented");
}

#[test]
fn eval_set_top1_accuracy_is_at_least_95_percent() {
    let r = report("eval.toml");
    assert!(r.top1() >= 0.95, "\n{r}");
}

#[test]
fn eval_set_has_no_under_triage() {
    let r = report("eval.toml");
    assert!(r.under_triage().is_empty(), "\n{r}");
}

#[test]
fn eval_replies_contain_their_required_words() {
    let r = report("eval.toml");
    assert!(r.missing_words().is_empty(), "\n{r}");
}

#[test]
fn eval_command_prints_the_scores() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/eval.toml");
    let r = crate::util::Cmd::new(["eval", "--strict", path]).ok();
    for line in [
        "top-1 accuracy:",
        "top-3 accuracy:",
        "urgency accuracy:",
        "under-triage:     0",
        "over-triage:",
        "misses (top-1):",
    ] {
        assert!(r.stdout.contains(line), "{line} missing:\n{}", r.stdout);
    }
}
