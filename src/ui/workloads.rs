//! Workloads: one cluster's list, and the same workloads lined up across the
//! fleet with replica and image skew marked.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{style_if, table, window, TableSpec, CHAOS_MARK, DEP_MARK};
use super::Ctx;
use crate::app::model::{CLUSTER_SORTS, LINE_SORTS};
use crate::app::order::order;
use crate::fleet::summary::{age, WorkloadLine};

pub(super) fn title<'a>(ctx: &Ctx, name: String, count: usize, sorts: &[&str]) -> Line<'a> {
    let s = ctx.app.screen();
    Line::from(vec![
        Span::styled(format!(" {name} [{count}] "), ctx.theme.ui.title),
        Span::styled(
            format!(
                "sort: {}{} ",
                sorts.get(s.sort).unwrap_or(&"name"),
                if s.reverse { " ↑" } else { "" }
            ),
            ctx.theme.ui.dim,
        ),
    ])
}

fn image_tags(images: &[String]) -> String {
    images
        .iter()
        .map(|i| i.rsplit('/').next().unwrap_or(i).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn draw_cluster(frame: &mut Frame, area: Rect, ctx: &Ctx, cluster: usize) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let context = m
        .rows
        .get(cluster)
        .map(|r| r.meta.context.as_str())
        .unwrap_or_default();
    // The selected workload's failing dependency, said in full under the list.
    let why = crate::app::order::selected(ctx.app, &ord)
        .and_then(|i| m.workloads.get(i))
        .and_then(|w| {
            let mark = m.dep_mark(context, &w.namespace, &w.name)?;
            Some(format!(" {}/{}: {mark} (t: graph)", w.namespace, w.name))
        });
    let [area, why_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(why.is_some() as u16)])
            .areas(area);
    if let Some(w) = why {
        frame.render_widget(Paragraph::new(Span::styled(w, t.status.warn)), why_area);
    }
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.workloads.get(*i))
        .map(|w| {
            let chaos = m.workload_chaos(context, &w.namespace, &w.name).is_some();
            let dep = m.dep_mark(context, &w.namespace, &w.name).is_some();
            let status = match (chaos, dep) {
                (true, _) => format!("{CHAOS_MARK} chaos · {}", w.status),
                (false, true) => format!("{DEP_MARK} dep · {}", w.status),
                (false, false) => w.status.clone(),
            };
            Row::new(vec![
                Cell::from(w.namespace.clone()),
                Cell::from(w.name.clone()),
                Cell::from(w.kind.short()),
                Cell::from(format!("{}/{}", w.ready, w.desired)),
                Cell::from(w.updated.to_string()),
                Cell::from(w.available.to_string()),
                Cell::from(format!("{}/{}", w.pods_running, w.pods_total)),
                Cell::from(Span::styled(
                    w.restarts.to_string(),
                    style_if(w.restarts > 0, t.status.warn, Style::default()),
                )),
                Cell::from(Span::styled(
                    status,
                    style_if(w.healthy && !chaos && !dep, t.status.ok, t.status.warn),
                )),
                Cell::from(image_tags(&w.images)),
                Cell::from(w.created.map(|c| age(m.now, c)).unwrap_or_default()),
            ])
        })
        .collect();
    // The link as the TLS probe saw it, and any certificate near expiry.
    let name = m
        .rows
        .get(cluster)
        .map(|r| {
            let mut n = r.meta.name.clone();
            if let Some(tls) = &r.tls {
                n.push_str(&format!(
                    " · {} {}",
                    tls.version,
                    tls.group.as_deref().unwrap_or("")
                ));
            }
            for w in &r.tls_warnings {
                n.push_str(&format!(" · ⚠ {w}"));
            }
            if let Some(c) = m.chaos_mark(&r.meta.context) {
                n.push_str(&format!(" · {CHAOS_MARK} {c}"));
            }
            n
        })
        .unwrap_or_default();
    table(
        frame,
        area,
        t,
        TableSpec {
            title: title(ctx, format!("Workloads — {name}"), ord.len(), CLUSTER_SORTS),
            header: vec![
                "NAMESPACE",
                "NAME",
                "KIND",
                "READY",
                "UPD",
                "AVAIL",
                "PODS",
                "RESTARTS",
                "STATUS",
                "IMAGES",
                "AGE",
            ],
            widths: vec![
                Constraint::Length(14),
                Constraint::Min(16),
                Constraint::Length(6),
                Constraint::Length(7),
                Constraint::Length(4),
                Constraint::Length(5),
                Constraint::Length(7),
                Constraint::Length(8),
                Constraint::Length(18),
                Constraint::Length(24),
                Constraint::Length(5),
            ],
            rows,
            selected,
        },
    );
}

pub fn draw_fleet(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let names: Vec<String> = m.rows.iter().map(|r| r.meta.name.clone()).collect();
    let lines: Vec<&WorkloadLine> = ord.iter().filter_map(|i| m.lines.get(*i)).collect();
    let name_width = lines
        .iter()
        .map(|l| l.namespace.len() + l.name.len() + 1)
        .max()
        .unwrap_or(0)
        .clamp(8, 48) as u16;
    let (range, selected) = window(lines.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = lines[range]
        .iter()
        .map(|l| {
            let common = most_common_tags(l);
            let mut cells = vec![
                Cell::from(format!("{}/{}", l.namespace, l.name)),
                Cell::from(l.kind.short()),
                Cell::from(Span::styled(
                    match (l.replica_skew, l.image_skew) {
                        (true, true) => "replicas+image",
                        (true, false) => "replicas",
                        (false, true) => "image",
                        (false, false) => "",
                    },
                    t.table.skew,
                )),
            ];
            for (i, cell) in l.cells.iter().enumerate() {
                let ctx = m.rows.get(i).map(|r| r.meta.context.as_str());
                let hit = ctx
                    .and_then(|c| m.workload_chaos(c, &l.namespace, &l.name))
                    .is_some();
                let dep = ctx
                    .and_then(|c| m.dep_mark(c, &l.namespace, &l.name))
                    .is_some();
                let mark = match (hit, dep) {
                    (true, _) => CHAOS_MARK,
                    (false, true) => DEP_MARK,
                    _ => "",
                };
                cells.push(match cell {
                    None => Cell::from(Span::styled("·", t.ui.dim)),
                    Some(c) => {
                        let tags = tags_only(&c.images);
                        Cell::from(Line::from(vec![
                            Span::styled(mark, t.status.warn),
                            Span::styled(
                                format!("{}/{} ", c.ready, c.desired),
                                style_if(c.healthy, t.status.ok, t.status.warn),
                            ),
                            Span::styled(
                                tags.clone(),
                                style_if(tags != common, t.table.skew, Style::default()),
                            ),
                        ]))
                    }
                });
            }
            Row::new(cells)
        })
        .collect();
    let mut header = vec!["WORKLOAD", "KIND", "SKEW"];
    header.extend(names.iter().map(String::as_str));
    let mut widths = vec![
        Constraint::Length(name_width),
        Constraint::Length(6),
        Constraint::Length(14),
    ];
    widths.extend(
        names
            .iter()
            .map(|n| Constraint::Length(n.len().clamp(12, 24) as u16)),
    );
    table(
        frame,
        area,
        t,
        TableSpec {
            title: title(
                ctx,
                "Workloads across the fleet".into(),
                ord.len(),
                LINE_SORTS,
            ),
            header,
            widths,
            rows,
            selected,
        },
    );
}

/// `registry/app:1.2.3` → `1.2.3`: the lineup's row already names the app.
fn tags_only(images: &[String]) -> String {
    images
        .iter()
        .map(|i| match i.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') && !repo.is_empty() => tag.to_string(),
            _ => i.rsplit('/').next().unwrap_or(i).to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The image tags most clusters run; cells that differ are the image skew.
fn most_common_tags(l: &WorkloadLine) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for c in l.cells.iter().flatten() {
        *counts.entry(tags_only(&c.images)).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(t, _)| t)
        .unwrap_or_default()
}
