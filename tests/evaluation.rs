//! The labelled parent messages in `tests/data/` meet the bars of issue 3: top-1 accuracy at least
//! 0.95, no under-triage, and every reply contains its required words.

use crampcare::engine::{Engine, Engines, Practice};
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

/// The report of a labelled file read as the bot reads it: each message in its own language.
fn report_languages(file: &str) -> eval::Report {
    static ENGINES: std::sync::OnceLock<Engines> = std::sync::OnceLock::new();
    let engines = ENGINES.get_or_init(|| Engines::builtin(&Practice::default()));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases =
        eval::parse(file, &text, engines.default_engine()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cases.is_empty());
    eval::run_languages(engines, None, &cases)
}

/// Issue 12: the Spanish tuning set is read in Spanish, has no under-triage, keeps a right kind of
/// answer for most messages (a guard at its level when Spanish landed, not a target) and is large
/// and varied: at least 150 messages, 30 red flags and 10 negated ones.
#[test]
fn spanish_tuning_set_is_read_in_spanish_without_under_triage() {
    let r = report_languages("eval-es.toml");
    assert!(r.outcomes.len() >= 150, "{} cases", r.outcomes.len());
    let flagged = r
        .outcomes
        .iter()
        .filter(|o| o.case.urgency >= crampcare::engine::Level::Urgent)
        .count();
    let negated = r
        .outcomes
        .iter()
        .filter(|o| o.case.context.as_deref() == Some("negated"))
        .count();
    assert!(
        flagged >= 30 && negated >= 10,
        "{flagged} red flags, {negated} negated"
    );
    let spanish = r.outcomes.iter().filter(|o| o.lang == "es").count();
    assert!(
        spanish * 100 >= r.outcomes.len() * 97,
        "{spanish} read as Spanish\n{}",
        r.summary()
    );
    let missed: Vec<usize> = r.under_triage().iter().map(|o| o.case.line).collect();
    assert!(
        missed.is_empty(),
        "under-triaged at lines {missed:?}\n{}",
        r.summary()
    );
    assert!(r.kind() >= 0.85, "kind {:.3}\n{}", r.kind(), r.summary());
}

/// The Spanish blind holdouts, held at their first-run level (in the README):
/// holdout A (kind 0.754 at `5bb15d6`, scored before tuning on Spanish) as a guard against
/// regressions; holdout B (kind 0.869, no under-triage at `641ae87`, written and first run when the
/// Spanish work was done, read for diagnosis since) and holdout C (kind 0.854, no under-triage at `1843c98`, its first run) at
/// issue 12's gate: kind 0.85 and no sign missed.
#[test]
fn spanish_holdouts_keep_their_first_run_level() {
    for (file, floor, triage) in [
        ("holdout/es-a.toml", 0.75, false),
        ("holdout/es-b.toml", 0.85, true),
        ("holdout/es-c.toml", 0.85, true),
    ] {
        let r = report_languages(file);
        assert!(
            r.kind() >= floor,
            "{file}: kind {:.3}\n{}",
            r.kind(),
            r.summary()
        );
        let missed: Vec<usize> = r.under_triage().iter().map(|o| o.case.line).collect();
        assert!(
            !triage || missed.is_empty(),
            "{file}: under-triaged at lines {missed:?}"
        );
    }
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

/// The words of a text as the engine reads them before spelling and synonyms: lower case, no
/// accents or punctuation, contractions opened ("doesn't" -> "does not").
fn words(text: &str) -> Vec<String> {
    // Loaded once: this runs for every phrase and message.
    static K: std::sync::OnceLock<crampcare::engine::Knowledge> = std::sync::OnceLock::new();
    let k = K.get_or_init(|| crampcare::engine::Knowledge::builtin().expect("built-in knowledge"));
    crampcare::engine::normalise::normalise(text, &k.language)
        .words
        .into_iter()
        .map(|w| w.text)
        .collect()
}

/// Every run of three words in `words`.
fn trigrams(words: &[String]) -> Vec<String> {
    words.windows(3).map(|w| w.join(" ")).collect()
}

/// Fails unless at least 80 % of the messages of `r` share no run of three of their `words` with
/// any topic phrase, title or subject word of `k`.
fn assert_few_copied(
    k: &crampcare::engine::Knowledge,
    r: &eval::Report,
    words: &dyn Fn(&str) -> Vec<String>,
) {
    let kb: std::collections::HashSet<String> = k
        .topics
        .iter()
        .flat_map(|t| t.phrases.iter().chain(std::iter::once(&t.title)))
        .chain(k.subjects.iter().flat_map(|s| &s.words))
        .flat_map(|p| trigrams(&words(p)))
        .collect();
    let copied: Vec<&str> = r
        .outcomes
        .iter()
        .filter(|o| {
            trigrams(&words(&o.case.text))
                .iter()
                .any(|t| kb.contains(t))
        })
        .map(|o| o.case.text.as_str())
        .collect();
    assert!(
        copied.len() * 5 <= r.outcomes.len(),
        "{} of {} messages share three words with the knowledge base:\n{}",
        copied.len(),
        r.outcomes.len(),
        copied.join("\n")
    );
}

#[test]
fn most_eval_messages_share_no_three_words_with_the_knowledge_base() {
    // Issue 9: phrases copied from eval messages into the knowledge base made the tuning set easy
    // and taught nothing. At least 80 % of the messages share no run of three words (normalised)
    // with any topic phrase, title or subject word.
    let engine = Engine::builtin(Practice::default());
    assert_few_copied(engine.knowledge(), &report("eval.toml"), &words);
}

/// The same for the Spanish tuning set and the Spanish knowledge base (its writers never saw the set),
/// over content words.
#[test]
fn most_spanish_eval_messages_share_no_three_words_with_the_spanish_knowledge_base() {
    let es = crampcare::engine::Knowledge::builtin_languages()
        .expect("built-in languages")
        .into_iter()
        .find(|k| k.language.code == "es")
        .expect("Spanish");
    // Content words only: Spanish runs of three words are often function words and one noun ("en
    // la pantorrilla"), shared by any two texts about calves.
    let stop: std::collections::HashSet<&str> =
        es.lexicon.stopwords.iter().map(String::as_str).collect();
    let words = |text: &str| -> Vec<String> {
        crampcare::engine::normalise::normalise(text, &es.language)
            .words
            .into_iter()
            .map(|w| w.text)
            .filter(|w| !stop.contains(w.as_str()))
            .collect()
    };
    assert_few_copied(&es, &report_languages("eval-es.toml"), &words);
}

/// The blind holdouts, as their authors wrote them (`../shared/HOLDOUT.md`): a changed byte shows
/// here. Never edit one; write a new holdout instead.
const HOLDOUTS: &[(&str, &str)] = &[
    (
        "holdout/a.toml",
        "891364a791a5d9f1f608608485dd0f8e3df707934cdfa4d8e02884faade44ca9",
    ),
    (
        "holdout/redflags-a.toml",
        "93b7aaef28c5f1aeeb80675bdd621e7eac43c69db00b31d1817b1e8329621df8",
    ),
    (
        "holdout/b.toml",
        "ab6d6c43a19b47cc20ee11382ddadce26710b974207268a9fd496382e1ad9ce0",
    ),
    (
        "holdout/redflags-b.toml",
        "45f355b1ce3a70004a638ce31c241de50d7a8c177ec90fe1939a6aa5f004a20b",
    ),
    (
        "holdout/redflags-c.toml",
        "6d2e4cf0e1bd7538a2319c7ae8bfbe083376b0fc3366423355f76919179e0f48",
    ),
    (
        "holdout/c.toml",
        "ef83721b79695ea04cd544d40102b39ce11ef122202f6a31031ae2fde87371aa",
    ),
    (
        "holdout/redflags-d.toml",
        "84b2f6041dae5d74175937e720a663391008162ebc8e96e468b96b5525965e18",
    ),
    (
        "holdout/redflags-e.toml",
        "652a9cab87dc023404b1797bbc3d8e3dc0a94cddb3197f733545e729ebc358ed",
    ),
    (
        "holdout/d.toml",
        "3da0992ac573de44f98158d6c48fc92c2eed75f404964b71b2e5432344a9c4a2",
    ),
    (
        "holdout/es-a.toml",
        "881e7c6f06ef5999c787f3c010b850c1d5975f81d60b33886c92d4876ecb770f",
    ),
    (
        "holdout/es-b.toml",
        "0ce5faee2f176b93888cb4acaa421c0cae052011e3399e36d14bd9599106a86f",
    ),
    (
        "holdout/redflags-f.toml",
        "826974cf3b709b8f088af68344c12d61e1940a3e518f5e479894d7ae2e0aecb5",
    ),
    (
        "holdout/redflags-g.toml",
        "88849a3a9023d062bba69839f3c42f827aa61ee942b33665c96f20a3cf6fa1ca",
    ),
    (
        "holdout/e.toml",
        "0e96d0a4875d68ac38a9a5b0219d8c44d4059e4992a8b17fb3feba9a51320a5e",
    ),
    (
        "holdout/es-c.toml",
        "9ada87c24f1de4afa2ee09ce133add5f5aab0ed2dc2249408513f1fb8f746b78",
    ),
    (
        "holdout/f.toml",
        "55e5a37c6bc871c5af89519550c0ad621972c8c3c76265bcc70d5d982cd69eb8",
    ),
    (
        "holdout/redflags-h.toml",
        "8872bec2ea448322e240eb25709d4be1bab59d15ef3ae506f83dcfe18c0919a9",
    ),
    (
        "holdout/i.toml",
        "842c5e5ad09260e9cc581ea31a47c6a0f4077a31dadbdf321e65cf4c99f21f54",
    ),
    (
        "holdout/redflags-j.toml",
        "4a4bd84c17da1b2db5895cc12b44f98bf37bc5804cdd59f7d4cfbca7e0ebbddf",
    ),
    // Written blind at the start of stop 21; sealed before its first run.
    (
        "holdout/k.toml",
        "8a45c53e67c077d326ab59598e15e58605d8755516c8040b60cf678376d1039a",
    ),
    (
        "holdout/redflags-l.toml",
        "69ab0fa4468777d9077ec2d0b2b949019f97c10d7fb7248b2c83167ae9946879",
    ),
    // Written blind at the start of stop 22; sealed before its first run.
    (
        "holdout/m.toml",
        "773a8ca166eacdd68d9e96bb59aafd2d8a01466cc6a4526a0728bfa4d4ab3972",
    ),
    (
        "holdout/redflags-n.toml",
        "c606008265c75ee4d2e27015e41fda36423fe5df293ceb8b2df90cae645938fe",
    ),
    // Written blind in stop 22, after triage round 14; sealed before their first runs.
    (
        "holdout/o.toml",
        "0a3cd3567ad5093ff02f1f8652e358dc13b9dd660b53215421d9824337482c1b",
    ),
    (
        "holdout/redflags-p.toml",
        "8319b02f4019e1969a7c280456e43279471d0ef160883538cf43e33971b20fe2",
    ),
    // Written blind at the start of stop 23; sealed before their first runs.
    (
        "holdout/q.toml",
        "be070c67ada5776e3f8f131d2d99c9be56f28bd94cb440a61b94203c5738b2ef",
    ),
    (
        "holdout/redflags-r.toml",
        "e964db2a2cc211eb89971fa7d7778685b643597fbeb30dcbc224bcc3d5d7750a",
    ),
    // Written blind at the start of stop 24; sealed before their first runs.
    (
        "holdout/redflags-t.toml",
        "dbd5506dfcfef6e3cdc96596e5469cc932f18c0e6bd6831c02d6499d6f56f8d2",
    ),
    (
        "holdout/s.toml",
        "117c5a4f475808fd5afc8bd865f188ebb6eb35fb2112863e0ac93a44f27306b2",
    ),
    // Written blind at the start of stop 25; sealed before their first runs.
    (
        "holdout/u.toml",
        "5105f5f262b2ffd2fc36fcf5c071cc5f252c5afba7436bf2a2f4f4219a703690",
    ),
    (
        "holdout/redflags-v.toml",
        "ee02916b1b5b01288dc507b473211936dfc183bc5aae4bcc226788450d6a7052",
    ),
    // Written blind at the start of stop 26; sealed before its first run.
    (
        "holdout/w.toml",
        "47a2ac6e6083fdb47c5b3c588692967288fe98701a67e6cf0331808bf2c22370",
    ),
    (
        "holdout/redflags-x.toml",
        "057459aceb10a6154652cb9f1edac51111a4c32329520709cfeb73b380b4d072",
    ),
    // Written blind at the end of stop 26; sealed before its first run.
    (
        "holdout/redflags-y.toml",
        "339f4af5041e455529093d35e0b70c55fa60bbda6cdc59f461e3b7eb599d0180",
    ),
    // Written blind at the start of stop 27; sealed before its first run.
    (
        "holdout/z.toml",
        "b21b2dc559c377d79b08332dcdd94e7498694cac2faa19618cb809ea08327c80",
    ),
    (
        "holdout/redflags-aa.toml",
        "ecc61bbe2ac86cc2964c6767bbeae5995f43bbe989a946b745f5d96eb0ec26bd",
    ),
    // Written blind during stop 27, after triage round 24; sealed before its first run.
    (
        "holdout/ab.toml",
        "2a9654690e0e0f94cd5a5efed623327969a9ed5e6393bfffde87285c9ad82c3f",
    ),
    (
        "holdout/redflags-ac.toml",
        "effa907c57106dddad855e768c9d4cb2fa0984c9119463f16f7621fd57a1ba60",
    ),
    // Written blind at the start of stop 28; sealed before its first run.
    (
        "holdout/ad.toml",
        "31d42a3794e0ce51af5d5f64775cbb1697678ac48d065d3ed8072a6624470f0e",
    ),
    (
        "holdout/redflags-ae.toml",
        "f2758a7bd80367eaa7d732424214c2a7393ecdda1109613dc2f64c73529f55c3",
    ),
    // Written blind during stop 28, after triage round 27; sealed before its first run.
    (
        "holdout/af.toml",
        "0976966969a2510f3e17369b7ff967e484b65e1aba37fbe0f41e2cdddae82878",
    ),
    (
        "holdout/redflags-ag.toml",
        "1a7c7b3feb977e927c43f41d9f699e59832c23703b3af2759bb8e676fabb602e",
    ),
];

#[test]
fn holdouts_are_as_written() {
    use sha2::{Digest, Sha256};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for (file, want) in HOLDOUTS {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&got, want, "{file} was edited after it was first committed");
    }
    let listed: Vec<String> = std::fs::read_dir(dir.join("holdout"))
        .expect("tests/data/holdout")
        .map(|e| {
            format!(
                "holdout/{}",
                e.expect("entry").file_name().to_string_lossy()
            )
        })
        .collect();
    for f in &listed {
        assert!(
            HOLDOUTS.iter().any(|(h, _)| h == f),
            "{f} has no sha256 recorded here"
        );
    }
}

/// A guard against regressions, not a target: every general blind holdout keeps a right kind of
/// answer for at least 85 % of its messages (issue 9), except holdouts C and O, whose first runs
/// (0.817 and 0.845, in the README) fell short of that bar: they are held at their first-run levels. The
/// red-flag holdouts are held to their recall instead.
#[test]
fn holdouts_keep_the_right_kind_of_answer() {
    // Spanish holdouts are held by the Spanish engine's own gate (issue 12).
    // A holdout sealed and not yet run is listed here until its first run is reported.
    let unrun: [&str; 0] = [];
    let general =
        |f: &str| !f.contains("redflags") && !f.starts_with("holdout/es-") && !unrun.contains(&f);
    for (file, _) in HOLDOUTS.iter().filter(|(f, _)| general(f)) {
        let floor = match *file {
            "holdout/c.toml" => 0.81,
            "holdout/o.toml" => 0.84,
            _ => 0.85,
        };
        let r = report(file);
        assert!(
            r.kind() >= floor,
            "{file}: kind {:.3}\n{}",
            r.kind(),
            r.summary()
        );
    }
}

/// The red-flag holdouts that triage rounds 3, 4, 7 and 8 were diagnosed on (their first runs are in the
/// README): a guard that no sign there is missed again. A red-flag holdout joins this list only after
/// its first run is reported.
const RED_FLAG_GUARDED: &[&str] = &[
    "holdout/redflags-a.toml",
    "holdout/redflags-b.toml",
    "holdout/redflags-c.toml",
    "holdout/redflags-e.toml",
    "holdout/redflags-f.toml",
    "holdout/redflags-g.toml",
    // Red-flag H and general holdout F, diagnosed on in triage round 9.
    "holdout/redflags-h.toml",
    "holdout/f.toml",
    // Red-flag J and general holdout I, diagnosed on in triage round 10 after their first runs.
    "holdout/redflags-j.toml",
    "holdout/i.toml",
    // Red-flag L and general holdout K, diagnosed on in triage round 12 after their first runs.
    "holdout/redflags-l.toml",
    "holdout/k.toml",
    // Red-flag N and general holdout M, diagnosed on in triage round 14 after their first runs.
    "holdout/redflags-n.toml",
    "holdout/m.toml",
    // Red-flag P and general holdout O, diagnosed on in triage round 15 after their first runs.
    "holdout/redflags-p.toml",
    "holdout/o.toml",
    // Red-flag R and general holdout Q, diagnosed on in triage round 16 after their first runs.
    "holdout/redflags-r.toml",
    "holdout/q.toml",
    // General holdout D, diagnosed on since its first run, and E, at 0 in its first run.
    "holdout/d.toml",
    "holdout/e.toml",
    // Red-flag T, diagnosed on in triage round 17 after its first run, and general holdout S.
    "holdout/redflags-t.toml",
    "holdout/s.toml",
    // General holdout U, whose one under-triaged sign was diagnosed on in stop 25.
    "holdout/u.toml",
    // Red-flag V, whose four under-triaged signs were diagnosed on in triage round 19 (stop 26).
    "holdout/redflags-v.toml",
    // General holdout W and red-flag X, diagnosed on in triage rounds 19 and 20 after their first
    // runs (stop 26).
    "holdout/w.toml",
    "holdout/redflags-x.toml",
    // Red-flag Y, whose four missed signs were diagnosed on in triage round 21 (stop 26).
    "holdout/redflags-y.toml",
    // General holdout Z (no sign missed on its first run) and red-flag AA, whose three missed signs
    // were diagnosed on in triage round 23 (stop 27).
    "holdout/z.toml",
    "holdout/redflags-aa.toml",
    // General AB and red-flag AC, whose missed signs (1 and 3) were diagnosed on in triage round 26
    // (stop 27).
    "holdout/ab.toml",
    "holdout/redflags-ac.toml",
    // General AD (no sign missed on its first run) and red-flag AE, whose two missed signs (a teenager
    // writing about their own body) were diagnosed on in triage round 27 (stop 28).
    "holdout/ad.toml",
    "holdout/redflags-ae.toml",
    // General AF, no sign missed on its first run, and red-flag AG, whose five missed signs were
    // diagnosed on in triage round 28 (stop 28).
    "holdout/af.toml",
    "holdout/redflags-ag.toml",
];

#[test]
fn diagnosed_red_flag_holdouts_have_no_under_triage() {
    for file in RED_FLAG_GUARDED {
        let r = report(file);
        let missed: Vec<usize> = r.under_triage().iter().map(|o| o.case.line).collect();
        assert!(
            missed.is_empty(),
            "{file}: under-triaged at lines {missed:?}"
        );
    }
}

/// Issue 9's examples, reworded: every row gets an acceptable first topic, is read as its ask, and
/// gets its second question answered too.
#[test]
fn ask_table_rows_all_pass() {
    let r = report("asks.toml");
    let failures: Vec<String> = r
        .outcomes
        .iter()
        .filter(|o| !o.top1() || o.ask_right() == Some(false) || o.second_right() == Some(false))
        .map(|o| {
            format!(
                "line {}: expected [{}] asking {:?} (then {:?}), got [{}] asking {}: {:?}",
                o.case.line,
                o.case.topics.join(", "),
                o.case.ask,
                o.case.second,
                o.got.join(", "),
                o.ask,
                o.case.text
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
