//! Every red flag fires on its cases and stays quiet when negated, asked about, in the past or about
//! someone else; the table lives in `tests/data/red_flags.toml`, one row per case. Replies at each
//! level fit their length limits, and never keep a step their flags rule out.

use std::collections::BTreeMap;

use serde::Deserialize;

use crampcare::engine::compose::{self, Composer};
use crampcare::engine::matcher::{Match, Matches};
use crampcare::engine::triage::{Fired, Triage};
use crampcare::engine::{Block, Engine, Engines, Level, Practice, Reply};
use crampcare::render::plain;

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

/// Kinds of case: the sign in plain words, negated, with typos, buried in a long message, described
/// without its textbook word; and, never firing, asked about, someone else's, over, or a look-alike.
const KINDS: &[&str] = &[
    "positive",
    "negated",
    "typo",
    "buried",
    "indirect",
    "hypothetical",
    "other",
    "historical",
    "look-alike",
    "uncertain",
];

fn parse(name: &str, text: &str) -> Vec<Case> {
    toml::from_str::<Table>(text)
        .unwrap_or_else(|e| panic!("{name} parses: {e}"))
        .case
}

fn table() -> Vec<Case> {
    parse("red_flags.toml", include_str!("data/red_flags.toml"))
}

fn engines() -> &'static Engines {
    static ENGINES: std::sync::OnceLock<Engines> = std::sync::OnceLock::new();
    ENGINES.get_or_init(|| Engines::builtin(&Practice::default()))
}

fn engine() -> &'static Engine {
    engines().default_engine()
}

/// Each language's engine with its red-flag table (issue 12: every Spanish red flag has positive,
/// negated, misspelt, buried and indirect cases in `red_flags_es.toml`), and the word for "now" its
/// "what to do if it happens" lines use.
fn tables() -> Vec<(&'static Engine, Vec<Case>, &'static str)> {
    let es = engines().get("es").expect("Spanish is built in");
    vec![
        (engine(), table(), "now"),
        (
            es,
            parse("red_flags_es.toml", include_str!("data/red_flags_es.toml")),
            "ahora",
        ),
    ]
}

#[test]
fn every_red_flag_has_positive_negated_typo_buried_and_indirect_cases() {
    for (engine, cases, _) in tables() {
        has_every_kind(engine, &cases);
    }
}

fn has_every_kind(engine: &Engine, cases: &[Case]) {
    let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in cases {
        assert!(KINDS.contains(&c.kind.as_str()), "unknown kind {}", c.kind);
        kinds
            .entry(c.flag.as_str())
            .or_default()
            .push(c.kind.clone());
    }
    for f in &engine.knowledge().red_flags {
        let have = kinds.get(f.id.as_str()).cloned().unwrap_or_default();
        // Issue 15: urgent and emergency signs are described, not named; so is a limp.
        let indirect = f.level >= Level::Urgent || f.id == "limp";
        for kind in ["positive", "negated", "typo", "buried", "indirect"] {
            if kind == "indirect" && !indirect {
                continue;
            }
            assert!(
                have.iter().any(|k| k == kind),
                "[{}] red flag {} has no {kind} case",
                engine.language().code,
                f.id
            );
        }
    }
}

#[test]
fn red_flags_fire_and_negations_hold() {
    let mut failures = Vec::new();
    let mut false_alarms = Vec::new();
    for (engine, cases, _) in tables() {
        let english = engine.language().code == "en";
        fire_and_hold(
            engine,
            cases,
            &mut failures,
            if english {
                None
            } else {
                Some(&mut false_alarms)
            },
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Spanish (issue 12): every sign fires, and the alarms raised for a sign in context (over, asked
    // about, someone else's) are held at their count when the Spanish triage round ended: 9 rows,
    // each needing a change of mechanism (an "it's over" told in a later clause, a pronoun that
    // points back to someone else's sign), none an under-triage. A guard, not a target.
    assert!(
        false_alarms.len() <= SPANISH_FALSE_ALARMS,
        "{} Spanish rows raise an alarm in context (at most {SPANISH_FALSE_ALARMS}):\n{}",
        false_alarms.len(),
        false_alarms.join("\n")
    );
}

/// See [`red_flags_fire_and_negations_hold`].
const SPANISH_FALSE_ALARMS: usize = 9;

/// Checks each row: a row whose flag must fire and does not, or fires below its level, is a failure;
/// a row whose flag must not fire and does is a failure too, or, with `false_alarms`, counted there.
fn fire_and_hold(
    engine: &Engine,
    cases: Vec<Case>,
    failures: &mut Vec<String>,
    mut false_alarms: Option<&mut Vec<String>>,
) {
    let k = engine.knowledge();
    for c in cases {
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
            let line = format!(
                "[{}] {} ({}): fires={} expected, got {:?} at {}: {:?}",
                k.language.code, c.flag, c.kind, c.fires, fired, a.triage.level, c.text
            );
            match false_alarms.as_deref_mut() {
                Some(list) if !c.fires => list.push(line),
                _ => failures.push(line),
            }
        }
    }
}

#[test]
fn signs_asked_about_or_someone_elses_raise_no_alert_but_are_answered() {
    let mut false_alarms = Vec::new();
    for (engine, cases, now) in tables() {
        let english = engine.language().code == "en";
        for c in cases {
            if !matches!(c.kind.as_str(), "hypothetical" | "other" | "historical") {
                continue;
            }
            let reply = engine.answer(&c.text);
            let alert = reply
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Alert { .. }));
            if reply.level != Level::Routine || alert {
                // Spanish: held at a count, see `red_flags_fire_and_negations_hold`.
                assert!(!english, "{} at {}: {}", c.flag, reply.level, c.text);
                false_alarms.push(format!("{} at {}: {}", c.flag, reply.level, c.text));
                continue;
            }
            if c.kind == "hypothetical" && c.flag != "worried-without-a-named-sign" {
                // What to do if it happens: the sign's name and the call.
                let text = plain::render(&reply);
                let title = &engine
                    .knowledge()
                    .red_flags
                    .iter()
                    .find(|f| f.id == c.flag)
                    .expect("flag")
                    .title;
                assert!(text.contains(title.as_str()), "{}:\n{text}", c.text);
                assert!(text.contains(now), "{}:\n{text}", c.text);
            }
        }
    }
    assert!(
        false_alarms.len() <= SPANISH_FALSE_ALARMS,
        "{} Spanish rows in context get an alert (at most {SPANISH_FALSE_ALARMS}):\n{}",
        false_alarms.len(),
        false_alarms.join("\n")
    );
}

#[test]
fn explain_shows_each_finding_with_its_context() {
    let engine = engine();
    for (text, shown) in [
        ("no fever, just a cramp", "fever (soon, negated)"),
        (
            "what if his pee turns brown after a race?",
            "dark-urine-after-exercise (emergency, hypothetical)",
        ),
        (
            "my sister had a seizure, can cramps cause that?",
            "seizure-or-not-responding (emergency, other person)",
        ),
        (
            "he had a seizure two years ago, fine since",
            "seizure-or-not-responding (emergency, historical)",
        ),
    ] {
        let e = engine.explain(text);
        assert!(e.contains(shown), "{text}:\n{e}");
    }
}

/// Pins the misses of issue 10 and 15, each a mechanism, not a message.
#[test]
fn findings_that_belong_together_do_not_cancel_each_other() {
    let engine = engine();
    for (text, level) in [
        // "can not" of a finding negates nothing after it.
        (
            "she can't get out of bed, she's that weak",
            Level::Emergency,
        ),
        // A negation trigger is matched before stemming ("nothing" -> "noth").
        (
            "nothing is red or swollen, just a calf cramp",
            Level::Routine,
        ),
        // Negation ends where its finding ends, unless a list goes on.
        ("no fever or limp, only cramps at night", Level::Routine),
        ("no fever but she's limping", Level::Soon),
        // Loose durations.
        (
            "her foot has been numb since lunch, about 3 hours",
            Level::Urgent,
        ),
        ("his calf has hurt since yesterday morning", Level::Urgent),
        // A real word typed for another, inside a red-flag phrase only.
        ("his legs feel so week after the cramp", Level::Urgent),
        (
            "he had a cramp last week, what stretches help",
            Level::Routine,
        ),
        // A parent's own feeling is not the child's sign.
        (
            "I'm confused about electrolytes, which drink is best?",
            Level::Routine,
        ),
    ] {
        assert_eq!(engine.analyse(text).triage.level, level, "{text}");
    }
}

/// Plain-text length limits of issue 10, measured on `render::plain` (what `ask` prints and the
/// Telegram text before HTML escaping), in characters, buttons not included.
fn limit(level: Level) -> Option<usize> {
    match level {
        Level::Emergency => Some(compose::EMERGENCY_MAX),
        Level::Urgent => Some(compose::URGENT_MAX),
        Level::Soon => Some(compose::SOON_MAX),
        Level::Routine => None,
    }
}

/// The message texts of an evaluation set.
fn eval_texts(name: &str, src: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Eval {
        case: Vec<EvalCase>,
    }
    #[derive(Deserialize)]
    struct EvalCase {
        text: String,
    }
    let eval: Eval = toml::from_str(src).unwrap_or_else(|e| panic!("{name}: {e}"));
    eval.case.into_iter().map(|c| c.text).collect()
}

fn all_texts() -> Vec<String> {
    let mut texts = eval_texts("eval.toml", include_str!("data/eval.toml"));
    texts.extend(table().into_iter().map(|c| c.text));
    texts
}

/// The Spanish texts: the Spanish tuning set and the Spanish red-flag table (issue 12: Spanish replies
/// keep the same limits).
fn spanish_texts() -> Vec<String> {
    let mut texts = eval_texts("eval-es.toml", include_str!("data/eval-es.toml"));
    let table = parse("red_flags_es.toml", include_str!("data/red_flags_es.toml"));
    texts.extend(table.into_iter().map(|c| c.text));
    texts
}

/// Every text with the engine of its language.
fn texts_by_language() -> Vec<(&'static Engine, String)> {
    let es = engines().get("es").expect("Spanish is built in");
    let en = all_texts().into_iter().map(|t| (engine(), t));
    en.chain(spanish_texts().into_iter().map(|t| (es, t)))
        .collect()
}

#[test]
fn flagged_replies_fit_one_screen() {
    let practice = Practice {
        name: Some("Sunny Pediatrics".to_owned()),
        phone: Some("555-0100".to_owned()),
        after_hours_phone: Some("555-0199".to_owned()),
        ..Practice::default()
    };
    let with_practice = Engines::builtin(&practice);
    let es = engines().get("es").expect("Spanish");
    let es_practice = with_practice.get("es").expect("Spanish");
    let mut longest: BTreeMap<Level, usize> = BTreeMap::new();
    let runs = [
        (engine(), all_texts()),
        (with_practice.default_engine(), all_texts()),
        (es, spanish_texts()),
        (es_practice, spanish_texts()),
    ];
    for (engine, texts) in runs {
        for text in texts {
            let reply = engine.answer(&text);
            let len = plain::render(&reply).chars().count();
            if let Some(max) = limit(reply.level) {
                assert!(len <= max, "{} reply of {len} > {max}: {text}", reply.level);
                let l = longest.entry(reply.level).or_default();
                *l = (*l).max(len);
            }
        }
    }
    eprintln!("longest flagged replies (plain characters): {longest:?}");
}

/// Issue 11: a routine reply fits one phone screen (1,000 characters of its plain rendering before
/// buttons), and every reply in a group fits 600 visible characters of its compact rendering.
#[test]
fn routine_and_group_replies_fit_one_screen() {
    use crampcare::render::telegram::{render, visible_len, Size};
    let (mut routine, mut group) = (0, 0);
    for (engine, text) in texts_by_language() {
        let reply = engine.answer(&text);
        if reply.level == Level::Routine {
            let len = plain::render(&reply).chars().count();
            assert!(
                len <= compose::ROUTINE_MAX,
                "routine reply of {len}: {text}"
            );
            routine = routine.max(len);
        }
        let compact: usize = render(&reply, Size::Compact)
            .iter()
            .map(|c| visible_len(c))
            .sum();
        assert!(
            compact <= compose::GROUP_MAX,
            "group reply of {compact}: {text}"
        );
        group = group.max(compact);
    }
    eprintln!("longest routine reply {routine}, longest group reply {group}");
}

/// Issue 11: one topic leads; the others are buttons ("Also: ..."), unless two things were asked.
#[test]
fn routine_replies_lead_with_one_topic_and_offer_the_others() {
    let engine = engine();
    let one = engine.answer("calf cramp at night after soccer, what can i do");
    assert_eq!(one.topic_ids().len(), 1, "{:?}", one.topic_ids());
    let two = engine.answer("why does it happen and what can she eat");
    assert_eq!(two.topic_ids().len(), 2, "{:?}", two.topic_ids());
    let also = engine.answer("my son cramps at night, after soccer and in the heat");
    assert_eq!(also.topic_ids().len(), 1, "{:?}", also.topic_ids());
    assert!(
        also.follow_ups
            .iter()
            .any(|f| f.label.starts_with("Also: ")),
        "{:?}",
        also.follow_ups
    );
}

#[test]
fn emergency_replies_are_the_call_the_wait_and_one_closing_line() {
    let engine = engine();
    let reply = engine.answer("he collapsed after the race and is not moving");
    assert_eq!(reply.level, Level::Emergency);
    let text = plain::render(&reply);
    assert!(text.starts_with("!!! EMERGENCY: call 911 now."), "{text}");
    assert!(reply.topic_ids() == ["see-a-doctor"], "{text}");
    assert!(
        !reply
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Topic { .. })),
        "{text}"
    );
    assert!(!text.contains("keep coming back"), "{text}");
}

#[test]
fn urgent_actions_say_now_never_today() {
    let engine = engine();
    let k = engine.knowledge();
    for f in &k.red_flags {
        if f.level >= Level::Urgent {
            assert!(!f.action.contains("today"), "{}: {}", f.id, f.action);
        }
    }
    for text in all_texts() {
        let reply = engine.answer(&text);
        if reply.level >= Level::Urgent {
            let t = plain::render(&reply);
            assert!(!t.contains("today"), "{t}");
            assert!(t.contains("now"), "{t}");
        }
    }
    // The same in Spanish: "ahora", never "hoy".
    let es = engines().get("es").expect("Spanish");
    for f in &es.knowledge().red_flags {
        if f.level >= Level::Urgent {
            assert!(
                !f.action.to_lowercase().contains("hoy"),
                "{}: {}",
                f.id,
                f.action
            );
        }
    }
    for text in spanish_texts() {
        let reply = es.answer(&text);
        if reply.level >= Level::Urgent {
            let t = plain::render(&reply).to_lowercase();
            let words: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).collect();
            assert!(!words.contains(&"hoy"), "{t}");
            assert!(words.contains(&"ahora"), "{t}");
        }
    }
}

#[test]
fn fallbacks_say_to_call_if_the_child_seems_very_unwell() {
    for text in ["", "qwertyuiop asdfgh", "¿Qué hago con los calambres?"] {
        let reply = engine().answer(text);
        let t = plain::render(&reply);
        assert!(
            t.contains("If your child seems very unwell, call 911 now."),
            "{text:?}: {t}"
        );
    }
}

#[test]
fn worried_without_a_named_sign_gets_the_check_first() {
    let reply = engine().answer("something is really wrong with him and I'm scared");
    assert!(reply.level >= Level::Soon);
    assert_eq!(
        reply.follow_ups[0].label,
        engine().knowledge().messages.check_label
    );
    assert!(plain::render(&reply).contains("call 911 now"));
}

fn ruled_out_steps(reply: &Reply, triage: &Triage, engine: &Engine) -> Vec<String> {
    let k = engine.knowledge();
    let avoid = compose::avoided(k, triage);
    reply
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Topic { steps, .. } => Some(steps),
            _ => None,
        })
        .flatten()
        .filter(|s| compose::ruled_out(k, s, &avoid))
        .cloned()
        .collect()
}

/// Issue 10, item 3: every flag with every topic, at the flag's level and at "soon" (where one topic
/// is shown): no step the flag rules out survives.
#[test]
fn no_flag_and_topic_pair_contradicts_itself() {
    let engine = engine();
    let k = engine.knowledge();
    let practice = Practice::default();
    let c = Composer {
        knowledge: k,
        practice: &practice,
    };
    for (fi, f) in k.red_flags.iter().enumerate() {
        for level in [f.level, Level::Soon] {
            let triage = Triage {
                level,
                fired: vec![Fired { flag: fi, level }],
                in_context: Vec::new(),
            };
            for ti in 0..k.topics.len() {
                let m = Match {
                    topic: ti,
                    score: 5.0,
                };
                let matches = Matches {
                    chosen: vec![m.clone()],
                    ranked: vec![m],
                    asked: 1,
                    about_cramps: true,
                };
                let reply = c.answer(&matches, &triage, None);
                let bad = ruled_out_steps(&reply, &triage, engine);
                assert!(bad.is_empty(), "{} x {}: {bad:?}", f.id, k.topics[ti].id);
            }
        }
    }
}

#[test]
fn a_swollen_calf_reply_never_says_to_rub_it() {
    let engine = engine();
    for text in [
        "one calf is swollen, warm and red, and he had a cramp there, what do I do",
        "her calf is swollen since the cramp, should I massage it?",
    ] {
        let reply = engine.answer(text);
        assert!(reply.level >= Level::Urgent, "{text}");
        let t = plain::render(&reply).to_lowercase();
        assert!(!t.contains("rub the"), "{t}");
        assert!(!t.contains("massage the"), "{t}");
    }
}

/// Parents' own wording (`tests/data/lay_wording.toml`): no message is under-triaged, and ordinary
/// cramps, questions and someone else's signs mostly stay routine (when unsure, CrampCare escalates:
/// a few over-triaged look-alikes are the price, and the figure is printed).
#[test]
fn parents_own_wording_reaches_its_level() {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Lay {
        case: Vec<LayCase>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct LayCase {
        level: String,
        text: String,
    }
    let lay: Lay = toml::from_str(include_str!("data/lay_wording.toml")).expect("lay_wording.toml");
    let engine = engine();
    let mut under = Vec::new();
    let (mut routine, mut over) = (0, 0);
    for c in &lay.case {
        let want = Level::parse(&c.level).expect("a level");
        let got = engine.analyse(&c.text).triage.level;
        if got < want {
            under.push(format!("{got} < {want}: {}", c.text));
        }
        if want == Level::Routine {
            routine += 1;
            over += usize::from(got > want);
        }
    }
    assert!(under.is_empty(), "under-triage:\n{}", under.join("\n"));
    eprintln!(
        "lay wording: {} cases, over-triage {over} of {routine} routine",
        lay.case.len()
    );
    assert!(
        over * 10 <= routine,
        "{over} of {routine} routine cases over-triaged"
    );
}

#[test]
fn a_sign_asked_about_beside_a_real_one_is_answered_too() {
    let reply = engine().answer("he has a fever and sore legs, what if his neck gets stiff?");
    assert_eq!(reply.level, Level::Soon);
    let text = plain::render(&reply);
    assert!(
        text.contains("Fever with a stiff neck: call 911 now."),
        "{text}"
    );
    assert!(!text.contains("EMERGENCY"), "{text}");
}
