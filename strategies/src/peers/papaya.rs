crate::stub::stub!(PapayaRetain, "papaya-retain", Peer, shared);
crate::stub::stub!(PapayaIterRemove, "papaya-iter-remove", Peer, shared);
