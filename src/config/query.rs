//! `[[query]]`: a question saved under a name; the palette offers it.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedQuery {
    pub name: String,
    /// `pods where restarts > 5 order by restarts desc`.
    pub query: String,
}
