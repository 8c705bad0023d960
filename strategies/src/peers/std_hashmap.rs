crate::stub::stub!(StdRetain, "std-retain", Peer, single);
crate::stub::stub!(StdExtractIf, "std-extract-if", Peer, single);
