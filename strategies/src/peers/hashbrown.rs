crate::stub::stub!(HashbrownRetain, "hashbrown-retain", Peer, single);
crate::stub::stub!(HashbrownExtractIf, "hashbrown-extract-if", Peer, single);
