//! evacmap: Go's classic runtime map (go1.19 to go1.23, `runtime/map.go`), in Rust and
//! instrumented, with a cursor that survives removal, insertion and evacuation.
//!
//! # The design, after Go
//!
//! A map is an array of 2^B buckets. Each bucket holds up to 8 key/value pairs: 8 *tophash*
//! bytes, then the 8 keys, then the 8 values, then a pointer to an overflow bucket when more than
//! 8 keys hash to it ([`TopHash`], `bucket.rs`). The low B bits of a key's hash select its
//! bucket; the top byte is its tophash, so most cells are ruled out without comparing keys.
//! Small tophash values are cell states instead: `emptyRest` (empty, and nothing follows in the
//! chain, so lookups stop), `emptyOne` (a tombstone), and the three evacuation marks.
//!
//! When an insert of a new key would push the average load past 6.5 entries per bucket
//! ([`Config::load_factor`]), the map allocates a table twice as large and *evacuates*
//! incrementally: every later insert or remove first moves the old bucket feeding the bucket it
//! touches, plus one more at the evacuation mark, so no single write pays for the whole copy.
//! An old bucket's entries split between new bucket `i` (X) and `i + 2^oldB` (Y) by one more
//! hash bit, packed in chain order, and each old cell keeps a mark saying where its entry went.
//! Lookups read the old bucket until it is evacuated and never evacuate themselves, so a map
//! that stops being written stays mid-grow, exactly as Go's does. When churn leaves about as many
//! overflow buckets as buckets, a *same-size* grow repacks the chains (golang/go#16070).
//!
//! Removal marks the cell `emptyOne`; if nothing live follows, the trailing run becomes
//! `emptyRest`. A later insert reuses the first empty cell of its chain. When the map becomes
//! empty its hash seed is redrawn (golang/go#25237).
//!
//! # Beyond Go
//!
//! - **Shrinking** (golang/go#20135: Go maps never shrink): with [`Config::shrink_below`] a
//!   removal that leaves the load below the threshold starts an incremental *halving*, the mirror
//!   of a doubling (two old buckets packed into one); [`EvacMap::shrink_to_fit`] does it at once.
//! - **A detached, removal-safe cursor** ([`Cursor`]): `map.cursor()` borrows nothing, and
//!   `cursor.next(&map)` yields the next entry; between steps the map may change in any way. It
//!   follows evacuation marks instead of looking keys up again; its contract is on the type.
//! - **Instrumentation**: [`EvacMap::stats`] (O(1) counters), [`EvacMap::probe_stats`] (Go's
//!   load-factor table columns, measured), [`EvacMap::view`] (every cell's state) and
//!   [`EvacMap::check_invariants`].
//!
//! # Modules
//!
//! - `tophash`, `group`: cell states and SWAR matching over a bucket's 8 tophash bytes.
//! - `bucket`, `table`: the bucket layout and a table (one generation of buckets plus its
//!   overflow arena), reference counted so cursors can keep one alive.
//! - `map`: construction, lookup, insert, remove, clear, capacity; `entry`: the entry API.
//! - `grow`: doubling, same-size grow and halving; `growWork`, `evacuate`, the evacuation mark.
//! - `cursor`: the removal-safe cursor; `iter`: plain iterators; `sweep`: `retain`, `extract_if`.
//! - `stats`: counters, probe statistics, views and the invariant check; `config`, `hash`.
//!
//! # Example
//!
//! ```
//! use evacmap::EvacMap;
//!
//! let mut map: EvacMap<u64, u64> = (0..1000).map(|k| (k, k * 10)).collect();
//! let mut cursor = map.cursor();
//! let mut seen = 0;
//! while let Some((&k, _)) = cursor.next(&map) {
//!     seen += 1;
//!     if k % 2 == 1 {
//!         map.remove(&k); // removing while walking is fine
//!         map.insert(k + 10_000, 0); // and so is inserting, even if it grows the map
//!     }
//! }
//! assert!(seen >= 1000);
//! assert!((0..1000).all(|k| map.contains_key(&k) == (k % 2 == 0)));
//! ```

mod bucket;
mod clone;
mod config;
mod cursor;
mod entry;
mod group;
mod grow;
mod hash;
mod iter;
mod map;
mod stats;
mod sweep;
mod table;
mod tophash;
mod traits;

pub use config::{Config, ConfigError, GO_LOAD_FACTOR, MAX_LOAD_FACTOR};
pub use cursor::Cursor;
pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use grow::GrowKind;
pub use hash::DefaultHashBuilder;
pub use iter::{Drain, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut};
pub use map::{EvacMap, TryReserveError};
pub use stats::{MapView, ProbeStats, Stats, TableView};
pub use sweep::ExtractIf;
pub use tophash::TopHash;
