crate::stub::stub!(SccRetain, "scc-retain", Peer, shared);
crate::stub::stub!(SccCursor, "scc-cursor", Peer, shared);
