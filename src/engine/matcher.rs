//! The third stage: canonical tokens and asks to ranked and chosen topics.
//!
//! A topic's evidence is its subjects' words ("night": night, bedtime, woke up) and its own
//! phrases, each an interned token sequence that matches where its tokens stand in the message
//! (a stopword or two may stand between). Each token weighs its inverse document frequency over
//! topics, so a rare, specific word ("cleats") counts for more than a common one ("leg"); a phrase
//! spreads its weight over the positions it covers, and each position counts once per topic.
//! Negation plays no part: "is it because he's not drinking enough" is about drinking.
//!
//! Choosing is by ask and subject together: for each ask of the message ([`super::ask`]), in the
//! order asked, the best topic that answers it; when no such topic has evidence, the ask's overview
//! topic. A message with no ask gets the best topics by evidence, greedy by coverage.

use std::collections::{HashMap, HashSet};

use super::ask::Asked;
use super::knowledge::{Kind, Knowledge};
use super::vocab::{Sym, SymMap, SymSet, Tok, Vocab, UNKNOWN};

/// Below this score nothing matched well enough: the reply is the fallback menu. One specific word
/// scores about 2; a stopword-only phrase (e.g. "what do i do") about 1.
pub const MIN_SCORE: f32 = 0.9;
/// A further topic must explain at least this share of the best topic's score.
pub const FURTHER_SHARE: f32 = 0.4;
/// At most this many topics in one reply.
pub const MAX_TOPICS: usize = 3;
/// A message with no cramp word ("who won the game last night") needs this score to get a topic.
pub const OFF_TOPIC_SCORE: f32 = 3.5;
/// Stopwords a phrase may skip between two of its words: "back of thigh" matches "back of his thigh".
pub const MAX_GAP: usize = 2;
/// Share of a title word's weight added to a topic already matched: of the topics that match
/// "magnesium", the one titled "Foods with magnesium" comes first.
pub const TITLE_BONUS: f32 = 0.3;
/// With no ask in a message about cramps, a relief topic within this share of the best topic's
/// score comes first: a cramp told without a question ("calf cramps in bed") wants relief first.
/// With only a signal of an ask ("help", "eat"), a topic answering it needs this share too.
pub const RELIEF_PRIOR: f32 = 0.75;
/// Phrases longer than this many words are not indexed (no parent types them word for word).
pub const MAX_PHRASE: usize = 12;
/// The topic for messages about cramps that match nothing more specific.
pub const DEFAULT_TOPIC: &str = super::topics::RELIEF_NOW;

/// One topic's match.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the topic in [`Knowledge::topics`].
    pub topic: usize,
    /// Its score; 0 for an ask's overview topic chosen because no subject was recognised.
    pub score: f32,
}

/// The ranked result of matching.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matches {
    /// Topics chosen for the reply, best first (at most [`MAX_TOPICS`]).
    pub chosen: Vec<Match>,
    /// Every topic that matched at all, best first.
    pub ranked: Vec<Match>,
    /// How many of the first chosen topics answer a question of their own ("why does it happen
    /// and what can she eat": 2); the rest are further topics of the same question.
    pub asked: usize,
    /// Whether the message names a cramp, a muscle or a limb (the lexicon's `cramp_words`), not
    /// negated outside a question ("no fever", "not about cramps") nor inside another symptom ("a
    /// sore throat").
    pub about_cramps: bool,
}

#[derive(Debug, Clone)]
struct Phrase {
    topic: usize,
    syms: Vec<Sym>,
    weight: f32,
    /// Whether the phrase holds a negation word of its own ("can't keep her legs still"): its
    /// words are what the parent says, not a sign denied.
    negates: bool,
    /// Whether its words, stopwords aside, all name a situation ([`super::knowledge::Subject::situation`]): alone,
    /// they are no evidence in a message that names no cramp, muscle or limb.
    situation: bool,
}

/// The phrase index of a knowledge base.
#[derive(Debug, Clone)]
pub struct Matcher {
    phrases: Vec<Phrase>,
    by_first: SymMap<Vec<usize>>,
    kinds: Vec<Kind>,
    /// Per topic: its title's words with their weights.
    titles: Vec<Vec<(Sym, f32)>>,
    stop: SymSet,
    cramp_words: SymSet,
    default_topic: Option<usize>,
    /// Per ask: the topics that answer it.
    answers: Vec<Vec<usize>>,
    /// Per ask: its overview topic.
    overview: Vec<Option<usize>>,
    /// Per ask: whether, with no topic of its kind in evidence, the best topic by evidence answers
    /// it first ([`super::knowledge::Ask::reassure`]).
    reassure: Vec<bool>,
    /// Per ask: whether its question holds a cramp in mind ([`super::knowledge::Ask::cramp_in_mind`]).
    in_mind: Vec<bool>,
}

impl Matcher {
    /// Indexes the phrases and titles of every topic.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> Matcher {
        let mut raw: Vec<(usize, Vec<Sym>, bool)> = Vec::new();
        let subject_words: HashMap<&str, &Vec<String>> = k
            .subjects
            .iter()
            .map(|s| (s.id.as_str(), &s.words))
            .collect();
        for (i, t) in k.topics.iter().enumerate() {
            let subjects = t
                .subjects
                .iter()
                .filter_map(|s| subject_words.get(s.as_str()))
                .flat_map(|w| w.iter());
            for p in t.phrases.iter().chain(subjects) {
                raw.push((i, vocab.phrase(p), true));
            }
            raw.push((i, vocab.phrase(&t.title), false));
        }
        let title_syms: Vec<Vec<Sym>> = k.topics.iter().map(|t| vocab.phrase(&t.title)).collect();
        // Document frequency: in how many topics each token appears.
        let mut df: SymMap<usize> = SymMap::default();
        let mut last: SymMap<usize> = SymMap::default();
        for (topic, syms, _) in &raw {
            for &s in syms {
                if last.insert(s, *topic) != Some(*topic) {
                    *df.entry(s).or_default() += 1;
                }
            }
        }
        let n = k.topics.len().max(1) as f32;
        // One-word negation triggers, for phrases that hold their own ("can't keep her legs still").
        let negation: SymSet = k
            .context
            .negation
            .iter()
            .map(|w| vocab.phrase(w))
            .filter(|p| p.len() == 1)
            .flatten()
            .collect();
        // Words that only say a message is about cramps ("cramp", "muscle", "pain") name no subject:
        // they weigh like stopwords, so "why do kids get cramps" is not about the topic whose title
        // says "cramps".
        let subject_syms: SymSet = k
            .subjects
            .iter()
            .flat_map(|s| &s.words)
            .flat_map(|w| vocab.phrase(w))
            .collect();
        let generic: SymSet = k
            .lexicon
            .cramp_words
            .iter()
            .flat_map(|w| vocab.phrase(w))
            .filter(|s| !subject_syms.contains(s))
            .collect();
        let situations: SymSet = k
            .subjects
            .iter()
            .filter(|s| s.situation)
            .flat_map(|s| &s.words)
            .flat_map(|w| vocab.phrase(w))
            .collect::<Vec<Sym>>()
            .into_iter()
            .filter(|&s| !vocab.is_stop(s))
            .collect();
        let idf = |s: Sym| -> f32 {
            if vocab.is_stop(s) || generic.contains(&s) {
                return 0.25;
            }
            let d = df.get(&s).copied().unwrap_or(1) as f32;
            (1.0 + n / d).ln()
        };
        let titles = title_syms
            .into_iter()
            .map(|syms| {
                let mut words: Vec<(Sym, f32)> = syms
                    .into_iter()
                    .filter(|&s| !vocab.is_stop(s))
                    .map(|s| (s, idf(s)))
                    .collect();
                words.sort_by_key(|w| w.0);
                words.dedup_by_key(|w| w.0);
                words
            })
            .collect();
        let mut phrases = Vec::new();
        let mut by_first: SymMap<Vec<usize>> = SymMap::default();
        for (topic, syms, is_phrase) in raw {
            if syms.is_empty()
                || syms.len() > MAX_PHRASE
                || syms.iter().all(|&s| vocab.is_stop(s)) && syms.len() == 1
            {
                continue;
            }
            let base: f32 = syms.iter().map(|&s| idf(s)).sum();
            // Several words in a row are better evidence than the same words scattered; titles count
            // a little less than the phrases written for matching.
            let bonus = 1.0 + 0.3 * (syms.len() as f32 - 1.0);
            let weight = base * bonus * if is_phrase { 1.0 } else { 0.8 };
            by_first.entry(syms[0]).or_default().push(phrases.len());
            let negates = syms.iter().any(|s| negation.contains(s));
            let situation = syms
                .iter()
                .all(|&s| situations.contains(&s) || vocab.is_stop(s));
            phrases.push(Phrase {
                topic,
                syms,
                weight,
                negates,
                situation,
            });
        }
        let stop = (0..vocab.len())
            .filter_map(|i| Sym::try_from(i).ok())
            .filter(|&s| vocab.is_stop(s))
            .collect();
        let cramp_words = vocab.content_words(&k.lexicon.cramp_words);
        let answers = k
            .asks
            .iter()
            .map(|a| {
                (0..k.topics.len())
                    .filter(|&i| k.topics[i].kind == a.kind || k.topics[i].asks.contains(&a.id))
                    .collect()
            })
            .collect();
        let overview = k
            .asks
            .iter()
            .map(|a| k.topics.iter().position(|t| t.id == a.topic))
            .collect();
        Matcher {
            phrases,
            by_first,
            kinds: k.topics.iter().map(|t| t.kind).collect(),
            titles,
            stop,
            cramp_words,
            default_topic: k.topics.iter().position(|t| t.id == DEFAULT_TOPIC),
            answers,
            overview,
            reassure: k.asks.iter().map(|a| a.reassure).collect(),
            in_mind: k.asks.iter().map(|a| a.cramp_in_mind).collect(),
        }
    }

    /// Where `p` matches at `i`: the positions of its words (at most [`MAX_PHRASE`]), allowing up
    /// to [`MAX_GAP`] stopwords between two of them.
    fn locate(&self, p: &Phrase, toks: &[Tok], i: usize) -> Option<([usize; MAX_PHRASE], usize)> {
        let mut at = [0usize; MAX_PHRASE];
        let mut j = i;
        for (k, &want) in p.syms.iter().enumerate() {
            let mut gap = 0;
            loop {
                let t = toks.get(j)?;
                if t.sym == want {
                    break;
                }
                if k == 0 || gap == MAX_GAP || !self.stop.contains(&t.sym) {
                    return None;
                }
                gap += 1;
                j += 1;
            }
            at[k] = j;
            j += 1;
        }
        Some((at, p.syms.len()))
    }

    /// Whether topic `topic` answers ask `ask`.
    #[must_use]
    pub fn answers(&self, ask: usize, topic: usize) -> bool {
        self.answers.get(ask).is_some_and(|a| a.contains(&topic))
    }

    /// Scores every topic against the message tokens and picks the reply's topics for its asks.
    /// `negated` marks the words a negation covers: they are no evidence ("no new meds, just one
    /// cramp tonight" is not about medicines) unless they stand in the clause of a question
    /// ("is it because he's not drinking enough" is about drinking). Neither those of them negated
    /// from before (`ahead`: "no fever", "not about cramps", but not "the cramp went away") nor the
    /// words of another symptom (`aside`: "sore throat") make the message one about cramps.
    #[must_use]
    pub fn matches(
        &self,
        toks: &[Tok],
        asked: &[Asked],
        negated: &[bool],
        ahead: &[bool],
        aside: &[bool],
    ) -> Matches {
        // The words of a question's form are its ask, not its subject: "what causes" says nothing
        // about which cause.
        let mut asking = vec![false; toks.len()];
        for a in asked.iter().filter(|a| a.strong) {
            for (j, x) in asking.iter_mut().enumerate().take(a.end).skip(a.at) {
                *x = (a.words >> (j - a.at).min(63)) & 1 == 1;
            }
        }
        let asked_clauses: HashSet<u32> = asked
            .iter()
            .filter(|a| a.strong)
            .filter_map(|a| toks.get(a.at).map(|t| t.clause))
            .collect();
        let unsaid = |j: usize| {
            negated.get(j).copied().unwrap_or(false) && !asked_clauses.contains(&toks[j].clause)
        };
        let silent = |j: usize| asking[j] || unsaid(j);
        // Some questions hold a cramp in mind: "is it from sitting at the computer all day?".
        let in_mind = asked.iter().any(|a| a.strong && self.in_mind[a.ask]);
        let about_cramps = toks.iter().enumerate().any(|(j, t)| {
            let flag = |m: &[bool]| m.get(j).copied().unwrap_or(false);
            let denied = unsaid(j) && flag(ahead);
            self.cramp_words.contains(&t.sym) && !denied && !flag(aside)
        });
        // Per topic, per position: the best share of a phrase covering that position.
        let mut cover: HashMap<usize, Vec<f32>> = HashMap::new();
        // The topics with evidence other than a situation's words.
        let mut named: HashSet<usize> = HashSet::new();
        for (i, t) in toks.iter().enumerate() {
            if t.sym == UNKNOWN {
                continue;
            }
            let Some(list) = self.by_first.get(&t.sym) else {
                continue;
            };
            for &pi in list {
                let p = &self.phrases[pi];
                let Some((at, n)) = self.locate(p, toks, i) else {
                    continue;
                };
                let at = &at[..n];
                // A phrase that says its own "not" is not silenced by it.
                let denied = |j: usize| !p.negates && unsaid(j);
                // The words of the question name what it is about too: "what should they drink
                // before practice" is about drinks.
                if !p.situation && !at.iter().any(|&j| denied(j)) {
                    named.insert(p.topic);
                }
                let quiet = |j: usize| asking[j] || denied(j);
                if at.iter().any(|&j| quiet(j)) {
                    continue;
                }
                let end = at[at.len() - 1] + 1;
                let gaps = end - i - at.len();
                let share = p.weight / p.syms.len() as f32 * 0.9f32.powi(gaps as i32);
                let row = cover
                    .entry(p.topic)
                    .or_insert_with(|| vec![0.0; toks.len()]);
                for &j in at {
                    if share > row[j] {
                        row[j] = share;
                    }
                }
            }
        }
        // "How do I get my toddler to sleep through the night": in a message that names no cramp,
        // muscle or limb, a situation alone is no evidence ("gatorade or water at soccer?" names
        // drinks, and the soccer then says which drinks topic).
        let mut ranked: Vec<Match> = cover
            .iter()
            .filter(|(topic, _)| about_cramps || in_mind || named.contains(*topic))
            .map(|(&topic, row)| {
                let bonus: f32 = self.titles[topic]
                    .iter()
                    .filter(|(sym, _)| {
                        toks.iter()
                            .enumerate()
                            .any(|(j, t)| t.sym == *sym && !silent(j))
                    })
                    .map(|(_, w)| TITLE_BONUS * w)
                    .sum();
                Match {
                    topic,
                    score: row.iter().sum::<f32>() + bonus,
                }
            })
            .filter(|m| m.score > 0.0)
            .collect();
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| self.kinds[a.topic].cmp(&self.kinds[b.topic]))
                .then_with(|| a.topic.cmp(&b.topic))
        });

        let mut chosen: Vec<Match> = Vec::new();
        if !asked.is_empty() {
            let evident = ranked.first().filter(|m| m.score >= MIN_SCORE).cloned();
            // Overview topics that follow a reassuring answer, as further topics.
            let mut after: Vec<Match> = Vec::new();
            for (n, a) in asked.iter().enumerate() {
                let fresh = |m: &&Match| !chosen.iter().any(|c| c.topic == m.topic);
                // A second question carries its own subject ("... and could his new skates be the
                // reason?"): look for it in the question's clause first. The first question's
                // subject is anywhere: parents tell the story first and ask last.
                let clause = toks.get(a.at).map(|t| t.clause);
                let local = (n > 0)
                    .then(|| {
                        ranked
                            .iter()
                            .filter(fresh)
                            .filter(|m| self.answers(a.ask, m.topic))
                            .map(|m| {
                                let row = &cover[&m.topic];
                                let here: f32 = toks
                                    .iter()
                                    .zip(row)
                                    .filter(|(t, _)| Some(t.clause) == clause)
                                    .map(|(_, v)| v)
                                    .sum();
                                (m, here)
                            })
                            .filter(|(_, here)| *here >= MIN_SCORE)
                            .max_by(|x, y| x.1.total_cmp(&y.1))
                            .map(|(m, _)| m.clone())
                    })
                    .flatten();
                let answering = local.or_else(|| {
                    ranked
                        .iter()
                        .filter(fresh)
                        .find(|m| m.score >= MIN_SCORE && self.answers(a.ask, m.topic))
                        .cloned()
                });
                // A signal ("help", "eat") is too weak to overrule what the message is about: "do
                // bananas really help" is about bananas.
                let best = match (a.strong, answering, &evident) {
                    (false, Some(m), Some(e)) if m.score < e.score * RELIEF_PRIOR => {
                        Some(e.clone())
                    }
                    (false, None, Some(e)) => Some(e.clone()),
                    (_, Some(m), _) => Some(m),
                    // "Should I worry?" about what the message tells: what is normal about it
                    // first, then when to see a doctor.
                    (true, None, Some(e)) if self.reassure[a.ask] => {
                        after.extend(self.overview[a.ask].map(|topic| Match { topic, score: 0.0 }));
                        Some(e.clone())
                    }
                    _ => None,
                }
                .or_else(|| self.overview[a.ask].map(|topic| Match { topic, score: 0.0 }));
                if let Some(m) = best {
                    if !chosen.iter().any(|c| c.topic == m.topic) {
                        chosen.push(m);
                    }
                }
            }
            let asked = chosen.len();
            for m in after {
                if !chosen.iter().any(|c| c.topic == m.topic) && chosen.len() < MAX_TOPICS {
                    chosen.push(m);
                }
            }
            return Matches {
                chosen,
                ranked,
                asked,
                about_cramps,
            };
        }
        let bar = if about_cramps {
            MIN_SCORE
        } else {
            OFF_TOPIC_SCORE
        };
        let relief = ranked
            .iter()
            .find(|m| about_cramps && self.kinds[m.topic] == Kind::Relief && m.score >= MIN_SCORE);
        let best = match ranked.first() {
            Some(b) if b.score >= bar => match relief {
                Some(r) if r.score >= b.score * RELIEF_PRIOR => r,
                _ => b,
            },
            _ => {
                // About cramps, but nothing specific: what to do during a cramp.
                if about_cramps {
                    chosen.extend(self.default_topic.map(|topic| Match { topic, score: 0.0 }));
                }
                let asked = chosen.len();
                return Matches {
                    chosen,
                    ranked,
                    asked,
                    about_cramps,
                };
            }
        };
        let mut covered = vec![false; toks.len()];
        let pick = |m: &Match, covered: &mut Vec<bool>| {
            for (c, &v) in covered.iter_mut().zip(&cover[&m.topic]) {
                *c |= v > 0.0;
            }
        };
        chosen.push(best.clone());
        pick(best, &mut covered);
        let floor = (best.score * FURTHER_SHARE).max(MIN_SCORE);
        while chosen.len() < MAX_TOPICS {
            let next = ranked
                .iter()
                .filter(|m| !chosen.iter().any(|c| c.topic == m.topic))
                .map(|m| {
                    let row = &cover[&m.topic];
                    let fresh: f32 = row
                        .iter()
                        .zip(&covered)
                        .filter(|(_, &c)| !c)
                        .map(|(v, _)| v)
                        .sum();
                    (m, fresh)
                })
                .filter(|(_, fresh)| *fresh >= floor)
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.topic.cmp(&a.0.topic)));
            let Some((m, _)) = next else { break };
            let m = m.clone();
            pick(&m, &mut covered);
            chosen.push(m);
        }
        Matches {
            chosen,
            ranked,
            asked: 1,
            about_cramps,
        }
    }
}
