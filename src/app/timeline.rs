//! The Journal view's rows — the fleet timeline (`crate::timeline`): what
//! changed in every cluster, this console's journal, other consoles'
//! actions and SLO alerts; newest first.

use chrono::{DateTime, Utc};

use crate::console::Console;
use crate::journal::Record;
use crate::timeline::collect::{collect, Inputs};
use crate::timeline::Change;

/// The window the view opens with (`:since` changes it).
pub const DEFAULT_WINDOW_SECS: i64 = 3600;

pub fn timeline(
    records: &[Record],
    fleet: &Console,
    observed: &[Change],
    host: &str,
    since: DateTime<Utc>,
) -> Vec<Change> {
    let alerts = fleet.slo.events();
    collect(Inputs {
        fleet,
        records,
        observed,
        alerts: &alerts,
        host,
        since,
    })
}
