//! fleetdeck: a terminal console for operating fleets of Kubernetes clusters.
//!
//! The data layer (`fleet`, `config`, `paths`) does not depend on the UI, so it
//! can be tested and benchmarked on its own.

// First: its macros (`outln!`, `errln!`) are used by the modules below.
#[macro_use]
pub mod output;

pub mod app;
pub mod backups;
pub mod basics;
pub mod chaos;
pub mod cli;
pub mod config;
pub mod console;
pub mod cost;
pub mod demo;
pub mod deps;
pub mod discovery;
pub mod failover;
pub mod fleet;
pub mod forecast;
pub mod journal;
pub mod keymap;
pub mod ksm;
pub mod logging;
pub mod ops;
pub mod paths;
pub mod query;
pub mod remediation;
pub mod slo;
pub mod snapshot;
pub mod startup;
pub mod theme;
pub mod timeline;
pub mod tui;
pub mod ui;
pub mod verdict;
