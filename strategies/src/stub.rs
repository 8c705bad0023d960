//! TEMPORARY scaffolding while the contenders are written in parallel; removed before landing.

macro_rules! stub {
    ($ty:ident, $name:literal, $origin:ident, single) => {
        crate::stub::stub!(@ty $ty, $name, $origin, false);
    };
    ($ty:ident, $name:literal, $origin:ident, shared) => {
        crate::stub::stub!(@ty $ty, $name, $origin, true);
        impl<V: crate::Value> crate::Shared<V> for $ty<V> {
            type Handle = Self;
            fn handle(&self) -> Self { unimplemented!() }
        }
    };
    (@ty $ty:ident, $name:literal, $origin:ident, $shared:literal) => {
        /// Not written yet.
        #[derive(Debug)]
        pub struct $ty<V>(core::marker::PhantomData<fn() -> V>);
        impl<V: crate::Value> crate::Ops<V> for $ty<V> {
            fn insert(&mut self, _: crate::Key, _: V) -> bool { unimplemented!() }
            fn get(&mut self, _: crate::Key) -> Option<u64> { unimplemented!() }
            fn remove(&mut self, _: crate::Key) -> bool { unimplemented!() }
            fn sweep<F: FnMut(crate::Key, &V) -> bool>(&mut self, _: F) -> crate::Sweep { unimplemented!() }
            fn traverse<F: FnMut(crate::Key, &V)>(&mut self, _: F) -> usize { unimplemented!() }
            fn len(&mut self) -> usize { unimplemented!() }
            fn memory(&mut self) -> crate::Memory { unimplemented!() }
        }
        impl<V: crate::Value> crate::Contender<V> for $ty<V> {
            const INFO: crate::Info = crate::Info {
                name: $name, origin: crate::Origin::$origin, shared: $shared,
                consistency: crate::Consistency::Blocking, readers_block: crate::ReaderBlocking::WholeSweep,
                during_sweep: "", extra_memory: "", choose_when: "", how: "",
            };
            fn build(_: &crate::Build) -> Result<Self, crate::BuildError> { unimplemented!() }
        }
    };
}
pub(crate) use stub;
