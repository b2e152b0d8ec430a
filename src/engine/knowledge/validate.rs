//! Validation: the parsed files checked together, into a [`Knowledge`]; every problem with its file,
//! line and field.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::load::{error_at, line_at};
use super::raw::*;
use super::*;
use crate::engine::error::{hint, KnowledgeError};

/// Collects errors for one file with its line breaks, so call sites stay short.
pub(super) struct Check<'a, 'e> {
    name: &'a str,
    lines: &'a [usize],
    errors: &'e mut Vec<KnowledgeError>,
}

impl<'a> Check<'a, '_> {
    pub(super) fn err<T>(
        &mut self,
        at: &Spanned<T>,
        item: &str,
        field: &str,
        message: impl Into<String>,
    ) {
        self.errors.push(
            error_at(self.name, self.lines, at.span().start, message)
                .item(item)
                .field(field),
        );
    }

    /// The value of `all` whose name is `s`, or an error listing the names with a suggestion.
    pub(super) fn choice<T: Copy>(
        &mut self,
        s: &Spanned<String>,
        item: &str,
        field: &str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let given = s.get_ref();
        let found = all.iter().copied().find(|&v| name(v) == given);
        if found.is_none() {
            let names: Vec<&str> = all.iter().map(|&v| name(v)).collect();
            self.err(
                s,
                item,
                field,
                format!(
                    "is `{given}`, not one of {}{}",
                    names.join(", "),
                    hint(given, names.iter().copied())
                ),
            );
        }
        found
    }

    pub(super) fn non_empty(&mut self, s: &Spanned<String>, item: &str, field: &str) -> String {
        let v = s.get_ref().trim().to_owned();
        if v.is_empty() {
            self.err(s, item, field, "must not be empty");
        }
        v
    }

    fn id(&mut self, s: &Spanned<String>, what: &str) -> String {
        let id = s.get_ref().clone();
        let ok = !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.err(
                s,
                &format!("{what} \"{id}\""),
                "id",
                format!("must be 1 to {MAX_ID_LEN} characters of a-z, 0-9 and '-'"),
            );
        }
        id
    }

    /// Checks `{n>=K}` and `{n<K}` number patterns ("for {n>=2} days") in a red-flag phrase or word group.
    fn number_pattern(&mut self, s: &Spanned<String>, item: &str, field: &str) {
        for alt in s.get_ref().split('|') {
            if !crate::engine::number::valid_number_patterns(alt) {
                self.err(
                    s,
                    item,
                    field,
                    format!(
                        "has a malformed number pattern in \"{}\"; write it as {{n>=7}} days or {{n<18}}",
                        alt.trim()
                    ),
                );
            }
        }
    }

    /// Checks the `{emergency}`-style placeholders of a text that a parent will read.
    fn placeholders(&mut self, s: &Spanned<String>, item: &str, field: &str) {
        let own = if item == "messages" { field } else { "" };
        for problem in crate::engine::placeholder::problems_in(s.get_ref(), own) {
            self.err(s, item, field, problem);
        }
    }

    /// [`Check::non_empty`] and [`Check::placeholders`]: a text a parent will read.
    fn text(&mut self, s: &Spanned<String>, item: &str, field: &str) -> String {
        self.placeholders(s, item, field);
        self.non_empty(s, item, field)
    }

    pub(super) fn strings(
        &mut self,
        list: &[Spanned<String>],
        item: &str,
        field: &str,
    ) -> Vec<String> {
        list.iter()
            .map(|s| self.non_empty(s, item, field))
            .collect()
    }

    /// [`Check::strings`] of a list that must hold at least `one` ("must list at least one word").
    fn listed(
        &mut self,
        list: &Spanned<Vec<Spanned<String>>>,
        item: &str,
        field: &str,
        one: &str,
    ) -> Vec<String> {
        if list.get_ref().is_empty() {
            self.err(list, item, field, format!("must list at least one {one}"));
        }
        self.strings(list.get_ref(), item, field)
    }

    /// An item's id, checked and recorded in `ids` (or reported as a duplicate), and the item's
    /// name for its errors (`topic "relief-now"`).
    fn named(
        &mut self,
        s: &Spanned<String>,
        what: &str,
        ids: &mut HashMap<String, Place<'a>>,
    ) -> (String, String) {
        let id = self.id(s, what);
        let item = format!("{what} \"{id}\"");
        unique(self, ids, s, what);
        (id, item)
    }

    /// Where `offset` is in this file.
    fn place(&self, offset: usize) -> Place<'a> {
        Place {
            name: self.name,
            lines: self.lines,
            offset,
        }
    }

    /// A reference to the id `s`, from `field` of `item`, resolved once every file is read.
    fn reference(&self, s: &Spanned<String>, item: &str, field: &'static str) -> Ref<'a> {
        (
            self.place(s.span().start),
            item.to_owned(),
            field,
            s.get_ref().clone(),
        )
    }
}

/// Where an id was defined, for duplicate and reference errors.
pub(super) struct Place<'a> {
    name: &'a str,
    lines: &'a [usize],
    offset: usize,
}

/// The ids the files define and the references to them, checked once every file is read.
#[derive(Default)]
struct Ids<'a> {
    topic: HashMap<String, Place<'a>>,
    red_flag: HashMap<String, Place<'a>>,
    source: HashMap<String, Place<'a>>,
    subject: HashMap<String, Place<'a>>,
    ask: HashMap<String, Place<'a>>,
    advice: HashMap<String, Place<'a>>,
    topic_refs: Vec<Ref<'a>>,
    source_refs: Vec<Ref<'a>>,
    subject_refs: Vec<Ref<'a>>,
    ask_refs: Vec<Ref<'a>>,
    avoid_refs: Vec<Ref<'a>>,
}

/// Everything the files define, gathered file by file in the order they are read.
#[derive(Default)]
struct Gathered<'a> {
    topics: Vec<Topic>,
    red_flags: Vec<RedFlag>,
    sources: Vec<Source>,
    lexicon: Lexicon,
    messages: Option<Messages>,
    asks: Vec<Ask>,
    subjects: Vec<Subject>,
    scope: Scope,
    advice: Vec<Advice>,
    context: Option<Context>,
    language: Option<Language>,
    /// Texts of `[messages]` this language lacks, taken from the default language's.
    filled: Vec<String>,
    /// The canonical word each synonym variant belongs to: a variant may belong to one only.
    variant_owner: HashMap<String, String>,
    ids: Ids<'a>,
}

/// Checks every file's items, kind by kind in a fixed order (so errors come in the same order),
/// then the references between files and what the knowledge base must have.
pub(super) fn validate(
    files: &[Parsed<'_>],
    errors: &mut Vec<KnowledgeError>,
    complete: bool,
    fallback: Option<&Messages>,
) -> Knowledge {
    let mut g = Gathered::default();
    for p in files {
        let mut c = Check {
            name: p.name,
            lines: p.lines,
            errors,
        };
        let f = &p.file;
        for s in &f.source {
            g.sources.push(source(&mut c, s, &mut g.ids));
        }
        for t in &f.topic {
            g.topics.push(topic(&mut c, t, &mut g.ids));
        }
        for r in &f.red_flag {
            g.red_flags.push(red_flag(&mut c, r, &mut g.ids));
        }
        if let Some(lex) = &f.lexicon {
            lexicon(&mut c, lex.get_ref(), &mut g.lexicon, &mut g.variant_owner);
        }
        for a in &f.ask {
            g.asks.push(ask(&mut c, a, &mut g.ids));
        }
        for s in &f.subject {
            g.subjects.push(subject(&mut c, s, &mut g.ids));
        }
        if let Some(sc) = &f.scope {
            scope(&mut c, sc.get_ref(), &mut g.scope);
        }
        for a in &f.advice {
            g.advice.push(advice(&mut c, a, &mut g.ids));
        }
        if let Some(ctx) = &f.context {
            match g.context {
                Some(_) => once_only(&mut c, ctx, "context"),
                None => g.context = Some(context(&mut c, ctx.get_ref())),
            }
        }
        if let Some(l) = &f.language {
            match g.language {
                Some(_) => once_only(&mut c, l, "language"),
                None => g.language = Some(super::language::language(&mut c, l)),
            }
        }
        if let Some(m) = &f.messages {
            match g.messages {
                Some(_) => once_only(&mut c, m, "messages"),
                // A table with a missing or unknown text is reported; the empty stand-in keeps
                // the "no [messages] table" error from firing on top.
                None => {
                    g.messages = Some(
                        checked_messages(&mut c, m, fallback, &mut g.filled)
                            .unwrap_or_else(empty_messages),
                    )
                }
            }
        }
    }
    finish(g, files, errors, complete, fallback)
}

/// A `[[source]]`: an id, a publisher, a title and a web address.
fn source<'a>(c: &mut Check<'a, '_>, s: &RawSource, ids: &mut Ids<'a>) -> Source {
    let id = c.id(&s.id, "source");
    let item = format!("source \"{id}\"");
    let publisher = c.non_empty(&s.publisher, &item, "publisher");
    let title = c.non_empty(&s.title, &item, "title");
    let url = c.non_empty(&s.url, &item, "url");
    if !url.starts_with("https://") && !url.starts_with("http://") {
        c.err(&s.url, &item, "url", "must start with https://");
    }
    unique(c, &mut ids.source, &s.id, "source");
    Source {
        id,
        publisher,
        title,
        url,
    }
}

/// A `[[topic]]`: something a parent can reach (by phrases or subjects), with steps and sources.
fn topic<'a>(c: &mut Check<'a, '_>, t: &RawTopic, ids: &mut Ids<'a>) -> Topic {
    let (id, item) = c.named(&t.id, "topic", &mut ids.topic);
    let kind = c
        .choice(&t.kind, &item, "kind", &Kind::ALL, Kind::name)
        .unwrap_or(Kind::About);
    let title = c.non_empty(&t.title, &item, "title");
    let summary = c.text(&t.summary, &item, "summary");
    if t.phrases.is_empty() && t.subjects.is_empty() {
        c.err(
            &t.id,
            &item,
            "subjects",
            "is empty and so is `phrases`: nothing a parent writes could reach the topic",
        );
    }
    ids.subject_refs
        .extend(t.subjects.iter().map(|s| c.reference(s, &item, "subjects")));
    ids.ask_refs
        .extend(t.asks.iter().map(|a| c.reference(a, &item, "asks")));
    let phrases = c.strings(&t.phrases, &item, "phrases");
    for p in &t.phrases {
        if p.get_ref().split_whitespace().count() > MAX_PHRASE_WORDS {
            c.err(
                p,
                &item,
                "phrases",
                format!(
                    "has a phrase of more than {MAX_PHRASE_WORDS} words; parents type short phrases"
                ),
            );
        }
    }
    let steps = steps(c, &t.steps, &item);
    let mut related = Vec::new();
    for r in &t.related {
        if r.get_ref() == &id {
            c.err(r, &item, "related", "must not name the topic itself");
        }
        ids.topic_refs.push(c.reference(r, &item, "related"));
        related.push(r.get_ref().clone());
    }
    let sources = cited(c, &t.sources, &item, &mut ids.source_refs);
    let age_notes = t.age_note.iter().map(|n| age_note(c, n, &item)).collect();
    Topic {
        id,
        kind,
        title,
        phrases,
        subjects: t.subjects.iter().map(|s| s.get_ref().clone()).collect(),
        asks: t.asks.iter().map(|s| s.get_ref().clone()).collect(),
        summary,
        steps,
        related,
        sources,
        age_notes,
    }
}

/// A topic's steps: one to [`MAX_STEPS`] texts.
fn steps(c: &mut Check<'_, '_>, list: &Spanned<Vec<Spanned<String>>>, item: &str) -> Vec<String> {
    let steps = list.get_ref();
    if steps.is_empty() {
        c.err(list, item, "steps", "must not be empty");
    } else if steps.len() > MAX_STEPS {
        c.err(
            list,
            item,
            "steps",
            format!("has {} steps; at most {MAX_STEPS}", steps.len()),
        );
    }
    steps.iter().map(|s| c.text(s, item, "steps")).collect()
}

/// A topic's `[[topic.age_note]]`: an age from 1 to 18 and a text.
fn age_note(c: &mut Check<'_, '_>, n: &RawAgeNote, item: &str) -> AgeNote {
    let below = *n.below.get_ref();
    if !(1..=18).contains(&below) {
        c.err(
            &n.below,
            item,
            "age_note.below",
            "must be an age from 1 to 18",
        );
    }
    let text = c.text(&n.text, item, "age_note.text");
    AgeNote {
        below: u8::try_from(below.clamp(1, 18)).unwrap_or(18),
        text,
    }
}

/// A `[[red_flag]]`: a level, an action, and phrases or combinations that can fire it.
fn red_flag<'a>(c: &mut Check<'a, '_>, f: &RawRedFlag, ids: &mut Ids<'a>) -> RedFlag {
    let (id, item) = c.named(&f.id, "red flag", &mut ids.red_flag);
    // An unreadable level must never lower triage.
    let level = c
        .choice(&f.level, &item, "level", &Level::ALL, Level::name)
        .unwrap_or(Level::Emergency);
    let title = c.non_empty(&f.title, &item, "title");
    let action = c.text(&f.action, &item, "action");
    let phrases = c.strings(&f.phrases, &item, "phrases");
    for p in &f.phrases {
        c.number_pattern(p, &item, "phrases");
    }
    if f.phrases.is_empty() && f.near.is_empty() {
        c.err(
            &f.id,
            &item,
            "phrases",
            "is empty and there is no [[red_flag.near]]: the flag could never fire",
        );
    }
    let near = f.near.iter().map(|n| near(c, n, &item, level)).collect();
    let avoid = f
        .avoid
        .iter()
        .map(|a| {
            ids.avoid_refs.push(c.reference(a, &item, "avoid"));
            a.get_ref().clone()
        })
        .collect();
    let sources = cited(c, &f.sources, &item, &mut ids.source_refs);
    RedFlag {
        id,
        level,
        title,
        action,
        phrases,
        near,
        avoid,
        parent: f.parent,
        sources,
    }
}

/// The widest `near` window: a standing condition ("she has sickle cell disease") is often told at the
/// start of a long story and its pain at the end.
const MAX_WITHIN: i64 = 100;

/// A red flag's `[[red_flag.near]]`: word groups within a window, and `except` words (soon flags
/// only).
fn near(c: &mut Check<'_, '_>, n: &Spanned<RawNear>, item: &str, level: Level) -> Near {
    let raw = n.get_ref();
    if raw.words.is_empty() {
        c.err(n, item, "near.words", "must list at least one word group");
    }
    let words: Vec<Vec<String>> = raw
        .words
        .iter()
        .map(|g| {
            let alts: Vec<String> = g
                .get_ref()
                .split('|')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect();
            if alts.is_empty() {
                c.err(g, item, "near.words", "has an empty word group");
            }
            c.number_pattern(g, item, "near.words");
            alts
        })
        .collect();
    let within = *raw.within.get_ref();
    if !(1..=MAX_WITHIN).contains(&within) {
        c.err(
            &raw.within,
            item,
            "near.within",
            format!("must be from 1 to {MAX_WITHIN} words"),
        );
    }
    // Issue 10: `except` words lowered urgent flags ("sore for 2 days after sitting" was
    // routine). When unsure, escalate: urgent and emergency flags narrow their patterns
    // instead.
    if level >= Level::Urgent {
        for e in &raw.except {
            c.err(
                e,
                item,
                "near.except",
                format!(
                    "is not allowed on an {level} flag (when unsure, CrampCare escalates): narrow the pattern, or list the look-alike phrase under [context] `pseudo`"
                ),
            );
        }
    }
    // Keeping a combination inside one sentence narrows it too: only soon flags may.
    let one_sentence = raw.one_sentence.as_ref().is_some_and(|s| *s.get_ref());
    if let Some(s) = raw
        .one_sentence
        .as_ref()
        .filter(|_| one_sentence && level >= Level::Urgent)
    {
        c.err(
            s,
            item,
            "near.one_sentence",
            format!("is not allowed on an {level} flag (when unsure, CrampCare escalates): signs told in two sentences still count"),
        );
    }
    Near {
        words,
        within: usize::try_from(within.clamp(1, MAX_WITHIN)).unwrap_or(1),
        except: c.strings(&raw.except, item, "near.except"),
        one_sentence,
    }
}

/// A `[lexicon]` table: stopwords, cramp words and synonyms, added to those of earlier files; a
/// variant belongs to one canonical word only.
fn lexicon(
    c: &mut Check<'_, '_>,
    lex: &RawLexicon,
    lexicon: &mut Lexicon,
    variant_owner: &mut HashMap<String, String>,
) {
    lexicon
        .stopwords
        .extend(c.strings(&lex.stopwords, "lexicon", "stopwords"));
    lexicon
        .cramp_words
        .extend(c.strings(&lex.cramp_words, "lexicon", "cramp_words"));
    for (canonical, variants) in &lex.synonyms {
        let item = format!("lexicon synonym \"{canonical}\"");
        if canonical.trim().is_empty() {
            c.err(
                variants,
                "lexicon",
                "synonyms",
                "has an empty canonical word",
            );
        }
        for v in variants.get_ref() {
            let word = v.get_ref().trim().to_lowercase();
            if word.is_empty() {
                c.err(v, &item, "synonyms", "has an empty variant");
                continue;
            }
            if let Some(other) = variant_owner.get(&word) {
                if other != canonical {
                    c.err(
                        v,
                        &item,
                        "synonyms",
                        format!("variant \"{word}\" is already a synonym of \"{other}\""),
                    );
                }
                continue;
            }
            variant_owner.insert(word.clone(), canonical.clone());
            lexicon
                .synonyms
                .entry(canonical.clone())
                .or_default()
                .push(word);
        }
    }
}

/// An `[[ask]]`: a kind, its overview topic and the question forms that say it.
fn ask<'a>(c: &mut Check<'a, '_>, a: &RawAsk, ids: &mut Ids<'a>) -> Ask {
    let (id, item) = c.named(&a.id, "ask", &mut ids.ask);
    let kind = c
        .choice(&a.kind, &item, "kind", &Kind::ALL, Kind::name)
        .unwrap_or(Kind::About);
    ids.topic_refs.push(c.reference(&a.topic, &item, "topic"));
    let forms = c.listed(&a.forms, &item, "forms", "form");
    for o in &a.outranks {
        ids.ask_refs.push(c.reference(o, &item, "outranks"));
    }
    Ask {
        id,
        kind,
        topic: a.topic.get_ref().clone(),
        forms,
        signals: c.strings(&a.signals, &item, "signals"),
        outranks: a.outranks.iter().map(|o| o.get_ref().clone()).collect(),
        reassure: a.reassure,
        cramp_in_mind: a.cramp_in_mind,
    }
}

/// A `[[subject]]`: an id and the words that name it.
fn subject<'a>(c: &mut Check<'a, '_>, s: &RawSubject, ids: &mut Ids<'a>) -> Subject {
    let (id, item) = c.named(&s.id, "subject", &mut ids.subject);
    Subject {
        id,
        words: c.listed(&s.words, &item, "words", "word"),
        situation: s.situation,
    }
}

/// A `[scope]` table: small-talk and off-topic word lists, added to those of earlier files.
fn scope(c: &mut Check<'_, '_>, sc: &RawScope, scope: &mut Scope) {
    for (list, raw, field) in [
        (&mut scope.greeting, &sc.greeting, "greeting"),
        (&mut scope.thanks, &sc.thanks, "thanks"),
        (&mut scope.small_talk, &sc.small_talk, "small_talk"),
        (&mut scope.check, &sc.check, "check"),
        (&mut scope.serious, &sc.serious, "serious"),
        (
            &mut scope.other_symptoms,
            &sc.other_symptoms,
            "other_symptoms",
        ),
        (&mut scope.requests, &sc.requests, "requests"),
        (&mut scope.adult, &sc.adult, "adult"),
        (&mut scope.child, &sc.child, "child"),
        (&mut scope.animals, &sc.animals, "animals"),
    ] {
        list.extend(c.strings(raw, "scope", field));
    }
}

/// An `[[advice]]` tag and the words of a step that give it.
fn advice<'a>(c: &mut Check<'a, '_>, a: &RawAdvice, ids: &mut Ids<'a>) -> Advice {
    let (tag, item) = c.named(&a.tag, "advice", &mut ids.advice);
    let words = c.listed(&a.words, &item, "words", "word");
    Advice::new(tag, words)
}

/// The `[context]` table: ConText's trigger lists and the real-word slips.
fn context(c: &mut Check<'_, '_>, r: &RawContext) -> Context {
    let mut list = |l: &[S<String>], field: &str| c.strings(l, "context", field);
    let mut out = Context {
        negation: list(&r.negation, "negation"),
        negation_after: list(&r.negation_after, "negation_after"),
        fine_after: list(&r.fine_after, "fine_after"),
        fine_asks: list(&r.fine_asks, "fine_asks"),
        speech: list(&r.speech, "speech"),
        speech_points: list(&r.speech_points, "speech_points"),
        uncertain_after: list(&r.uncertain_after, "uncertain_after"),
        terminators: list(&r.terminators, "terminators"),
        hypothetical: list(&r.hypothetical, "hypothetical"),
        hypothetical_lead: list(&r.hypothetical_lead, "hypothetical_lead"),
        continues: list(&r.continues, "continues"),
        openers: list(&r.openers, "openers"),
        bare_openers: list(&r.bare_openers, "bare_openers"),
        pointers: list(&r.pointers, "pointers"),
        bare_asks: list(&r.bare_asks, "bare_asks"),
        happening: list(&r.happening, "happening"),
        historical: list(&r.historical, "historical"),
        historical_after: list(&r.historical_after, "historical_after"),
        ongoing: list(&r.ongoing, "ongoing"),
        other: list(&r.other, "other"),
        writer: list(&r.writer, "writer"),
        child_writer: list(&r.child_writer, "child_writer"),
        introductions: list(&r.introductions, "introductions"),
        cared_for: list(&r.cared_for, "cared_for"),
        illness: list(&r.illness, "illness"),
        ill_writer: list(&r.ill_writer, "ill_writer"),
        ill_has: list(&r.ill_has, "ill_has"),
        child: list(&r.child, "child"),
        shared_before: list(&r.shared_before, "shared_before"),
        present: list(&r.present, "present"),
        pseudo: list(&r.pseudo, "pseudo"),
        time_alikes: list(&r.time_alikes, "time_alikes"),
        calm: list(&r.calm, "calm"),
        conditional: list(&r.conditional, "conditional"),
        general: list(&r.general, "general"),
        general_openers: list(&r.general_openers, "general_openers"),
        if_questions: list(&r.if_questions, "if_questions"),
        if_actors: list(&r.if_actors, "if_actors"),
        if_now: list(&r.if_now, "if_now"),
        adult: list(&r.adult, "adult"),
        fillers: list(&r.fillers, "fillers"),
        male: list(&r.male, "male"),
        female: list(&r.female, "female"),
        plural: list(&r.plural, "plural"),
        he: list(&r.he, "he"),
        she: list(&r.she, "she"),
        they: list(&r.they, "they"),
        possessive: list(&r.possessive, "possessive"),
        young: list(&r.young, "young"),
        kin: list(&r.kin, "kin"),
        object: list(&r.object, "object"),
        slips: Vec::new(),
    };
    for (meant, typed) in &r.slips {
        for t in typed {
            let t = c.non_empty(t, "context", "slips");
            out.slips.push((meant.clone(), t));
        }
    }
    out
}

/// A table that only one file may define (`[context]`, `[messages]`), met again.
fn once_only<T>(c: &mut Check<'_, '_>, at: &Spanned<T>, table: &str) {
    c.err(at, table, table, "is defined in more than one file");
}

/// The checks that need every file: references resolve, the required topics and `[messages]` are
/// there (when `complete`); then the knowledge base.
fn finish(
    mut g: Gathered<'_>,
    files: &[Parsed<'_>],
    errors: &mut Vec<KnowledgeError>,
    complete: bool,
    fallback: Option<&Messages>,
) -> Knowledge {
    let mut ids = g.ids;
    if !complete {
        ids.topic_refs.clear();
        ids.source_refs.clear();
        ids.subject_refs.clear();
        ids.ask_refs.clear();
    }
    dangling(errors, ids.topic_refs, &ids.topic, "topic");
    dangling(errors, ids.source_refs, &ids.source, "source");
    dangling(errors, ids.subject_refs, &ids.subject, "subject");
    dangling(errors, ids.ask_refs, &ids.ask, "ask");
    if complete {
        dangling(errors, ids.avoid_refs, &ids.advice, "advice tag");
    }
    // A bare file name ("causes.toml") has an empty parent: name the knowledge base instead.
    let folder = files
        .first()
        .and_then(|p| Path::new(p.name).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| "knowledge".to_owned(), |d| d.display().to_string());
    let folder = folder.as_str();
    for (id, used_by) in REQUIRED_TOPICS {
        if complete && !ids.topic.contains_key(*id) && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                format!("the knowledge base needs a topic \"{id}\" (used by {used_by})"),
            ));
        }
    }
    // A language without a [messages] table speaks the default language's texts.
    if let (None, Some(f)) = (&g.messages, fallback) {
        g.filled = messages_keys(f);
        g.messages = Some(f.clone());
    }
    let messages = g.messages.unwrap_or_else(|| {
        if complete && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                "no file has a [messages] table (greeting, fallback, doctor_line, ...)",
            ));
        }
        empty_messages()
    });
    let language = g.language.unwrap_or_default();
    // Where each topic and red flag is defined, for `crampcare check`'s parity report.
    let mut places = Places::new();
    for (what, map) in [("topic", &ids.topic), ("red flag", &ids.red_flag)] {
        for (id, p) in map {
            places.insert(
                (what.to_owned(), id.clone()),
                (p.name.to_owned(), line_at(p.lines, p.offset)),
            );
        }
    }
    let mut lexicon = g.lexicon;
    let mut seen = HashSet::new();
    lexicon.stopwords.retain(|w| seen.insert(w.clone()));
    Knowledge {
        topics: g.topics,
        red_flags: g.red_flags,
        sources: g.sources,
        lexicon,
        messages,
        asks: g.asks,
        subjects: g.subjects,
        scope: g.scope,
        words: builtin_words(&language.code).into(),
        language,
        filled: g.filled,
        places,
        advice: g.advice,
        context: g.context.unwrap_or_default(),
    }
}

/// A reference to an id: where it stands, the item and field it is in, and the id.
type Ref<'a> = (Place<'a>, String, &'static str, String);

/// Reports every reference to an id that no file defines, with the nearest defined id as a hint.
fn dangling(
    errors: &mut Vec<KnowledgeError>,
    refs: Vec<Ref<'_>>,
    defined: &HashMap<String, Place<'_>>,
    what: &str,
) {
    for (at, item, field, id) in refs {
        if defined.contains_key(&id) {
            continue;
        }
        errors.push(
            error_at(
                at.name,
                at.lines,
                at.offset,
                format!(
                    "names {what} \"{id}\", which does not exist{}",
                    hint(&id, defined.keys().map(String::as_str))
                ),
            )
            .item(item)
            .field(field),
        );
    }
}

/// Records where `id` is defined, or reports it as a duplicate of an earlier definition.
fn unique<'a>(
    c: &mut Check<'a, '_>,
    ids: &mut HashMap<String, Place<'a>>,
    id: &Spanned<String>,
    what: &str,
) {
    let key = id.get_ref().clone();
    if let Some(first) = ids.get(&key) {
        let line = line_at(first.lines, first.offset);
        c.err(
            id,
            &format!("{what} \"{key}\""),
            "id",
            format!("is a duplicate; first defined at {}:{line}", first.name),
        );
    } else {
        ids.insert(key, c.place(id.span().start));
    }
}

/// The `sources` of a topic or red flag: at least one, each a reference to a source.
fn cited<'a>(
    c: &mut Check<'a, '_>,
    list: &Spanned<Vec<Spanned<String>>>,
    item: &str,
    refs: &mut Vec<Ref<'a>>,
) -> Vec<String> {
    if list.get_ref().is_empty() {
        c.err(list, item, "sources", "must cite at least one source");
    }
    list.get_ref()
        .iter()
        .map(|s| {
            refs.push(c.reference(s, item, "sources"));
            s.get_ref().clone()
        })
        .collect()
}

/// Every text of `[messages]` is non-empty and holds only known placeholders; the texts
/// [`Messages`] requires are present, and no other key is.
pub(super) fn checked_messages(
    c: &mut Check<'_, '_>,
    m: &Spanned<RawMessages>,
    fallback: Option<&Messages>,
    filled: &mut Vec<String>,
) -> Option<Messages> {
    let mut table = toml::Table::new();
    for (key, value) in m.get_ref() {
        let text = c.text(value, "messages", key);
        table.insert(key.clone(), toml::Value::String(text));
    }
    // Another language's missing texts come from the default language (issue 12): the reply is
    // never left without a text, and `crampcare check` names the gap.
    if let Some(toml::Value::Table(f)) = fallback.and_then(|f| toml::Value::try_from(f).ok()) {
        for (key, value) in f {
            let empty = value.as_str().is_some_and(str::is_empty);
            if !table.contains_key(&key) && !empty {
                filled.push(key.clone());
                table.insert(key, value);
            }
        }
    }
    match Messages::deserialize(toml::Value::Table(table)) {
        Ok(messages) => Some(messages),
        Err(e) => {
            // serde names the field ("missing field `thanks`", "unknown field `thanx`"): place the
            // error at that key, or at the table for a missing one.
            let mut err = KnowledgeError::toml(c.name, "", &e).item("messages");
            let at = err
                .field
                .as_ref()
                .and_then(|f| m.get_ref().get(f))
                .map_or(m.span().start, |v| v.span().start);
            err.line = Some(line_at(c.lines, at));
            c.errors.push(err);
            None
        }
    }
}

/// The keys of a `[messages]` table.
fn messages_keys(m: &Messages) -> Vec<String> {
    match toml::Value::try_from(m) {
        Ok(toml::Value::Table(t)) => t
            .into_iter()
            .filter(|(_, v)| !v.as_str().is_some_and(str::is_empty))
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn empty_messages() -> Messages {
    Messages::default()
}
