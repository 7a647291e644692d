//! Layer 0: small pure helpers every other layer may use — context globs,
//! durations, Kubernetes quantities, located TOML and YAML and their one-line errors. They know nothing of the rest of
//! fleetdeck (see docs/architecture.md for the layer table).

pub mod blocking;
pub mod body;
pub mod config_file;
pub mod cron;
pub mod duration;
pub mod fuzzy;
pub mod glob;
pub mod http;
pub mod latest;
pub mod quantity;
pub mod toml_tree;
pub mod yaml;
