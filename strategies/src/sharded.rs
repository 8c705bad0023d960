crate::stub::stub!(ShardedMap, "sharded", Strategy, shared);
