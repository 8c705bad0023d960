crate::stub::stub!(CowSnapshotMap, "cow-snapshot", Strategy, shared);
