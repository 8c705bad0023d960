//! What a traversal of a shared contender may do while other threads write, by the
//! consistency class the contender declares: the rules the traversal properties check.

use crate::Consistency;

/// What a traversal may do, by consistency class.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    /// A key may be yielded more than once (present throughout or not); each key present
    /// throughout must still be yielded.
    pub(crate) repeats: bool,
    /// The traversal sees the map as it was at one instant (during a sweep: all doomed entries
    /// or none).
    pub(crate) one_instant: bool,
}

impl Rules {
    /// The rules of a shared contender of class `consistency`; `None` for
    /// [`Consistency::Exclusive`], which a shared contender cannot be (the info property
    /// reports it).
    pub(crate) fn of(consistency: Consistency) -> Option<Rules> {
        match consistency {
            Consistency::WeaklyConsistent => Some(Rules {
                repeats: false,
                one_instant: false,
            }),
            Consistency::AtLeastOnce => Some(Rules {
                repeats: true,
                one_instant: false,
            }),
            Consistency::Blocking | Consistency::Snapshot => Some(Rules {
                repeats: false,
                one_instant: true,
            }),
            Consistency::Exclusive => None,
        }
    }
}
