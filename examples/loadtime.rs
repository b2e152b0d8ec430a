use std::time::Instant;
fn main() {
    for _ in 0..3 {
        let t = Instant::now();
        let k = crampcare::engine::Knowledge::builtin().unwrap();
        let t1 = t.elapsed();
        let t = Instant::now();
        let v = crampcare::engine::vocab::Vocab::new(&k, &[]);
        let t2 = t.elapsed();
        let t = Instant::now();
        let e = crampcare::engine::Engine::new(k, crampcare::engine::Practice::default());
        let t3 = t.elapsed();
        println!(
            "knowledge {:?} vocab {:?} engine(all) {:?} {}",
            t1,
            t2,
            t3,
            v.len() + e.knowledge().topics.len()
        );
    }
}
