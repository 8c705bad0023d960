crate::stub::stub!(CollectKeysMap, "collect-keys", Strategy, shared);
