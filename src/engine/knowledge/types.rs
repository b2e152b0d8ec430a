//! The checked knowledge base's types: what the engine reads after loading.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What a topic is about; buttons and follow-ups are grouped by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Why cramps happen.
    Cause,
    /// What to do during or after a cramp.
    Relief,
    /// Foods and drinks.
    Food,
    /// Keeping cramps away.
    Prevention,
    /// When to see a doctor.
    Doctor,
    /// What CrampCare is.
    About,
}

impl Kind {
    /// Every kind, in the order summaries list them.
    pub const ALL: [Kind; 6] = [
        Kind::Cause,
        Kind::Relief,
        Kind::Food,
        Kind::Prevention,
        Kind::Doctor,
        Kind::About,
    ];

    /// The name used in TOML and JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Cause => "cause",
            Kind::Relief => "relief",
            Kind::Food => "food",
            Kind::Prevention => "prevention",
            Kind::Doctor => "doctor",
            Kind::About => "about",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// How soon a child should be seen, from the pediatric leg-pain triage dispositions
/// (`shared/CONTENT.md`, "Triage levels"). Ordered: a higher level wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Home care, with the standard see-a-doctor line.
    #[default]
    Routine,
    /// Call within 24 hours or book a visit.
    Soon,
    /// Call the doctor now, day or night.
    Urgent,
    /// Call the emergency number now.
    Emergency,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [Level::Routine, Level::Soon, Level::Urgent, Level::Emergency];

    /// The name used in TOML, JSON and the eval set.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Routine => "routine",
            Level::Soon => "soon",
            Level::Urgent => "urgent",
            Level::Emergency => "emergency",
        }
    }

    /// Parses a level name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A note shown only for young children (or when the message gives no age).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeNote {
    /// Shown when the child is younger than this many years.
    pub below: u8,
    /// The note.
    pub text: String,
}

/// One topic: a cause, a relief tip, a food, a prevention habit, a doctor guide or the about page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// Stable id, used in buttons and deep links.
    pub id: String,
    /// What the topic is about.
    pub kind: Kind,
    /// Short heading.
    pub title: String,
    /// What parents type for it, beyond its subjects' words.
    pub phrases: Vec<String>,
    /// Ids of the [`Subject`]s it covers.
    pub subjects: Vec<String>,
    /// Ids of the [`Ask`]s it answers besides the one of its kind ("Drinks that help" answers
    /// "what should he drink" too).
    pub asks: Vec<String>,
    /// One or two sentences.
    pub summary: String,
    /// Ordered step-by-step guidance.
    pub steps: Vec<String>,
    /// Follow-up topic ids.
    pub related: Vec<String>,
    /// Source ids.
    pub sources: Vec<String>,
    /// Notes for young children.
    pub age_notes: Vec<AgeNote>,
}

/// A reputable source that topics and red flags cite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Stable id.
    pub id: String,
    /// Who published it (NHS, AAP, ...).
    pub publisher: String,
    /// Its title.
    pub title: String,
    /// Where to read it.
    pub url: String,
}

/// Words that together signal a red flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Near {
    /// Every group must occur; each group lists alternatives (phrases of one or more words).
    pub words: Vec<Vec<String>>,
    /// All groups within this many words.
    pub within: usize,
    /// None of these may occur in the window.
    pub except: Vec<String>,
    /// Every group in the finding's sentence (soon flags only): "she plays tennis three times a
    /// week. He's had a few cramps" counts no cramps a week.
    pub one_sentence: bool,
}

/// A sign that needs a doctor (or the emergency number) rather than home care.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlag {
    /// Stable id.
    pub id: String,
    /// How soon.
    pub level: Level,
    /// Short name shown in the reply.
    pub title: String,
    /// What to do, with `{emergency}` and `{doctor}` placeholders.
    pub action: String,
    /// Exact phrases.
    pub phrases: Vec<String>,
    /// Word combinations.
    pub near: Vec<Near>,
    /// Advice tags (see [`Advice`]) this flag rules out: a reply carrying the flag leaves out every
    /// topic step with one of these tags ("do not rub a swollen calf").
    pub avoid: Vec<String>,
    /// The sign is the parent's own alarm ("I'm scared"): the someone-else context does not cancel it.
    pub parent: bool,
    /// Source ids.
    pub sources: Vec<String>,
}

/// A kind of question parents ask: what to do now, why, what to eat, how to prevent, is it serious,
/// about the bot. Its forms are how the question is put; its subject comes from elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ask {
    /// Stable id ("now", "why", ...).
    pub id: String,
    /// Topics of this kind answer it.
    pub kind: Kind,
    /// The topic that answers it when no subject is recognised.
    pub topic: String,
    /// How the question is put ("what do i do", "is it because"); `*` stands for up to four
    /// words ("what should * eat").
    pub forms: Vec<String>,
    /// Weaker hints ("help", "right now"), counted only when no form of any ask is present.
    pub signals: Vec<String>,
    /// Asks this one takes the place of when their forms stand in the same clause: "what can she
    /// do to stop it happening" asks how to prevent, not what to do now.
    pub outranks: Vec<String>,
    /// When no topic of its kind has evidence, the best topic by evidence answers first and the
    /// overview follows: "his legs ache after the tournament, should I worry?" is answered with what
    /// is normal after hard play, then when to see a doctor.
    pub reassure: bool,
    /// Its question holds a cramp in mind, so a situation's words alone choose its topic ("is it
    /// from sitting at the computer all day?" asks why the cramps come); see
    /// [`Subject::situation`].
    pub cramp_in_mind: bool,
}

/// Something a question can be about (the calf, the night, sport, a food), with the words that name
/// it. Topics list the subjects they cover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// Stable id.
    pub id: String,
    /// Words and phrases that name it.
    pub words: Vec<String>,
    /// A situation (night, sport, sitting still), not a muscle, a food or a care: in a message that
    /// names no cramp, muscle or limb, its words alone are no evidence of a topic. "How do I get my toddler to sleep through the night" is not about
    /// night cramps; "calf cramps at night" is.
    pub situation: bool,
}

/// What is and is not CrampCare's to answer: small talk, other symptoms, adults' own cramps.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Scope {
    /// A message of only these words is a greeting.
    pub greeting: Vec<String>,
    /// Words that thank.
    pub thanks: Vec<String>,
    /// Words of small talk that go with a greeting or thanks ("ok", "great", "that helped").
    pub small_talk: Vec<String>,
    /// A message of only these words, with one of `serious`, starts the guided check.
    pub check: Vec<String>,
    /// The words that ask for the guided check ("serious", "grave").
    pub serious: Vec<String>,
    /// Other symptoms (cough, rash): without cramp words, a short "ask your doctor" answer.
    pub other_symptoms: Vec<String>,
    /// Tasks CrampCare does not do ("remind me", "write a note", "a good pediatrician near"): without
    /// other cramp words, the fallback reply.
    pub requests: Vec<String>,
    /// Words of an adult writing about their own body ("i get", "pregnant").
    pub adult: Vec<String>,
    /// Words that put a child in the message ("son", "she", "kid").
    pub child: Vec<String>,
    /// Animals: a message about a pet is no question about a child ("our dog is limping").
    pub animals: Vec<String>,
}

/// A kind of advice that topic steps give, known by the words that give it: the tag `massage` covers
/// every step with "rub" or "massage". Red flags rule advice out by tag ([`RedFlag::avoid`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    /// The tag.
    pub tag: String,
    /// Words or phrases of a step that give this advice (matched on whole words, case-insensitive).
    pub words: Vec<String>,
    /// `words` as [`plain_words`], padded with a space each side (" foam roller "), built once:
    /// every step of a flagged reply is checked against them.
    #[serde(skip)]
    pub padded: Vec<String>,
}

impl Advice {
    /// The advice `tag`, given by `words`.
    #[must_use]
    pub fn new(tag: String, words: Vec<String>) -> Advice {
        let padded = words
            .iter()
            .map(|w| format!(" {} ", plain_words(w)))
            .collect();
        Advice { tag, words, padded }
    }
}

/// Lower case, apostrophes kept, everything else but letters and digits a space, single-spaced: how
/// advice words and topic steps are compared.
#[must_use]
pub fn plain_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    // One pass, one space between words: each step of a flagged reply goes through here.
    for c in text.to_lowercase().chars() {
        if c.is_alphanumeric() || c == '\'' {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Trigger words that put a red-flag finding in context, in the manner of ConText (Harkema et al.,
/// 2009): negated, hypothetical, historical, or about someone other than the child.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Context {
    /// Negate the finding that follows ("no", "without", "nothing").
    pub negation: Vec<String>,
    /// Negate the finding just before ("fever free", "swelling none").
    pub negation_after: Vec<String>,
    /// Negate the red-flag finding just before, and no topic word ("jaw's fine"; "drinking fine" still
    /// asks about drinking).
    pub fine_after: Vec<String>,
    /// After a `fine_after` trigger, make it a question whether something is all right, which
    /// negates nothing ("swollen knee fine to ice?").
    pub fine_asks: Vec<String>,
    /// Telling what one saw or heard ("says", "told me"): right after a someone-else trigger, with a
    /// `speech_points` word after it ("her mom says the redness has spread"), the sign told is not
    /// the speaker's.
    pub speech: Vec<String>,
    /// Words after a `speech` word that point at a thing or person already known ("the", "his").
    pub speech_points: Vec<String>,
    /// After a negation trigger, make it uncertainty, not negation ("not sure").
    pub uncertain_after: Vec<String>,
    /// End a negation scope ("but", "though").
    pub terminators: Vec<String>,
    /// Make the rest of the clause hypothetical ("what if", "should I worry if").
    pub hypothetical: Vec<String>,
    /// Words that, as a clause of their own, make the rest of their sentence a question about a sign
    /// ("hypothetically, ...").
    pub hypothetical_lead: Vec<String>,
    /// A clause opening with one of these continues a hypothetical scope ("..., like a swollen calf").
    pub continues: Vec<String>,
    /// Hypothetical triggers at the start of a clause only ("Is a swollen calf ...").
    pub openers: Vec<String>,
    /// At the start of a clause and right before a sign, with a [`Context::bare_asks`] judgement in
    /// the clause, these ask about the sign in general ("would cola-coloured urine after a game be
    /// an emergency?"), unless what stands before the judgement points at something of the child's
    /// (a word for the child, a `speech_points` word, or a `pointers` word: "would swelling like
    /// this be serious?").
    pub bare_openers: Vec<String>,
    /// Words that point at a sign seen ("this", "like this"): see [`Context::bare_openers`].
    pub pointers: Vec<String>,
    /// What a [`Context::bare_openers`] clause must ask to be a question ("be an emergency",
    /// "mean"): "she would barely talk" tells what she did.
    pub bare_asks: Vec<String>,
    /// In a later clause, these say a sign asked about before is happening ("he is, right now").
    pub happening: Vec<String>,
    /// Make the rest of the clause historical ("two years ago", "history of").
    pub historical: Vec<String>,
    /// Make the clause before them historical ("years ago", "fine since").
    pub historical_after: Vec<String>,
    /// Later in a `historical_after` trigger's clause, these say the sign goes on ("swollen last
    /// summer and never went away"): the clause before is no history.
    pub ongoing: Vec<String>,
    /// Make the rest of the clause about someone else ("my sister", "I'm").
    pub other: Vec<String>,
    /// The writer's own body or experience ("my feet", "I nearly fainted"): someone else, as `other`,
    /// unless the writer says they are the child (`child_writer`).
    pub writer: Vec<String>,
    /// The writer saying they are the child ("teen here", "I'm 15"): their own signs count.
    pub child_writer: Vec<String>,
    /// Right after a someone-else trigger, these make it the writer introducing themselves ("Coach
    /// here - one of my players is ..."): no trigger.
    pub introductions: Vec<String>,
    /// Young relatives a writer may be looking after ("nephew", "niece"): with a child's age right
    /// after ("my nephew (12)"), the person is a child in the writer's care, and their signs count.
    pub cared_for: Vec<String>,
    /// Names of an illness ("norovirus", "asthma"): someone else's clause that names one passes the
    /// person on to a clause of signs after it ("my husband has norovirus, vomiting all night").
    pub illness: Vec<String>,
    /// The writer telling of an illness of their own when an `illness` word follows in the clause
    /// ("I have asthma", "I had the flu"): a someone-else trigger.
    pub ill_writer: Vec<String>,
    /// Having an illness ("has", "with"): before an `illness` word, it lets someone else's clause
    /// pass the person on ("my husband has norovirus"; not "my mum thinks it's a virus").
    pub ill_has: Vec<String>,
    /// End a someone-else scope: words for the child ("he", "my son").
    pub child: Vec<String>,
    /// Just before a someone-else trigger, make the sign shared with the child ("my son and his
    /// friend").
    pub shared_before: Vec<String>,
    /// End a hypothetical or historical scope: the sign is happening now ("now", "still").
    pub present: Vec<String>,
    /// Phrases that look like a finding but are not one ("dark yellow", "seizure medicine").
    pub pseudo: Vec<String>,
    /// Phrases holding a time span that is no span of a sign ("the match is in 3 days", "runs around
    /// all day"): no finding and no qualifier starts inside them.
    pub time_alikes: Vec<String>,
    /// The child is well now ("he's fine now", "just curious"): a `conditional` clause in such a
    /// message asks about a sign, it does not report one.
    pub calm: Vec<String>,
    /// Conditional words ("if") that [`Context::calm`] makes hypothetical.
    pub conditional: Vec<String>,
    /// The writer says the question is a general one ("just curious", "nobody is sick"): a question
    /// opening with a `general_openers` word and naming nobody asks about its signs in general.
    pub general: Vec<String>,
    /// Words that open a general question ("is", "why", "when").
    pub general_openers: Vec<String>,
    /// Questions about what a sign would mean or need ("would that be", "would I need"): after an
    /// `if` clause that tells a sign, in its sentence, they make that clause ask about the sign.
    /// Alone they are no trigger: "would it be ok to rub his swollen calf" reports the swelling.
    pub if_questions: Vec<String>,
    /// Words for someone who may act in an `if` clause before the child does ("if *I* touch his calf
    /// he screams"): a subject pronoun after one answers the "if", and the clause reports.
    pub if_actors: Vec<String>,
    /// Words for now inside an `if` clause ("if he can't walk right now, should I call?"): the sign
    /// is happening, and the clause reports it.
    pub if_now: Vec<String>,
    /// An adult's age told right after a someone-else trigger ("my dad is 78", "my dad (72)"): that
    /// person is not the child, so their pronouns go on with them ("... and last week he fell").
    pub adult: Vec<String>,
    /// Words that may stand inside a red-flag phrase ("his legs *just* won't hold him").
    pub fillers: Vec<String>,
    /// Words for a male person, a female one, and several: a pronoun that agrees with the person of a
    /// someone-else scope goes on with that person ("my brother broke his leg, he cried").
    pub male: Vec<String>,
    /// Pronouns for a male person ("he", "his"), a female one, several.
    pub he: Vec<String>,
    /// See [`Context::he`].
    pub she: Vec<String>,
    /// See [`Context::he`].
    pub they: Vec<String>,
    /// The pronouns of [`Context::he`] and the others that go on with the person in their own
    /// clause ("his", "her"); a subject pronoun ("he") may be the child.
    pub possessive: Vec<String>,
    /// Words for a child of either sex ("kid", "toddler"): right after a someone-else trigger, that
    /// person's child ("my sister's toddler").
    pub young: Vec<String>,
    /// Describing words that may stand between a someone-else trigger and that person's child ("my
    /// friend's *little* girl").
    pub kin: Vec<String>,
    /// See [`Context::male`].
    pub female: Vec<String>,
    /// See [`Context::male`].
    pub plural: Vec<String>,
    /// Pronouns as objects ("him", "her in"): never the subject of a someone-else scope ("my
    /// brother kicked him").
    pub object: Vec<String>,
    /// Real words typed for another in red-flag phrases: (meant, typed), as "weak" and "week".
    pub slips: Vec<(String, String)>,
}

/// Synonyms, stopwords and words never to correct.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Lexicon {
    /// Words that carry no meaning for matching.
    pub stopwords: Vec<String>,
    /// Words that show a message is about cramps ("cramp", "calf", "muscle"): such a message never
    /// gets the off-topic fallback, and gets the `relief-now` topic when nothing more specific
    /// matches.
    pub cramp_words: Vec<String>,
    /// Canonical word or phrase -> what parents write instead.
    pub synonyms: BTreeMap<String, Vec<String>>,
}

/// The fixed texts of replies.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// Answer to "hi".
    pub greeting: String,
    /// Answer to "thanks".
    pub thanks: String,
    /// When no topic matches well enough.
    pub fallback: String,
    /// When the message has no words.
    pub no_words: String,
    /// When the message is in a language CrampCare does not read: which languages it reads.
    #[serde(default)]
    pub other_language: String,
    /// Opening line of an ordinary answer.
    pub opening: String,
    /// The see-a-doctor line, without a practice.
    pub doctor_line: String,
    /// The see-a-doctor line with a practice's `{practice}` and `{phone}`.
    pub doctor_line_practice: String,
    /// First line of an emergency reply.
    pub emergency: String,
    /// First line of an urgent reply.
    pub urgent: String,
    /// The call-or-book line of a "soon" reply.
    pub soon: String,
    /// Acknowledgement before the soon line.
    pub soon_opening: String,
    /// A question about another symptom (a cough, a rash): CrampCare knows muscle cramps.
    pub other_symptom: String,
    /// An adult asking about their own cramps, or about pregnancy: CrampCare is about children.
    pub adult: String,
    /// The ask was clear but its subject was not: `{words}` names what was not recognised.
    pub not_recognised: String,
    /// The button of a further topic under a routine reply: `{title}` is the topic's title.
    pub also: String,
    /// The menu's buttons: relief now, why it happens, foods that help.
    pub menu_relief: String,
    /// See [`Messages::menu_relief`].
    pub menu_why: String,
    /// See [`Messages::menu_relief`].
    pub menu_foods: String,
    /// The guided check's button.
    pub check_label: String,
    /// The doctor guide's button under flagged replies.
    pub doctor_label: String,
    /// The answers of the guided check's questions.
    pub yes: String,
    /// See [`Messages::yes`].
    pub no: String,
    /// The guided check's routine outcome, before the relief topic.
    pub home_care: String,
    /// The button (and the word typed in `chat`) that lists a topic's sources.
    pub sources_label: String,
    /// The heading of a topic's sources: `{title}` is the topic's title.
    pub sources_heading: String,
    /// The line every fallback and the worried reply carry ("If your child seems very unwell, call
    /// {emergency} now.").
    #[serde(default)]
    pub unwell_line: String,
    /// The closing line of an emergency reply, instead of the see-a-doctor line.
    #[serde(default)]
    pub emergency_close: String,
    /// Opening of an answer about signs asked about, not seen ("what if ...").
    #[serde(default)]
    pub hypothetical_opening: String,
    /// Leads the actions of an emergency reply ("While you wait:").
    #[serde(default)]
    pub while_you_wait: String,
    /// Leads the actions of an urgent reply ("Meanwhile:").
    #[serde(default)]
    pub meanwhile: String,
    /// The practice line of an emergency reply, when a practice is set ("Then let {doctor} know.").
    #[serde(default)]
    pub emergency_practice: String,
    /// What to do if an emergency sign asked about appears ("If this happens, call {emergency} now.").
    #[serde(default)]
    pub if_emergency: String,
    /// The same for an urgent sign.
    #[serde(default)]
    pub if_urgent: String,
    /// The same for a soon sign.
    #[serde(default)]
    pub if_soon: String,
    /// The first line of a reply that comes late (the Telegram adapter's; issue 14).
    #[serde(default)]
    pub late: String,
    /// Who to call without a practice ("your child's doctor").
    #[serde(default)]
    pub doctor_plain: String,
    /// Who to call: the practice (`{practice}`) and its phone.
    #[serde(default)]
    pub doctor_phone: String,
    /// The same with the after-hours line (`{after_hours}`).
    #[serde(default)]
    pub doctor_phones: String,
    /// The same with the after-hours line only.
    #[serde(default)]
    pub doctor_after_hours: String,
    /// The label of an age note under a topic.
    #[serde(default)]
    pub note_label: String,
    /// Question 1 of the guided check.
    #[serde(default)]
    pub check_q1: String,
    /// The reason shown after a "yes" to question 1.
    #[serde(default)]
    pub check_a1: String,
    /// Question 2 of the guided check.
    #[serde(default)]
    pub check_q2: String,
    /// The reason shown after a "yes" to question 2.
    #[serde(default)]
    pub check_a2: String,
    /// Question 3 of the guided check.
    #[serde(default)]
    pub check_q3: String,
    /// The reason shown after a "yes" to question 3.
    #[serde(default)]
    pub check_a3: String,
    /// Question 4 of the guided check.
    #[serde(default)]
    pub check_q4: String,
    /// The reason shown after a "yes" to question 4.
    #[serde(default)]
    pub check_a4: String,
    /// Question 5 of the guided check.
    #[serde(default)]
    pub check_q5: String,
    /// The reason shown after a "yes" to question 5.
    #[serde(default)]
    pub check_a5: String,
    /// Question 6 of the guided check.
    #[serde(default)]
    pub check_q6: String,
    /// The reason shown after a "yes" to question 6.
    #[serde(default)]
    pub check_a6: String,
    /// Said, with the menu, to a sticker, photo, voice note or location.
    #[serde(default)]
    pub not_text: String,
    /// Said, with the menu, when a button's data is stale or unknown.
    #[serde(default)]
    pub expired: String,
    /// Said once to a chat that sends more than its flood limit.
    #[serde(default)]
    pub slow_down: String,
    /// Shown on a button pressed while its chat is over the flood limit.
    #[serde(default)]
    pub slow_down_notice: String,
    /// Said to `/ask` without a question.
    #[serde(default)]
    pub ask_hint: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_practice: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_phone: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_after_hours: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_website: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_no_practice: String,
    /// A line of `/about` about the practice.
    #[serde(default)]
    pub about_emergency: String,
    /// The first line of `/help`.
    #[serde(default)]
    pub help_heading: String,
    /// The description of `/start` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_start: String,
    /// The description of `/help` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_help: String,
    /// The description of `/ask` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_ask: String,
    /// The description of `/relief` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_relief: String,
    /// The description of `/causes` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_causes: String,
    /// The description of `/foods` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_foods: String,
    /// The description of `/serious` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_serious: String,
    /// The description of `/doctor` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_doctor: String,
    /// The description of `/about` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_about: String,
    /// The description of `/language` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_language: String,
    /// The description of `/subscribe` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_subscribe: String,
    /// The description of `/unsubscribe` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_unsubscribe: String,
    /// The description of `/stop` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_stop: String,
    /// The description of `/forget` in the Telegram menu and `/help`.
    #[serde(default)]
    pub command_forget: String,
    /// The question of `/language`, over one button per language.
    #[serde(default)]
    pub language_prompt: String,
    /// Said in the new language once a chat chose it.
    #[serde(default)]
    pub language_set: String,
    /// The practice's name when none is set, in tips and consent.
    #[serde(default)]
    pub practice_plain: String,
    /// Asked by `/subscribe`, with the consent buttons.
    #[serde(default)]
    pub consent: String,
    /// A text of the Telegram adapter (`consent_yes`).
    #[serde(default)]
    pub consent_yes: String,
    /// A text of the Telegram adapter (`consent_no`).
    #[serde(default)]
    pub consent_no: String,
    /// A text of the Telegram adapter (`subscribed`).
    #[serde(default)]
    pub subscribed: String,
    /// A text of the Telegram adapter (`declined`).
    #[serde(default)]
    pub declined: String,
    /// A text of the Telegram adapter (`unsubscribed`).
    #[serde(default)]
    pub unsubscribed: String,
    /// A text of the Telegram adapter (`not_subscribed`).
    #[serde(default)]
    pub not_subscribed: String,
    /// Said by `/forget`; `{n}` is the number of records deleted.
    #[serde(default)]
    pub forgotten: String,
    /// A text of the Telegram adapter (`admins_only`).
    #[serde(default)]
    pub admins_only: String,
    /// A text of the Telegram adapter (`store_failed`).
    #[serde(default)]
    pub store_failed: String,
    /// A text of the Telegram adapter (`tip_from`).
    #[serde(default)]
    pub tip_from: String,
    /// A text of the Telegram adapter (`tip_footer`).
    #[serde(default)]
    pub tip_footer: String,
    /// A text of the Telegram adapter (`read_more`).
    #[serde(default)]
    pub read_more: String,
    /// A text of the Telegram adapter (`broadcast_hint`).
    #[serde(default)]
    pub broadcast_hint: String,
    /// A text of the Telegram adapter (`too_long`).
    #[serde(default)]
    pub too_long: String,
    /// A broadcast's preview heading; `{n}` is the number of subscribed chats.
    #[serde(default)]
    pub preview: String,
    /// A text of the Telegram adapter (`send`).
    #[serde(default)]
    pub send: String,
    /// A text of the Telegram adapter (`cancel`).
    #[serde(default)]
    pub cancel: String,
    /// Said when a broadcast is queued; `{n}` is the number of chats.
    #[serde(default)]
    pub queued: String,
    /// A text of the Telegram adapter (`already_done`).
    #[serde(default)]
    pub already_done: String,
    /// A text of the Telegram adapter (`cancelled`).
    #[serde(default)]
    pub cancelled: String,
    /// A text of the Telegram adapter (`staff_only`).
    #[serde(default)]
    pub staff_only: String,
    /// The first line of `/report`.
    #[serde(default)]
    pub report_heading: String,
    /// The first line of `crampcare chat`.
    #[serde(default)]
    pub chat_intro: String,
    /// The words that end `crampcare chat`, separated by spaces.
    #[serde(default)]
    pub quit_words: String,
    /// The last line of `crampcare chat`.
    #[serde(default)]
    pub goodbye: String,
}

impl Context {
    /// Every trigger word, for the vocabulary (so the spelling corrector leaves them alone).
    #[must_use]
    pub fn words(&self) -> Vec<&str> {
        [
            &self.negation,
            &self.negation_after,
            &self.fine_after,
            &self.fine_asks,
            &self.speech,
            &self.speech_points,
            &self.uncertain_after,
            &self.terminators,
            &self.hypothetical,
            &self.hypothetical_lead,
            &self.continues,
            &self.openers,
            &self.bare_openers,
            &self.pointers,
            &self.bare_asks,
            &self.happening,
            &self.historical,
            &self.historical_after,
            &self.ongoing,
            &self.other,
            &self.writer,
            &self.child_writer,
            &self.introductions,
            &self.cared_for,
            &self.illness,
            &self.ill_writer,
            &self.ill_has,
            &self.child,
            &self.shared_before,
            &self.present,
            &self.pseudo,
            &self.time_alikes,
            &self.calm,
            &self.conditional,
            &self.general,
            &self.general_openers,
            &self.if_questions,
            &self.if_actors,
            &self.if_now,
            &self.adult,
            &self.fillers,
            &self.male,
            &self.female,
            &self.plural,
            &self.he,
            &self.she,
            &self.they,
            &self.possessive,
            &self.young,
            &self.kin,
            &self.object,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(
            self.slips
                .iter()
                .flat_map(|(m, t)| [m.as_str(), t.as_str()]),
        )
        .collect()
    }
}

impl Messages {
    /// Question `n` (from 1) of the guided check and the reason shown after a "yes"; empty texts
    /// for a number the check does not have.
    #[must_use]
    pub fn check(&self, n: usize) -> (&str, &str) {
        let (q, a) = match n {
            1 => (&self.check_q1, &self.check_a1),
            2 => (&self.check_q2, &self.check_a2),
            3 => (&self.check_q3, &self.check_a3),
            4 => (&self.check_q4, &self.check_a4),
            5 => (&self.check_q5, &self.check_a5),
            6 => (&self.check_q6, &self.check_a6),
            _ => return ("", ""),
        };
        (q, a)
    }
}

/// A checked knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knowledge {
    /// Topics, in file order.
    pub topics: Vec<Topic>,
    /// Red flags, in file order.
    pub red_flags: Vec<RedFlag>,
    /// Sources, in file order.
    pub sources: Vec<Source>,
    /// The lexicon, merged over files.
    pub lexicon: Lexicon,
    /// Reply texts.
    pub messages: Messages,
    /// Kinds of questions, in the order they win when two forms overlap.
    pub asks: Vec<Ask>,
    /// Subjects.
    pub subjects: Vec<Subject>,
    /// Small talk and what is out of scope.
    pub scope: Scope,
    /// The language's word list with frequencies (`words/<code>.txt`), one `word count` a line.
    #[serde(skip)]
    pub words: std::sync::Arc<str>,
    /// Advice tags of topic steps.
    pub advice: Vec<Advice>,
    /// Context triggers for red-flag findings.
    pub context: Context,
    /// How the language is read (`language.toml`).
    pub language: super::Language,
    /// Texts of `[messages]` this language lacks, taken from the default language's.
    #[serde(skip)]
    pub filled: Vec<String>,
    /// Where each topic and red flag is defined: (("topic", id), (file, line)).
    #[serde(skip)]
    pub places: Places,
}

/// Where items are defined: (kind of item, id) -> (file, line).
pub type Places = BTreeMap<(String, String), (String, usize)>;
