crate::stub::stub!(IndexMapRetain, "indexmap-retain", Peer, single);
crate::stub::stub!(IndexMapSwapRemove, "indexmap-swap-remove", Peer, single);
