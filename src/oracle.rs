//! Verification: after a measured run, the contender must hold exactly the expected keys with
//! the expected values, or the run is reported as failed and never timed.
//!
//! The expected state is a predicate over ranks (see [`crate::keys`]); the check is done three
//! ways so no contender can pass by being inconsistent with itself: `len`, a full traversal
//! (every key expected, none twice, right check word, right count) and a lookup of every rank
//! the workload used (survivors found, everything else absent).

use strategies::{check_word, Ops, Value};

use crate::keys::KeySet;

/// The version every workload writes its values with.
pub const VERSION: u64 = 0;

/// Checks that `map` holds exactly the ranks `ranks` for which `live` is true, each with the
/// value written at [`VERSION`]; `expected` is how many that is.
pub fn verify<V, O>(
    map: &mut O,
    keys: &KeySet,
    ranks: std::ops::Range<u64>,
    expected: u64,
    live: impl Fn(u64) -> bool,
) -> Result<(), String>
where
    V: Value,
    O: Ops<V>,
{
    let len = map.len() as u64;
    if len != expected {
        return Err(format!("len() is {len}, expected {expected}"));
    }
    let span = ranks.end - ranks.start;
    let mut seen = vec![0u64; span.div_ceil(64) as usize];
    let mut problem: Option<String> = None;
    let mut note = |msg: String| {
        if problem.is_none() {
            problem = Some(msg);
        }
    };
    let visited = map.traverse(|k, v| match keys.rank(k) {
        Some(r) if ranks.contains(&r) && live(r) => {
            let i = r - ranks.start;
            let (word, bit) = ((i / 64) as usize, 1u64 << (i % 64));
            if seen[word] & bit != 0 {
                note(format!("traversal yielded key {k:#x} (rank {r}) twice"));
            }
            seen[word] |= bit;
            if v.check() != check_word(k, VERSION) {
                note(format!("key {k:#x} (rank {r}) has a wrong value {v:?}"));
            }
        }
        Some(r) => note(format!(
            "traversal yielded key {k:#x} (rank {r}) which should be absent"
        )),
        None => note(format!("traversal yielded key {k:#x}, never inserted")),
    }) as u64;
    if let Some(p) = problem {
        return Err(p);
    }
    if visited != expected {
        return Err(format!(
            "traversal visited {visited} entries, expected {expected}"
        ));
    }
    for r in ranks {
        let k = keys.key(r);
        match (live(r), map.get(k)) {
            (true, Some(c)) if c == check_word(k, VERSION) => {}
            (true, Some(c)) => {
                return Err(format!("get({k:#x}) (rank {r}) returned check word {c:#x}"))
            }
            (true, None) => return Err(format!("get({k:#x}) (rank {r}) missed a live key")),
            (false, Some(_)) => return Err(format!("get({k:#x}) (rank {r}) found a removed key")),
            (false, None) => {}
        }
    }
    for i in 0..64 {
        let k = keys.absent_key(i);
        if map.get(k).is_some() {
            return Err(format!("get({k:#x}) found a key never inserted"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use strategies::{Build, Contender, EvacMapRetain, V8};

    use super::*;
    use crate::keys::{DoomPattern, KeyOrder};

    fn filled(keys: &KeySet) -> EvacMapRetain<V8> {
        let mut m = EvacMapRetain::<V8>::build(&Build::with_capacity(100)).unwrap();
        for r in 0..keys.n() {
            let k = keys.key(r);
            m.insert(k, V8::new(k, VERSION));
        }
        m
    }

    #[test]
    fn accepts_the_right_state_and_names_what_is_wrong() {
        let keys = KeySet::new(KeyOrder::Uniform, 100, 10, 1, DoomPattern::Uniform, 0.5);
        let mut m = filled(&keys);
        m.sweep(|k, _| keys.is_doomed(k));
        let live = |r| !keys.rank_doomed(r);
        assert_eq!(verify(&mut m, &keys, 0..100, 50, live), Ok(()));

        // A survivor removed behind the oracle's back.
        let victim = (0..100).find(|&r| live(r)).unwrap();
        m.remove(keys.key(victim));
        let e = verify(&mut m, &keys, 0..100, 50, live).unwrap_err();
        assert!(e.contains("len() is 49"), "{e}");
        // Told to expect 49, len and the traversal agree: the lookups find the hole.
        let e = verify(&mut m, &keys, 0..100, 49, live).unwrap_err();
        assert!(e.contains("missed a live key"), "{e}");

        // A doomed key put back with the right count elsewhere.
        let mut m = filled(&keys);
        m.sweep(|k, _| keys.is_doomed(k));
        let doomed = (0..100).find(|&r| keys.rank_doomed(r)).unwrap();
        m.remove(keys.key(victim));
        m.insert(keys.key(doomed), V8::new(keys.key(doomed), VERSION));
        let e = verify(&mut m, &keys, 0..100, 50, live).unwrap_err();
        assert!(e.contains("should be absent"), "{e}");

        // A wrong value.
        let mut m = filled(&keys);
        m.sweep(|k, _| keys.is_doomed(k));
        m.insert(keys.key(victim), V8::new(keys.key(victim), 9));
        let e = verify(&mut m, &keys, 0..100, 50, live).unwrap_err();
        assert!(e.contains("wrong value"), "{e}");
    }
}
