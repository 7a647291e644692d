//! The fleet timeline: what changed, in which cluster, by whom — one model fed
//! by what the clusters still hold (Events, managedFields: the backfill), by
//! transitions this console saw (a new image, a scale, a node NotReady, a
//! cluster gone), by the journal and by SLO alerts. UI-free: the Journal view,
//! `fleetdeck changes` and the demo all read it.

pub mod change;
pub mod collect;
pub mod edits;
pub mod group;
pub mod observe;
pub mod recorder;
pub mod revisions;
pub mod saved;
pub mod scaling;
pub mod syncs;
pub mod warnings;

pub use change::{Change, ChangeKind, ObjectRef};

/// The window the view opens with and `changes` defaults to (`:since`,
/// `--since` change it).
pub const DEFAULT_WINDOW_SECS: u64 = 3600;
