crate::stub::stub!(TombstoneMap, "tombstone", Strategy, shared);
