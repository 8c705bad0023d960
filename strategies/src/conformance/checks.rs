//! Checks of a contender's whole state against what the test knows it should hold.
//!
//! After a sweep (or any operation sequence) a contender may look right through one operation
//! and wrong through another: `len` counting unswept marks, `traverse` repeating an entry that
//! `get` finds once, memory figures smaller than the entries they hold. [`contents`] asks every
//! read operation the same question and [`memory`] checks the reported figures.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;

use crate::{check_word, Key, Memory, Ops, Value};

/// At most this many offending keys are listed in a failure message.
const SHOWN: usize = 8;

/// The first few items of `items`, for failure messages.
pub(crate) fn some<T: Debug>(items: impl IntoIterator<Item = T>) -> String {
    let mut it = items.into_iter();
    let shown: Vec<T> = it.by_ref().take(SHOWN).collect();
    let rest = it.count();
    if rest == 0 {
        format!("{shown:?}")
    } else {
        format!("{shown:?} and {rest} more")
    }
}

/// Checks what a contender reports about its memory while it holds `len` entries of `V`.
pub(crate) fn memory<V: Value>(m: Memory, len: usize, case: &str) {
    let floor = len * (8 + V::BYTES);
    assert!(
        m.heap_bytes >= floor,
        "{case}: memory() reports {m:?}, but {len} entries of 8 + {} bytes need at least {floor} \
         heap bytes (exact: {})",
        V::BYTES,
        m.exact
    );
    assert!(
        m.garbage_bytes <= m.heap_bytes,
        "{case}: memory() reports more garbage than heap: {m:?}"
    );
}

/// Checks every read operation of `map` against `expected` (key to the version of its value):
/// `len`, `is_empty`, `get` of every expected key and of every key in `absent`, one
/// `traverse` (every expected key exactly once with its value, nothing else, and the returned
/// count), and `memory`.
pub(crate) fn contents<V: Value, O: Ops<V>>(
    map: &mut O,
    expected: &HashMap<Key, u64>,
    absent: &[Key],
    case: &str,
) {
    let len = map.len();
    assert_eq!(len, expected.len(), "{case}: len() is wrong");
    assert_eq!(
        map.is_empty(),
        expected.is_empty(),
        "{case}: is_empty() is wrong"
    );

    let wrong_get: Vec<(Key, Option<u64>)> = expected
        .iter()
        .filter_map(|(&k, &ver)| {
            let got = map.get(k);
            (got != Some(check_word(k, ver))).then_some((k, got))
        })
        .collect();
    assert!(
        wrong_get.is_empty(),
        "{case}: get() misses live keys or returns wrong check words (key, got): {}",
        some(wrong_get)
    );
    let found_absent: Vec<Key> = absent
        .iter()
        .copied()
        .filter(|&k| map.get(k).is_some())
        .collect();
    assert!(
        found_absent.is_empty(),
        "{case}: get() finds keys that are not in the map: {}",
        some(found_absent)
    );

    let mut seen = HashSet::with_capacity(expected.len());
    let mut repeated = Vec::new();
    let mut unexpected = Vec::new();
    let mut calls = 0;
    let returned = map.traverse(|k, v: &V| {
        calls += 1;
        if !seen.insert(k) {
            repeated.push(k);
        }
        match expected.get(&k) {
            Some(&ver) if v.check() == check_word(k, ver) => {}
            _ => unexpected.push((k, v.check())),
        }
    });
    assert!(
        repeated.is_empty(),
        "{case}: traverse() yields keys twice: {}",
        some(repeated)
    );
    assert!(
        unexpected.is_empty(),
        "{case}: traverse() yields keys that are not live or wrong values (key, check): {}",
        some(unexpected)
    );
    let missed: Vec<Key> = expected
        .keys()
        .copied()
        .filter(|k| !seen.contains(k))
        .collect();
    assert!(
        missed.is_empty(),
        "{case}: traverse() misses live keys: {}",
        some(missed)
    );
    assert_eq!(
        returned, calls,
        "{case}: traverse() returns a count different from its calls"
    );

    memory::<V>(map.memory(), len, case);
}
