//! Property tests: any input gets a reply with the doctor line, and negation never raises a level.

use proptest::prelude::*;

use crampcare::engine::compose;
use crampcare::engine::{Block, Engine, Level, Practice};
use crampcare::render::{plain, telegram};

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin(Practice::default()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_text_gets_a_reply_ending_with_the_doctor_line(text in "\\PC{0,400}") {
        let reply = engine().answer(&text);
        let doctor = reply.doctor_line().to_owned();
        prop_assert!(!doctor.is_empty());
        prop_assert!(plain::render(&reply).ends_with(&doctor));
        for chunk in telegram::render(&reply, telegram::Size::Full) {
            prop_assert!(telegram::visible_len(&chunk) <= telegram::MAX_MESSAGE);
        }
    }

    #[test]
    fn words_around_a_red_flag_never_lower_it(
        prefix in "[a-z ]{0,60}",
        suffix in "[a-z ]{0,60}",
        flag in prop::sample::select(vec![
            "he can't walk", "one calf is swollen and red", "his pee is dark brown", "she has a fever",
            "he is limping", "trouble breathing", "red streaks from the scrape",
        ]),
    ) {
        let alone = engine().analyse(flag).triage.level;
        // A clause of its own: nothing before the full stop can negate it.
        let text = format!("{prefix}. {flag}. {suffix}");
        prop_assert!(engine().analyse(&text).triage.level >= alone, "{text}");
    }

    #[test]
    fn adding_a_negated_sign_never_raises_the_level(
        base in prop::sample::select(vec![
            "calf cramp at night", "my son has a charley horse after soccer", "what foods help cramps",
            "she gets cramps in her foot", "leg locked up during practice",
        ]),
        negation in prop::sample::select(vec![
            "no fever", "no swelling", "not limping", "no dark pee", "no redness", "no numbness",
            "never had a seizure", "without any fever", "doesn't have a fever", "isn't limping",
            "no trouble breathing", "no weakness", "no vomiting", "no rash",
        ]),
    ) {
        let before = engine().analyse(base).triage.level;
        let text = format!("{base}, {negation}");
        let after = engine().analyse(&text).triage.level;
        prop_assert!(after <= before, "{text}: {after} > {before}");
        prop_assert_eq!(after, Level::Routine);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Issue 10: a flagged reply never keeps a step its flags rule out (no "rub the calf" under
    /// "do not massage a swollen calf").
    #[test]
    fn flagged_replies_never_keep_a_step_their_flags_rule_out(
        sign in prop::sample::select(vec![
            "one calf is swollen and red", "his knee is swollen", "she screams if I touch her calf",
            "he can't walk", "red streaks from the scrape on her shin", "calf has hurt since yesterday",
            "overheated and dizzy after the match", "he has a fever", "she fell and twisted it",
            "his pee is dark brown", "fever and a stiff neck",
        ]),
        question in prop::sample::select(vec![
            "how do I stretch his calf", "should I massage it", "does a warm bath help",
            "what foods help cramps", "cramp in the back of the thigh, what do I do",
            "she gets foot cramps at night", "should he keep playing soccer",
        ]),
        glue in "[a-z ]{0,20}",
    ) {
        let k = engine().knowledge();
        let text = format!("{sign} {glue}, {question}");
        let a = engine().analyse(&text);
        let reply = engine().reply(&a);
        let avoid = compose::avoided(k, &a.triage);
        for b in &reply.blocks {
            if let Block::Topic { steps, .. } = b {
                for step in steps {
                    prop_assert!(!compose::ruled_out(k, step, &avoid), "{text}: {step}");
                }
            }
        }
        if reply.level >= Level::Urgent {
            prop_assert!(!reply.blocks.iter().any(|b| matches!(b, Block::Topic { .. })), "{text}");
        }
    }
}

proptest! {
    // Long inputs are slow in a debug build; a few dozen random 10,000-character messages suffice.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn long_unicode_input_never_panics(text in proptest::collection::vec(any::<char>(), 0..10_000)) {
        let text: String = text.into_iter().collect();
        let reply = engine().answer(&text);
        prop_assert!(!reply.doctor_line().is_empty());
    }
}
