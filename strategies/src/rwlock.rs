crate::stub::stub!(RwLockMap, "rwlock", Strategy, shared);
