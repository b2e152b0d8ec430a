//! The third stage: canonical tokens to ranked topics.
//!
//! Every topic phrase is an interned token sequence. A phrase matches where its tokens stand
//! contiguously in the message. Each token weighs its inverse document frequency over topics, so a
//! rare, specific word ("cleats") counts for more than a common one ("leg"); a phrase spreads its
//! weight over the positions it covers, and each position counts once per topic (its best phrase).
//! Picking the answer is greedy by coverage: the best topic first, then topics that explain other
//! parts of the message, so "why does it happen and what can she eat" gets a cause and a food.

use std::collections::HashMap;

use std::collections::HashSet;

use super::knowledge::{Kind, Knowledge};
use super::triage::Marks;
use super::vocab::{Sym, Tok, Vocab, UNKNOWN};

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
/// Phrases longer than this many words are not indexed (no parent types them word for word).
pub const MAX_PHRASE: usize = 12;
/// The topic for messages about cramps that match nothing more specific.
pub const DEFAULT_TOPIC: &str = "relief-now";

/// One topic's match.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the topic in [`Knowledge::topics`].
    pub topic: usize,
    /// Its score.
    pub score: f32,
}

/// The ranked result of matching.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matches {
    /// Topics chosen for the reply, best first (at most [`MAX_TOPICS`]).
    pub chosen: Vec<Match>,
    /// Every topic that matched at all, best first.
    pub ranked: Vec<Match>,
}

#[derive(Debug, Clone)]
struct Phrase {
    topic: usize,
    syms: Vec<Sym>,
    weight: f32,
}

/// The phrase index of a knowledge base.
#[derive(Debug, Clone)]
pub struct Matcher {
    phrases: Vec<Phrase>,
    by_first: HashMap<Sym, Vec<usize>>,
    kinds: Vec<Kind>,
    /// Per topic: its title's words with their weights.
    titles: Vec<Vec<(Sym, f32)>>,
    stop: HashSet<Sym>,
    cramp_words: HashSet<Sym>,
    default_topic: Option<usize>,
}

impl Matcher {
    /// Indexes the phrases and titles of every topic.
    pub fn new(k: &Knowledge, vocab: &mut Vocab) -> Matcher {
        let mut raw: Vec<(usize, Vec<Sym>, bool)> = Vec::new();
        for (i, t) in k.topics.iter().enumerate() {
            for p in &t.phrases {
                raw.push((i, vocab.phrase(p), true));
            }
            raw.push((i, vocab.phrase(&t.title), false));
        }
        let title_syms: Vec<Vec<Sym>> = k.topics.iter().map(|t| vocab.phrase(&t.title)).collect();
        // Document frequency: in how many topics each token appears.
        let mut df: HashMap<Sym, usize> = HashMap::new();
        let mut last: HashMap<Sym, usize> = HashMap::new();
        for (topic, syms, _) in &raw {
            for &s in syms {
                if last.insert(s, *topic) != Some(*topic) {
                    *df.entry(s).or_default() += 1;
                }
            }
        }
        let n = k.topics.len().max(1) as f32;
        let idf = |s: Sym| -> f32 {
            if vocab.is_stop(s) {
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
        let mut by_first: HashMap<Sym, Vec<usize>> = HashMap::new();
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
            phrases.push(Phrase {
                topic,
                syms,
                weight,
            });
        }
        let stop = (0..vocab.len())
            .filter_map(|i| Sym::try_from(i).ok())
            .filter(|&s| vocab.is_stop(s))
            .collect();
        let cramp_words = k
            .lexicon
            .cramp_words
            .iter()
            .flat_map(|w| vocab.phrase(w))
            .collect();
        Matcher {
            phrases,
            by_first,
            kinds: k.topics.iter().map(|t| t.kind).collect(),
            titles,
            stop,
            cramp_words,
            default_topic: k.topics.iter().position(|t| t.id == DEFAULT_TOPIC),
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

    /// Scores every topic against the message tokens and picks the reply's topics. Phrases that a
    /// negation covers ("no new meds") do not count.
    #[must_use]
    pub fn matches(&self, toks: &[Tok], marks: &Marks) -> Matches {
        // Per topic, per position: the best share of a phrase covering that position.
        let mut cover: HashMap<usize, Vec<f32>> = HashMap::new();
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
                let end = at[at.len() - 1] + 1;
                if marks.negates((i, end)) {
                    continue;
                }
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
        let mut ranked: Vec<Match> = cover
            .iter()
            .map(|(&topic, row)| {
                let bonus: f32 = self.titles[topic]
                    .iter()
                    .filter(|(sym, _)| {
                        toks.iter()
                            .enumerate()
                            .any(|(i, t)| t.sym == *sym && !marks.negates((i, i + 1)))
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
        let about_cramps = toks
            .iter()
            .enumerate()
            .any(|(i, t)| self.cramp_words.contains(&t.sym) && !marks.negates((i, i + 1)));
        let bar = if about_cramps {
            MIN_SCORE
        } else {
            OFF_TOPIC_SCORE
        };
        let best = match ranked.first() {
            Some(b) if b.score >= bar => b,
            _ => {
                // About cramps, but nothing specific: what to do during a cramp.
                if about_cramps {
                    chosen.extend(self.default_topic.map(|topic| Match { topic, score: 0.0 }));
                }
                return Matches { chosen, ranked };
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
        Matches { chosen, ranked }
    }
}
