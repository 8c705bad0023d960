//! Property 6: what a contender says about itself is true and complete.
//!
//! [`Info`](crate::Info) becomes README's strategy table, the report's legend and the
//! bench ids, and the suite itself decides from it which properties apply. So it must agree
//! with the registry and the type system: `NAME` is `INFO.name`, `INFO.shared` says whether the
//! registry visits it as [`Shared`], single-threaded contenders are `Exclusive` and
//! `NotShared` (and shared ones are neither), the origin matches where the type lives (evacmap
//! used directly, a strategy in `strategies/src/<name>.rs`, a peer in `strategies/src/peers/`,
//! or a user's contender outside this crate), and every descriptive field is filled in.

use crate::{Build, Consistency, Contender, Origin, ReaderBlocking, Shared, Value};

use crate::conformance::harness::{Applies, Check, Ctx};

/// Property 6 (see the module docs).
#[derive(Debug)]
pub(crate) struct InfoSane;

impl Check for InfoSane {
    const NAME: &'static str = "Info is true and complete";

    fn single<V: Value, C: Contender<V>>(&self, _: &Ctx) -> Applies {
        check::<V, C>(false);
        Applies::Checked
    }

    fn shared<V: Value, C: Shared<V>>(&self, _: &Ctx) -> Applies {
        check::<V, C>(true);
        Applies::Checked
    }
}

fn check<V: Value, C: Contender<V>>(visited_shared: bool) {
    let info = C::INFO;
    let name = info.name;
    assert_eq!(C::NAME, name, "NAME must equal INFO.name");
    assert!(
        !name.is_empty()
            && !name.starts_with('-')
            && !name.ends_with('-')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "name {name:?} is not kebab-case"
    );
    assert_eq!(
        info.shared,
        visited_shared,
        "INFO.shared is {}, but the registry visits it through `{}`",
        info.shared,
        if visited_shared { "shared" } else { "single" }
    );
    assert_eq!(
        info.consistency == Consistency::Exclusive,
        !info.shared,
        "consistency {:?}: exactly the single-threaded contenders are Exclusive",
        info.consistency
    );
    assert_eq!(
        info.readers_block == ReaderBlocking::NotShared,
        !info.shared,
        "readers_block {:?}: exactly the single-threaded contenders are NotShared",
        info.readers_block
    );

    // Where the type is defined: `strategies::<module>::<Type>` or
    // `strategies::peers::<module>::<Type>`.
    let type_name = std::any::type_name::<C>();
    let path: Vec<&str> = type_name
        .split('<')
        .next()
        .unwrap_or_default()
        .split("::")
        .collect();
    let module = path.get(path.len().wrapping_sub(2)).copied().unwrap_or("");
    let expected = if path.first() != Some(&"strategies") {
        Origin::User
    } else if name.starts_with("evacmap-") {
        Origin::Core
    } else if path.contains(&"peers") {
        Origin::Peer
    } else {
        Origin::Strategy
    };
    assert_eq!(
        info.origin, expected,
        "origin of {name} ({type_name}): types outside the strategies crate are User, \
         `evacmap-*` contenders are Core, types in strategies::peers are Peer, the rest are \
         Strategy"
    );
    match info.origin {
        Origin::Core => assert!(!info.shared, "evacmap itself is single-threaded"),
        Origin::User => {}
        Origin::Strategy => assert_eq!(
            module,
            name.replace('-', "_"),
            "a strategy lives in strategies/src/<name with _>.rs ({type_name})"
        ),
        Origin::Peer => {
            let krate = name.split('-').next().unwrap_or_default();
            assert!(
                module.starts_with(krate),
                "a peer is named <crate>-<api> and lives in strategies/src/peers/<crate>.rs \
                 ({name} is {type_name})"
            );
        }
    }

    if info.keeps_order {
        check_order::<V, C>();
    }

    for (field, text) in [
        ("during_sweep", info.during_sweep),
        ("extra_memory", info.extra_memory),
        ("choose_when", info.choose_when),
        ("how", info.how),
    ] {
        assert!(
            !text.trim().is_empty(),
            "INFO.{field} is empty; it is a column of README's strategy table"
        );
    }
}

/// A contender that declares `keeps_order` yields its entries in insertion order, before and
/// after a sweep (the survivors keep their relative order).
fn check_order<V: Value, C: Contender<V>>() {
    let name = C::INFO.name;
    let mut map = C::build(&Build::default()).expect("default build");
    // Keys in an order no hash table would produce by itself.
    let keys: Vec<u64> = (0..1000u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555)
        .collect();
    for &k in &keys {
        map.insert(k, V::new(k, 1));
    }
    let mut seen = Vec::new();
    map.traverse(|k, _| seen.push(k));
    assert_eq!(
        seen, keys,
        "{name} declares keeps_order but traverses out of insertion order"
    );
    map.sweep(|k, _| k % 3 == 0);
    let mut after = Vec::new();
    map.traverse(|k, _| after.push(k));
    let want: Vec<u64> = keys.iter().copied().filter(|k| k % 3 != 0).collect();
    assert_eq!(
        after, want,
        "{name} declares keeps_order but a sweep reordered the survivors"
    );
}
