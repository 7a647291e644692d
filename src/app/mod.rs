//! Application state and the one place it changes (`update`); no I/O here.

pub mod action;
