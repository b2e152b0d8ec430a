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

impl Check<'_, '_> {
    fn err<T>(&mut self, at: &Spanned<T>, item: &str, field: &str, message: impl Into<String>) {
        self.errors.push(
            error_at(self.name, self.lines, at.span().start, message)
                .item(item)
                .field(field),
        );
    }

    /// The value of `all` whose name is `s`, or an error listing the names with a suggestion.
    fn choice<T: Copy>(
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

    fn non_empty(&mut self, s: &Spanned<String>, item: &str, field: &str) -> String {
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

    /// Checks `{n>=K}` number patterns ("for {n>=2} days") in a red-flag phrase or word group.
    fn number_pattern(&mut self, s: &Spanned<String>, item: &str, field: &str) {
        for alt in s.get_ref().split('|') {
            if !crate::engine::number::valid_number_patterns(alt) {
                self.err(
                    s,
                    item,
                    field,
                    format!(
                        "has a malformed number pattern in \"{}\"; write it as {{n>=7}} days",
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

    fn strings(&mut self, list: &[Spanned<String>], item: &str, field: &str) -> Vec<String> {
        list.iter()
            .map(|s| self.non_empty(s, item, field))
            .collect()
    }
}

/// Where an id was defined, for duplicate and reference errors.
pub(super) struct Place<'a> {
    name: &'a str,
    lines: &'a [usize],
    offset: usize,
}

pub(super) fn validate(
    files: &[Parsed<'_>],
    errors: &mut Vec<KnowledgeError>,
    complete: bool,
) -> Knowledge {
    let mut topics = Vec::new();
    let mut red_flags = Vec::new();
    let mut sources = Vec::new();
    let mut lexicon = Lexicon::default();
    let mut messages: Option<Messages> = None;
    // References are checked once every file is read: (file, line breaks, offset, item, field, id).
    let mut topic_refs: Vec<Ref> = Vec::new();
    let mut source_refs: Vec<Ref> = Vec::new();
    let mut topic_ids: HashMap<String, Place> = HashMap::new();
    let mut flag_ids: HashMap<String, Place> = HashMap::new();
    let mut source_ids: HashMap<String, Place> = HashMap::new();
    let mut variant_owner: HashMap<String, String> = HashMap::new();
    let mut asks = Vec::new();
    let mut subjects = Vec::new();
    let mut scope = Scope::default();
    let mut subject_refs: Vec<Ref> = Vec::new();
    let mut ask_refs: Vec<Ref> = Vec::new();
    let mut subject_ids: HashMap<String, Place> = HashMap::new();
    let mut ask_ids: HashMap<String, Place> = HashMap::new();
    let mut advice = Vec::new();
    let mut advice_tags: HashMap<String, Place> = HashMap::new();
    let mut avoid_refs: Vec<Ref> = Vec::new();
    let mut context: Option<Context> = None;

    for p in files {
        let mut c = Check {
            name: p.name,
            lines: p.lines,
            errors,
        };
        for s in &p.file.source {
            let id = c.id(&s.id, "source");
            let item = format!("source \"{id}\"");
            let publisher = c.non_empty(&s.publisher, &item, "publisher");
            let title = c.non_empty(&s.title, &item, "title");
            let url = c.non_empty(&s.url, &item, "url");
            if !url.starts_with("https://") && !url.starts_with("http://") {
                c.err(&s.url, &item, "url", "must start with https://");
            }
            unique(&mut c, &mut source_ids, &s.id, "source");
            sources.push(Source {
                id,
                publisher,
                title,
                url,
            });
        }
        for t in &p.file.topic {
            let id = c.id(&t.id, "topic");
            let item = format!("topic \"{id}\"");
            unique(&mut c, &mut topic_ids, &t.id, "topic");
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
            for s in &t.subjects {
                subject_refs.push((
                    place(p, s.span().start),
                    item.clone(),
                    "subjects",
                    s.get_ref().clone(),
                ));
            }
            for a in &t.asks {
                ask_refs.push((
                    place(p, a.span().start),
                    item.clone(),
                    "asks",
                    a.get_ref().clone(),
                ));
            }
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
            let steps_list = t.steps.get_ref();
            if steps_list.is_empty() {
                c.err(&t.steps, &item, "steps", "must not be empty");
            } else if steps_list.len() > MAX_STEPS {
                c.err(
                    &t.steps,
                    &item,
                    "steps",
                    format!("has {} steps; at most {MAX_STEPS}", steps_list.len()),
                );
            }
            let steps: Vec<String> = steps_list
                .iter()
                .map(|s| c.text(s, &item, "steps"))
                .collect();
            let mut related = Vec::new();
            for r in &t.related {
                if r.get_ref() == &id {
                    c.err(r, &item, "related", "must not name the topic itself");
                }
                topic_refs.push((
                    place(p, r.span().start),
                    item.clone(),
                    "related",
                    r.get_ref().clone(),
                ));
                related.push(r.get_ref().clone());
            }
            let srcs = cited(&mut c, &t.sources, &item, p, &mut source_refs);
            let mut age_notes = Vec::new();
            for n in &t.age_note {
                let below = *n.below.get_ref();
                if !(1..=18).contains(&below) {
                    c.err(
                        &n.below,
                        &item,
                        "age_note.below",
                        "must be an age from 1 to 18",
                    );
                }
                let text = c.text(&n.text, &item, "age_note.text");
                age_notes.push(AgeNote {
                    below: u8::try_from(below.clamp(1, 18)).unwrap_or(18),
                    text,
                });
            }
            topics.push(Topic {
                id,
                kind,
                title,
                phrases,
                subjects: t.subjects.iter().map(|s| s.get_ref().clone()).collect(),
                asks: t.asks.iter().map(|s| s.get_ref().clone()).collect(),
                summary,
                steps,
                related,
                sources: srcs,
                age_notes,
            });
        }
        for f in &p.file.red_flag {
            let id = c.id(&f.id, "red flag");
            let item = format!("red flag \"{id}\"");
            unique(&mut c, &mut flag_ids, &f.id, "red flag");
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
            let mut near = Vec::new();
            for n in &f.near {
                let raw = n.get_ref();
                if raw.words.is_empty() {
                    c.err(n, &item, "near.words", "must list at least one word group");
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
                            c.err(g, &item, "near.words", "has an empty word group");
                        }
                        c.number_pattern(g, &item, "near.words");
                        alts
                    })
                    .collect();
                let within = *raw.within.get_ref();
                if !(1..=40).contains(&within) {
                    c.err(
                        &raw.within,
                        &item,
                        "near.within",
                        "must be from 1 to 40 words",
                    );
                }
                // Issue 10: `except` words lowered urgent flags ("sore for 2 days after sitting" was
                // routine). When unsure, escalate: urgent and emergency flags narrow their patterns
                // instead.
                if level >= Level::Urgent {
                    for e in &raw.except {
                        c.err(
                            e,
                            &item,
                            "near.except",
                            format!(
                                "is not allowed on an {level} flag (when unsure, CrampCare escalates): narrow the pattern, or list the look-alike phrase under [context] `pseudo`"
                            ),
                        );
                    }
                }
                near.push(Near {
                    words,
                    within: usize::try_from(within.clamp(1, 40)).unwrap_or(40),
                    except: c.strings(&raw.except, &item, "near.except"),
                });
            }
            let avoid = f
                .avoid
                .iter()
                .map(|a| {
                    avoid_refs.push((
                        place(p, a.span().start),
                        item.clone(),
                        "avoid",
                        a.get_ref().clone(),
                    ));
                    a.get_ref().clone()
                })
                .collect();
            let srcs = cited(&mut c, &f.sources, &item, p, &mut source_refs);
            red_flags.push(RedFlag {
                id,
                level,
                title,
                action,
                phrases,
                near,
                avoid,
                parent: f.parent,
                sources: srcs,
            });
        }
        if let Some(lex) = &p.file.lexicon {
            let lex = lex.get_ref();
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
        for a in &p.file.ask {
            let id = c.id(&a.id, "ask");
            let item = format!("ask \"{id}\"");
            unique(&mut c, &mut ask_ids, &a.id, "ask");
            let kind = c
                .choice(&a.kind, &item, "kind", &Kind::ALL, Kind::name)
                .unwrap_or(Kind::About);
            topic_refs.push((
                place(p, a.topic.span().start),
                item.clone(),
                "topic",
                a.topic.get_ref().clone(),
            ));
            if a.forms.get_ref().is_empty() {
                c.err(&a.forms, &item, "forms", "must list at least one form");
            }
            asks.push(Ask {
                id,
                kind,
                topic: a.topic.get_ref().clone(),
                forms: c.strings(a.forms.get_ref(), &item, "forms"),
                signals: c.strings(&a.signals, &item, "signals"),
            });
        }
        for s in &p.file.subject {
            let id = c.id(&s.id, "subject");
            let item = format!("subject \"{id}\"");
            unique(&mut c, &mut subject_ids, &s.id, "subject");
            if s.words.get_ref().is_empty() {
                c.err(&s.words, &item, "words", "must list at least one word");
            }
            subjects.push(Subject {
                id,
                words: c.strings(s.words.get_ref(), &item, "words"),
            });
        }
        if let Some(sc) = &p.file.scope {
            let sc = sc.get_ref();
            for (list, raw, field) in [
                (&mut scope.greeting, &sc.greeting, "greeting"),
                (&mut scope.thanks, &sc.thanks, "thanks"),
                (&mut scope.small_talk, &sc.small_talk, "small_talk"),
                (&mut scope.check, &sc.check, "check"),
                (
                    &mut scope.other_symptoms,
                    &sc.other_symptoms,
                    "other_symptoms",
                ),
                (&mut scope.adult, &sc.adult, "adult"),
                (&mut scope.child, &sc.child, "child"),
            ] {
                list.extend(c.strings(raw, "scope", field));
            }
        }
        for a in &p.file.advice {
            let tag = c.id(&a.tag, "advice");
            let item = format!("advice \"{tag}\"");
            unique(&mut c, &mut advice_tags, &a.tag, "advice");
            if a.words.get_ref().is_empty() {
                c.err(&a.words, &item, "words", "must list at least one word");
            }
            let words = c.strings(a.words.get_ref(), &item, "words");
            advice.push(Advice { tag, words });
        }
        if let Some(ctx) = &p.file.context {
            if context.is_some() {
                c.err(
                    ctx,
                    "context",
                    "context",
                    "is defined in more than one file",
                );
            } else {
                let r = ctx.get_ref();
                let mut list = |l: &[S<String>], field: &str| c.strings(l, "context", field);
                let mut out = Context {
                    negation: list(&r.negation, "negation"),
                    negation_after: list(&r.negation_after, "negation_after"),
                    uncertain_after: list(&r.uncertain_after, "uncertain_after"),
                    terminators: list(&r.terminators, "terminators"),
                    hypothetical: list(&r.hypothetical, "hypothetical"),
                    continues: list(&r.continues, "continues"),
                    openers: list(&r.openers, "openers"),
                    happening: list(&r.happening, "happening"),
                    historical: list(&r.historical, "historical"),
                    historical_after: list(&r.historical_after, "historical_after"),
                    other: list(&r.other, "other"),
                    child: list(&r.child, "child"),
                    shared_before: list(&r.shared_before, "shared_before"),
                    present: list(&r.present, "present"),
                    pseudo: list(&r.pseudo, "pseudo"),
                    slips: Vec::new(),
                };
                for (meant, typed) in &r.slips {
                    for t in typed {
                        let t = c.non_empty(t, "context", "slips");
                        out.slips.push((meant.clone(), t));
                    }
                }
                context = Some(out);
            }
        }
        if let Some(m) = &p.file.messages {
            if messages.is_some() {
                c.err(
                    m,
                    "messages",
                    "messages",
                    "is defined in more than one file",
                );
            } else {
                // A table with a missing or unknown text is reported; the empty stand-in keeps
                // the "no [messages] table" error from firing on top.
                messages = Some(checked_messages(&mut c, m).unwrap_or_else(empty_messages));
            }
        }
    }

    if !complete {
        topic_refs.clear();
        source_refs.clear();
        subject_refs.clear();
        ask_refs.clear();
    }
    dangling(errors, topic_refs, &topic_ids, "topic");
    dangling(errors, source_refs, &source_ids, "source");
    dangling(errors, subject_refs, &subject_ids, "subject");
    dangling(errors, ask_refs, &ask_ids, "ask");
    if complete {
        dangling(errors, avoid_refs, &advice_tags, "advice tag");
    }
    // A bare file name ("causes.toml") has an empty parent: name the knowledge base instead.
    let folder = files
        .first()
        .and_then(|p| Path::new(p.name).parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| "knowledge".to_owned(), |d| d.display().to_string());
    let folder = folder.as_str();
    for (id, used_by) in REQUIRED_TOPICS {
        if complete && !topic_ids.contains_key(*id) && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                format!("the knowledge base needs a topic \"{id}\" (used by {used_by})"),
            ));
        }
    }
    let messages = messages.unwrap_or_else(|| {
        if complete && !files.is_empty() {
            errors.push(KnowledgeError::file(
                folder,
                "no file has a [messages] table (greeting, fallback, doctor_line, ...)",
            ));
        }
        empty_messages()
    });
    let mut seen = HashSet::new();
    lexicon.stopwords.retain(|w| seen.insert(w.clone()));
    Knowledge {
        topics,
        red_flags,
        sources,
        lexicon,
        messages,
        asks,
        subjects,
        scope,
        words: BUILTIN_WORDS.into(),
        advice,
        context: context.unwrap_or_default(),
    }
}

/// A reference to an id: where it stands, the item and field it is in, and the id.
type Ref<'a> = (Place<'a>, String, &'static str, String);

/// Reports every reference to an id that no file defines, with the nearest defined id as a hint.
pub(super) fn dangling(
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

pub(super) fn place<'a>(p: &Parsed<'a>, offset: usize) -> Place<'a> {
    Place {
        name: p.name,
        lines: p.lines,
        offset,
    }
}

pub(super) fn unique<'a>(
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
        ids.insert(
            key,
            Place {
                name: c.name,
                lines: c.lines,
                offset: id.span().start,
            },
        );
    }
}

pub(super) fn cited<'a>(
    c: &mut Check<'a, '_>,
    list: &Spanned<Vec<Spanned<String>>>,
    item: &str,
    p: &Parsed<'a>,
    refs: &mut Vec<Ref<'a>>,
) -> Vec<String> {
    if list.get_ref().is_empty() {
        c.err(list, item, "sources", "must cite at least one source");
    }
    list.get_ref()
        .iter()
        .map(|s| {
            refs.push((
                place(p, s.span().start),
                item.to_owned(),
                "sources",
                s.get_ref().clone(),
            ));
            s.get_ref().clone()
        })
        .collect()
}

/// Every text of `[messages]` is non-empty and holds only known placeholders; the texts
/// [`Messages`] requires are present, and no other key is.
pub(super) fn checked_messages(
    c: &mut Check<'_, '_>,
    m: &Spanned<RawMessages>,
) -> Option<Messages> {
    let mut table = toml::Table::new();
    for (key, value) in m.get_ref() {
        let text = c.text(value, "messages", key);
        table.insert(key.clone(), toml::Value::String(text));
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

pub(super) fn empty_messages() -> Messages {
    Messages {
        greeting: String::new(),
        thanks: String::new(),
        fallback: String::new(),
        no_words: String::new(),
        opening: String::new(),
        doctor_line: String::new(),
        doctor_line_practice: String::new(),
        emergency: String::new(),
        urgent: String::new(),
        soon: String::new(),
        soon_opening: String::new(),
        other_symptom: String::new(),
        adult: String::new(),
        not_recognised: String::new(),
        also: String::new(),
        menu_relief: String::new(),
        menu_why: String::new(),
        menu_foods: String::new(),
        check_label: String::new(),
        doctor_label: String::new(),
        yes: String::new(),
        no: String::new(),
        home_care: String::new(),
        sources_label: String::new(),
        sources_heading: String::new(),
        unwell_line: String::new(),
        emergency_close: String::new(),
        hypothetical_opening: String::new(),
        while_you_wait: String::new(),
        meanwhile: String::new(),
        emergency_practice: String::new(),
        if_emergency: String::new(),
        if_urgent: String::new(),
        if_soon: String::new(),
        late: String::new(),
    }
}
