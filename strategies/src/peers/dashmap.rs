crate::stub::stub!(DashMapRetain, "dashmap-retain", Peer, shared);
