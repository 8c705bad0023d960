use evacmap::{Config, EvacMap};
use std::collections::HashMap;

#[test]
fn smoke() {
    let mut m: EvacMap<u64, u64> = EvacMap::new();
    let mut model = HashMap::new();
    let mut x = 12345u64;
    for step in 0..200_000u64 {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        let k = x % 5000;
        if x % 3 == 0 { assert_eq!(m.remove(&k), model.remove(&k)); } else { assert_eq!(m.insert(k, step), model.insert(k, step)); }
        if step % 10007 == 0 { m.check_invariants().unwrap(); }
    }
    assert_eq!(m.len(), model.len());
    for (k, v) in &model { assert_eq!(m.get(k), Some(v)); }
    m.check_invariants().unwrap();
    println!("{:?}", m.stats());
}

#[test]
fn cursor_with_growth_and_deletes() {
    for trial in 0..200u64 {
        let mut m: EvacMap<u64, u64> = EvacMap::with_config(Config::default().with_shrink_below(1.0).unwrap());
        let n = 1 + trial * 13;
        for k in 0..n { m.insert(k, k); }
        let mut c = m.cursor();
        let mut seen = HashMap::new();
        let mut step = 0u64;
        while let Some((&k, &v)) = c.next(&m) {
            *seen.entry(k).or_insert(0) += 1;
            if k < n { assert_eq!(v, if k % 3 == 0 && step > 0 { k + 1 } else { k }, "value current"); }
            if step == 0 {
                for j in 0..n { if j % 2 == 1 && j != k { m.remove(&j); } }
                for j in 0..n * 3 { m.insert(1_000_000 + j, 0); }
                for j in 0..n { if j % 3 == 0 && j != k && m.contains_key(&j) { m.insert(j, j + 1); } }
            }
            if step == 5 { for j in 0..n * 3 { m.remove(&(1_000_000 + j)); } }
            step += 1;
            m.check_invariants().unwrap();
        }
        for (k, c) in &seen { assert_eq!(*c, 1, "key {k} yielded {c} times (trial {trial})"); }
        let first = *seen.keys().next().unwrap_or(&0);
        for k in 0..n {
            if k % 2 == 0 || k == first { assert!(seen.contains_key(&k) || k == first, "even key {k} missed (trial {trial})"); }
        }
    }
}
