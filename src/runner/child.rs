//! The callgrind child: the measuring binary re-run under valgrind to execute one cell's
//! measured phase for one contender, collected inside [`cache::measured_phase`].

use strategies::registry::{ContenderList, Visit};
use strategies::{Contender, Shared, Value, V64, V8};

use super::scenario::{Probe, Scenario};
use super::{cell_seed, dispatch_shared, dispatch_single, keys_for, UseScenario};
use crate::probes::cache;
use crate::workloads::{Cell, Profile, ValueSize};

/// Runs the child named by `spec` (`profile|cell index|contender|seed`, as the parent wrote it
/// into [`cache::CHILD_ENV`]), the contender being one of the list `L`, and prints the
/// operation count on stdout.
pub fn cache_child<L: ContenderList>(spec: &str) -> Result<(), String> {
    let parts: Vec<&str> = spec.split('|').collect();
    let [profile, index, name, seed] = parts[..] else {
        return Err(format!("bad {} value `{spec}`", cache::CHILD_ENV));
    };
    let profile = Profile::parse(profile).map_err(|e| e.to_string())?;
    let index: usize = index
        .parse()
        .map_err(|e| format!("bad cell index in `{spec}`: {e}"))?;
    let seed: u64 = seed
        .parse()
        .map_err(|e| format!("bad seed in `{spec}`: {e}"))?;
    let cells = profile.cells();
    let cell = *cells
        .get(index)
        .ok_or_else(|| format!("cell {index} not in profile {}", profile.id()))?;
    let mut child = Child {
        cell,
        name,
        seed: cell_seed(seed, &cell),
        result: None,
    };
    match cell.value {
        ValueSize::V8 => L::visit::<V8, _>(&mut child),
        ValueSize::V64 => L::visit::<V64, _>(&mut child),
    }
    match child.result {
        Some(Ok(ops)) => {
            println!("{}{ops}", cache::OPS_LINE);
            Ok(())
        }
        Some(Err(e)) => Err(e),
        None => Err(format!("no contender named `{name}`")),
    }
}

struct Child<'a> {
    cell: Cell,
    name: &'a str,
    seed: u64,
    result: Option<Result<u64, String>>,
}

struct RunOnce<'a>(&'a mut Option<Result<u64, String>>);

impl UseScenario for RunOnce<'_> {
    fn with<S: Scenario>(self, s: &S) {
        let ran = s.setup().and_then(|mut st| {
            let m = cache::measured_phase(|| s.run(&mut st, &mut Probe::default()))?;
            Ok(m.ops)
        });
        *self.0 = Some(ran.map_err(|e| e.to_string()));
    }
}

impl<V: Value> Visit<V> for Child<'_> {
    fn single<C: Contender<V>>(&mut self) {
        if C::NAME == self.name {
            let keys = keys_for(&self.cell, self.seed);
            dispatch_single::<V, C, _>(&self.cell, &keys, self.seed, RunOnce(&mut self.result));
        }
    }

    fn shared<C: Shared<V>>(&mut self) {
        if C::NAME == self.name {
            let keys = keys_for(&self.cell, self.seed);
            dispatch_shared::<V, C, _>(&self.cell, &keys, self.seed, RunOnce(&mut self.result));
        }
    }
}
