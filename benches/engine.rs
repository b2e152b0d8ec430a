//! Benchmarks (issue 6): the whole pipeline per message over the evaluation set, knowledge load and
//! validation, and both again on knowledge bases scaled 10x and 100x with generated topics.
//!
//! `cargo bench` runs them; criterion prints the median of each.

use std::hint::black_box;

/// The allocator the `crampcare` binary uses (`src/main.rs`), so that these figures are the bot's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::Deserialize;

use crampcare::engine::knowledge::{Knowledge, BUILTIN};
use crampcare::engine::{Engine, Engines, Practice};

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
}

fn messages() -> Vec<String> {
    parse(include_str!("../tests/data/eval.toml"))
}

fn parse(text: &str) -> Vec<String> {
    let cases: Cases = toml::from_str(text).expect("eval set parses");
    cases.case.into_iter().map(|c| c.text).collect()
}

/// A made-up word for generated topics: consonant-vowel syllables from a number.
fn word(mut n: usize) -> String {
    const C: &[u8] = b"bdfgklmnprstvz";
    const V: &[u8] = b"aeiou";
    let mut s = String::new();
    for _ in 0..3 {
        s.push(C[n % C.len()] as char);
        n /= C.len();
        s.push(V[n % V.len()] as char);
        n /= V.len();
    }
    s
}

/// The built-in files plus `extra` generated topics, each with its own words and a few shared ones.
fn scaled(extra: usize) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = BUILTIN
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    let mut gen = String::new();
    for i in 0..extra {
        let w = |k: usize| word(i * 7 + k);
        gen.push_str(&format!(
            "[[topic]]\nid = \"gen-{i}\"\nkind = \"relief\"\ntitle = \"Generated {a}\"\n\
             phrases = [\"{a}\", \"{b} {c}\", \"{d} calf\", \"{e} after soccer\", \"night {f}\", \"{g}\"]\n\
             summary = \"A generated topic.\"\nsteps = [\"Stretch the {a}.\", \"Drink water.\"]\n\
             related = [\"relief-now\"]\nsources = [\"nhs-leg-cramps\"]\n\n",
            a = w(0),
            b = w(1),
            c = w(2),
            d = w(3),
            e = w(4),
            f = w(5),
            g = w(6),
        ));
    }
    files.push(("knowledge/generated.toml".to_owned(), gen));
    files
}

fn bench(c: &mut Criterion) {
    let msgs = messages();
    let base_topics = Knowledge::builtin()
        .expect("built-in knowledge")
        .topics
        .len();

    let mut answer = c.benchmark_group("answer");
    answer.throughput(Throughput::Elements(msgs.len() as u64));
    for scale in [1usize, 10, 100] {
        let files = scaled(base_topics * (scale - 1));
        let k = Knowledge::from_texts(files).expect("scaled knowledge is valid");
        let engine = Engine::new(k, Practice::default());
        answer.bench_with_input(
            BenchmarkId::new("eval_set", format!("{scale}x")),
            &engine,
            |b, e| {
                b.iter(|| {
                    for m in &msgs {
                        black_box(e.answer(black_box(m)));
                    }
                });
            },
        );
    }
    // Issue 12: the Spanish tuning set on the Spanish engine, and both sets as the bot reads them
    // (telling the language first, then answering in it).
    let engines = Engines::builtin(&Practice::default());
    let spanish = parse(include_str!("../tests/data/eval-es.toml"));
    let es = engines.get("es").expect("Spanish is built in");
    answer.throughput(Throughput::Elements(spanish.len() as u64));
    answer.bench_function("spanish_set", |b| {
        b.iter(|| {
            for m in &spanish {
                black_box(es.answer(black_box(m)));
            }
        });
    });
    let both: Vec<String> = msgs.iter().chain(&spanish).cloned().collect();
    answer.throughput(Throughput::Elements(both.len() as u64));
    answer.bench_function("both_sets_detected", |b| {
        b.iter(|| {
            for m in &both {
                black_box(engines.answer(black_box(m), None, None));
            }
        });
    });
    answer.bench_function("both_sets_language_only", |b| {
        b.iter(|| {
            for m in &both {
                black_box(engines.detect(black_box(m)));
            }
        });
    });
    answer.bench_function("both_sets_whatlang_only", |b| {
        b.iter(|| {
            for m in &both {
                black_box(whatlang::detect(black_box(m)));
            }
        });
    });
    answer.finish();

    let mut load = c.benchmark_group("load");
    load.sample_size(20);
    for scale in [1usize, 10, 100] {
        let files = scaled(base_topics * (scale - 1));
        load.bench_with_input(
            BenchmarkId::new("parse_validate_index", format!("{scale}x")),
            &files,
            |b, f| {
                b.iter(|| {
                    let k = Knowledge::from_texts(black_box(f.clone())).expect("valid");
                    black_box(Engine::new(k, Practice::default()))
                });
            },
        );
    }
    load.bench_function("every_language", |b| {
        b.iter(|| black_box(Engines::builtin(&Practice::default())));
    });
    load.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
