//! Small drawing helpers shared by the views.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use crate::fleet::summary::{age, ClusterRow, ClusterState, Known};
use crate::theme::Theme;

/// The state cell of a cluster row, with its age where it has one.
/// Beside a cluster, workload or SLO that a chaos experiment hits now.
pub const CHAOS_MARK: &str = "≋";
/// Beside a workload one of whose dependencies is failing.
pub const DEP_MARK: &str = "⇣";

pub fn state_span(r: &ClusterRow, now: DateTime<Utc>, t: &Theme) -> Span<'static> {
    match (&r.state, &r.excluded) {
        (ClusterState::Unreachable { since, .. }, _) => {
            Span::styled(format!("unreachable {}", age(now, *since)), t.status.error)
        }
        (ClusterState::Listed { .. }, _) => Span::styled("listed", t.status.unknown),
        (ClusterState::Summary { as_of, error }, None) => Span::styled(
            format!("summary {}", age(now, *as_of)),
            if error.is_some() {
                t.status.warn
            } else {
                t.status.ok
            },
        ),
        (_, Some(_)) => Span::styled("excluded", t.status.excluded),
        (ClusterState::Connecting, _) => Span::styled("connecting", t.status.unknown),
        (ClusterState::Syncing { percent }, _) => {
            Span::styled(format!("syncing {percent}%"), t.status.unknown)
        }
        (ClusterState::Degraded { .. }, _) => Span::styled("degraded", t.status.warn),
        (ClusterState::Ok, _) => Span::styled("ok", t.status.ok),
    }
}

/// A count cell: the value, or why there is none.
pub fn known<T: Copy>(k: &Known<T>, t: &Theme, f: impl Fn(T) -> String) -> Span<'static> {
    match k {
        Known::Value(v) => Span::raw(f(*v)),
        Known::Forbidden => Span::styled("forbidden", t.status.warn),
        Known::Missing => Span::styled("-", t.ui.dim),
        Known::Pending => Span::styled("…", t.ui.dim),
    }
}

/// The cluster's accent colour (config `accent`), if it parses.
pub fn accent(name: Option<&str>) -> Option<Color> {
    name.and_then(|n| Color::from_str(n).ok())
}

/// What a list view hands to `table`.
pub struct TableSpec<'a> {
    pub title: Line<'a>,
    pub header: Vec<&'a str>,
    pub widths: Vec<Constraint>,
    pub rows: Vec<Row<'a>>,
    pub selected: Option<usize>,
}

/// A bordered table with a header and the selected row highlighted; the offset
/// follows the selection.
pub fn table(frame: &mut Frame, area: Rect, t: &Theme, spec: TableSpec) {
    let TableSpec {
        title,
        header,
        widths,
        rows,
        selected,
    } = spec;
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 2 == 1 {
                r.style(t.table.row_alt)
            } else {
                r.style(t.table.row)
            }
        })
        .collect();
    let header = Row::new(header.into_iter().map(Cell::from)).style(t.table.header);
    let widget = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(t.table.selected)
        .column_spacing(1)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.ui.border)
                .title(title),
        );
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(widget, area, &mut state);
}

pub fn or_dash(s: Option<&str>) -> String {
    s.unwrap_or("-").to_string()
}

pub fn style_if(cond: bool, yes: Style, no: Style) -> Style {
    if cond {
        yes
    } else {
        no
    }
}

/// The rows a bordered table of `height` can show with `selected` on screen
/// (the same scrolling ratatui does), so only those rows are built: the
/// fleet-wide lineup can have tens of thousands of lines.
pub fn window(len: usize, selected: usize, height: u16) -> (std::ops::Range<usize>, Option<usize>) {
    if len == 0 {
        return (0..0, None);
    }
    let visible = (height as usize).saturating_sub(3).max(1);
    let sel = selected.min(len - 1);
    let start = (sel + 1).saturating_sub(visible);
    (start..(start + visible).min(len), Some(sel - start))
}

/// Which columns fit in `avail` cells: drops the lowest-`keep` columns first
/// (one space between columns), never the last one standing.
pub fn fit(cols: &[(u16, u8)], avail: u16) -> Vec<bool> {
    let mut shown = vec![true; cols.len()];
    let need = |shown: &[bool]| -> u32 {
        let n = shown.iter().filter(|s| **s).count() as u32;
        cols.iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|((w, _), _)| *w as u32)
            .sum::<u32>()
            + n.saturating_sub(1)
    };
    let mut by_keep: Vec<usize> = (0..cols.len()).collect();
    by_keep.sort_by_key(|i| cols[*i].1);
    for &i in &by_keep {
        if need(&shown) <= avail as u32 || shown.iter().filter(|s| **s).count() <= 1 {
            break;
        }
        shown[i] = false;
    }
    // Dropping a wide column may leave room for a narrower one dropped
    // before it: take the most important of those back while they fit.
    for &i in by_keep.iter().rev() {
        if !shown[i] {
            shown[i] = true;
            if need(&shown) > avail as u32 {
                shown[i] = false;
            }
        }
    }
    shown
}

/// Columns `(header, width, keep)` fitted to a width: on a narrow terminal
/// the lowest `keep` goes first (`fit`). Rows then keep the same cells.
pub struct Fitted<'a> {
    shown: Vec<bool>,
    pub header: Vec<&'a str>,
    pub widths: Vec<Constraint>,
}

impl<'a> Fitted<'a> {
    pub fn new(cols: &[(&'a str, u16, u8)], avail: u16) -> Fitted<'a> {
        let shown = fit(
            &cols.iter().map(|(_, w, k)| (*w, *k)).collect::<Vec<_>>(),
            avail,
        );
        let kept = || cols.iter().zip(&shown).filter(|(_, s)| **s).map(|(c, _)| c);
        Fitted {
            header: kept().map(|c| c.0).collect(),
            widths: kept().map(|c| Constraint::Length(c.1)).collect(),
            shown,
        }
    }

    /// A row of the cells whose columns are shown.
    pub fn row<'r>(&self, cells: Vec<Cell<'r>>) -> Row<'r> {
        Row::new(
            cells
                .into_iter()
                .zip(&self.shown)
                .filter(|(_, s)| **s)
                .map(|(c, _)| c),
        )
    }
}

/// A bordered page of text, scrolled by the screen's `scroll` and kept so
/// the last page is reachable but not beyond (details, YAML, a change).
pub fn scrolled(frame: &mut Frame, area: Rect, block: Block, lines: Vec<Line>, scroll: u16) {
    let max = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max), 0)),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn window_keeps_the_selection_on_screen() {
        use super::window;
        assert_eq!(window(0, 3, 10), (0..0, None));
        assert_eq!(window(5, 2, 10), (0..5, Some(2)));
        // 7 visible rows; the 20th selected is the last one shown.
        assert_eq!(window(100, 19, 10), (13..20, Some(6)));
        assert_eq!(window(100, 500, 10), (93..100, Some(6)));
    }

    #[test]
    fn narrow_drops_least_important_first() {
        let cols = [(10, 9), (5, 1), (5, 3)];
        assert_eq!(fit(&cols, 40), vec![true, true, true]);
        assert_eq!(fit(&cols, 16), vec![true, false, true]);
        assert_eq!(fit(&cols, 3), vec![true, false, false]);
    }

    #[test]
    fn room_left_by_a_wide_column_goes_back_to_a_narrow_one() {
        // Dropping the 1-keep column is not enough; once the 3-keep one
        // goes too, the 1-keep one fits again.
        let cols = [(10, 9), (5, 1), (12, 3)];
        assert_eq!(fit(&cols, 20), vec![true, true, false]);
    }
}
