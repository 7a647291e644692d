//! The Fleet view's lines: clusters in the view's order, or, when grouped,
//! each gathering's header followed by its clusters if it is open. With a
//! filter typed every gathering is open, so a match is never hidden.

use super::model::Model;
use super::order::order;
use super::state::App;
use crate::fleet::groups::{gather, Gathering, GroupBy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// Index into `FleetList::gatherings`.
    Gathering(usize),
    /// Index into the model's rows.
    Cluster(usize),
}

#[derive(Debug, Clone, Default)]
pub struct FleetList {
    pub gatherings: Vec<Gathering>,
    pub lines: Vec<Line>,
}

impl FleetList {
    pub fn selected(&self, app: &App) -> Option<Line> {
        let sel = app
            .screen()
            .selected
            .min(self.lines.len().saturating_sub(1));
        self.lines.get(sel).copied()
    }
}

pub fn fleet_list(app: &App, m: &Model) -> FleetList {
    let ord = order(app, m);
    let Some(by) = app.group_by else {
        return FleetList {
            gatherings: Vec::new(),
            lines: ord.into_iter().map(Line::Cluster).collect(),
        };
    };
    let s = app.screen();
    let by_name = s.sort == 0;
    let mut gatherings = gather(&m.rows, &ord, by, by_name);
    if by_name && s.reverse {
        gatherings.reverse();
    }
    let open_all = !app.filter().is_empty();
    let mut lines = Vec::with_capacity(gatherings.len() + ord.len());
    for (i, g) in gatherings.iter().enumerate() {
        lines.push(Line::Gathering(i));
        if open_all || app.expanded.contains(&g.key) {
            lines.extend(g.members.iter().copied().map(Line::Cluster));
        }
    }
    FleetList { gatherings, lines }
}

/// `v`: the next grouping; the selection goes back to the top.
pub fn cycle(app: &mut App) {
    set(app, GroupBy::next(app.group_by));
}

pub fn set(app: &mut App, by: Option<GroupBy>) {
    if app.group_by != by {
        app.expanded.clear();
    }
    app.group_by = by;
    app.screen_mut().selected = 0;
    app.message = Some(match by {
        Some(b) => format!("grouped by {} (enter opens a group; v: next)", b.word()),
        None => "not grouped".into(),
    });
}

/// Enter on a gathering's header: open or close it.
pub fn toggle(app: &mut App, key: &Option<String>) {
    if !app.expanded.remove(key) {
        app.expanded.insert(key.clone());
    }
}

/// How a gathering's key reads: its value, or "no group" for the rest.
pub fn title(by: GroupBy, key: &Option<String>) -> String {
    match key {
        Some(k) => k.clone(),
        None => format!("no {}", by.word()),
    }
}
