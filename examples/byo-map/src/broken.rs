//! A deliberately broken contender, to show that the conformance suite catches a wrong sweep:
//! [`ForgetfulBTree`] is [`RwLockBTree`](crate::RwLockBTree) whose sweep forgets to remove the
//! last doomed entry it visits, while still counting it as removed. Its counts look right;
//! only the map's contents are wrong, which is exactly what a fast-because-wrong contender
//! would get away with without the suite.

use strategies::registry::{ContenderList, Visit};
use strategies::{Build, BuildError, Contender, Info, Key, Memory, Ops, Shared, Sweep, Value};

use crate::RwLockBTree;

/// The list of the broken contender alone (never benchmarked: the suite must reject it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Broken;

impl ContenderList for Broken {
    fn visit<V: Value, W: Visit<V>>(visitor: &mut W) {
        visitor.shared::<ForgetfulBTree<V>>();
    }
}

/// [`RwLockBTree`](crate::RwLockBTree) with a sweep that keeps the last doomed entry.
#[derive(Clone, Debug)]
pub struct ForgetfulBTree<V>(RwLockBTree<V>);

impl<V: Value> Ops<V> for ForgetfulBTree<V> {
    fn insert(&mut self, key: Key, value: V) -> bool {
        self.0.insert(key, value)
    }

    fn get(&mut self, key: Key) -> Option<u64> {
        self.0.get(key)
    }

    fn remove(&mut self, key: Key) -> bool {
        self.0.remove(key)
    }

    /// The bug: the last doomed entry (in key order) is counted as removed but kept.
    fn sweep<F>(&mut self, mut doomed: F) -> Sweep
    where
        F: FnMut(Key, &V) -> bool,
    {
        let mut map = self.0.write();
        let mut sweep = Sweep::default();
        let mut doomed_keys = Vec::new();
        for (k, v) in map.iter() {
            if !sweep.keep(doomed(*k, v)) {
                doomed_keys.push(*k);
            }
        }
        doomed_keys.pop();
        for k in doomed_keys {
            map.remove(&k);
        }
        sweep
    }

    fn traverse<F>(&mut self, f: F) -> usize
    where
        F: FnMut(Key, &V),
    {
        self.0.traverse(f)
    }

    fn len(&mut self) -> usize {
        self.0.len()
    }

    fn memory(&mut self) -> Memory {
        self.0.memory()
    }
}

impl<V: Value> Contender<V> for ForgetfulBTree<V> {
    const INFO: Info = Info {
        name: "byo-forgetful-btree",
        ..<RwLockBTree<V> as Contender<V>>::INFO
    };

    fn build(build: &Build) -> Result<Self, BuildError> {
        RwLockBTree::build(build).map(ForgetfulBTree)
    }
}

impl<V: Value> Shared<V> for ForgetfulBTree<V> {
    type Handle = Self;

    fn handle(&self) -> Self {
        self.clone()
    }
}
