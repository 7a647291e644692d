//! What each [`Action`] does in the current view: the keymap's vocabulary
//! dispatched to navigation, the dialog and each view's own keys.

use super::launch::{rollout_action, start_action};
use super::model::{sort_keys, Model};
use super::msg::Effect;
use super::navigate::{back, move_by, open};
use super::order::order;
use super::state::{App, Input, InputKind, View};
use crate::keymap::action::Action;
use crate::ops::action::Operation;

pub fn act(app: &mut App, action: Action, model: &Model) -> Vec<Effect> {
    if let View::Remediations = app.screen().view {
        let ord = order(app, model);
        let sel = super::order::selected(app, &ord)
            .and_then(|i| app.remediation.entries.get(i))
            .cloned();
        if let Some(effects) = super::remediation::on_action(app, action, sel) {
            return effects;
        }
    }
    if let View::Failover { .. } = app.screen().view {
        let ord = order(app, model);
        let sel = super::order::selected(app, &ord);
        let plan = super::failover::current(app, &model.plans, sel);
        if let Some(effects) = super::failover::on_action(app, action, plan) {
            return effects;
        }
    }
    let rows = match app.screen().view {
        View::Fleet => super::fleet_list::fleet_list(app, model).lines.len(),
        _ => order(app, model).len(),
    };
    match action {
        Action::Quit => super::quit::request(app, false),
        Action::Help => app.help = true,
        Action::Back => back(app),
        Action::Command => {
            app.input = Some(Input {
                kind: InputKind::Command,
                text: String::new(),
                completion: None,
                recall: None,
            })
        }
        Action::Filter => {
            let text = app.screen().filter.clone();
            app.input = Some(Input {
                kind: InputKind::Filter,
                text,
                completion: None,
                recall: None,
            })
        }
        Action::Up => move_by(app, -1, rows),
        Action::Down => move_by(app, 1, rows),
        Action::PageUp => move_by(app, -(app.page as i64), rows),
        Action::PageDown => move_by(app, app.page as i64, rows),
        Action::Top => {
            app.screen_mut().selected = 0;
            app.screen_mut().scroll = 0;
        }
        Action::Bottom => {
            app.screen_mut().selected = rows.saturating_sub(1);
            app.screen_mut().scroll = u16::MAX / 2;
        }
        Action::SortNext => {
            let n = sort_keys(&app.screen().view).len().max(1);
            let s = app.screen_mut();
            s.sort = (s.sort + 1) % n;
            app.message = sort_keys(&app.screen().view)
                .get(app.screen().sort)
                .map(|k| format!("sorted by {k}"));
        }
        Action::SortReverse => {
            let s = app.screen_mut();
            s.reverse = !s.reverse;
        }
        Action::GroupBy => match app.screen().view {
            View::Fleet => super::fleet_list::cycle(app),
            _ => app.message = Some("grouping works in the Fleet view (1)".into()),
        },
        Action::ViewFleet => app.screens.truncate(1),
        Action::ViewWorkloads => {
            app.screens.truncate(1);
            app.push(View::Workloads);
        }
        Action::ViewJournal => {
            app.screens.truncate(1);
            app.push(View::Journal);
        }
        Action::ViewRollouts => {
            app.screens.truncate(1);
            app.push(View::Rollouts);
        }
        Action::ViewSlo => {
            app.screens.truncate(1);
            app.push(View::Slo);
        }
        Action::ViewFailover => {
            app.screens.truncate(1);
            app.push(View::Failover { plan: None });
        }
        Action::ViewRemediations => {
            app.screens.truncate(1);
            app.push(View::Remediations);
            app.remediation.scanning = true;
            return vec![Effect::RemScan];
        }
        Action::ViewBackups => {
            app.screens.truncate(1);
            app.push(View::Backups);
        }
        Action::BackupNow => return super::launch::backup_now(app, model),
        Action::ViewChaos => {
            app.screens.truncate(1);
            app.push(View::Chaos);
        }
        Action::Pause | Action::Resume | Action::Abort if app.screen().view == View::Chaos => {
            let op = match action {
                Action::Pause => Operation::Pause,
                Action::Resume => Operation::Resume,
                _ => Operation::Stop,
            };
            return super::launch::chaos(app, model, op);
        }
        Action::RemApprove | Action::RemReject | Action::RemSnooze | Action::RemMark => {
            app.message = Some("remediation keys work in the Remediations view (8)".into())
        }
        // Outside the Failover view these keys mean nothing.
        Action::FailoverCheck
        | Action::FailoverRun
        | Action::FailoverStep
        | Action::FailoverRollback => {
            app.message = Some("failover keys work in the Failover view (7)".into())
        }
        Action::ViewCost => {
            app.screens.truncate(1);
            app.push(View::Cost {
                context: None,
                namespace: None,
            });
        }
        Action::Promote => return rollout_action(app, model, Operation::Promote { full: false }),
        Action::PromoteFull => {
            return rollout_action(app, model, Operation::Promote { full: true })
        }
        Action::Abort => return rollout_action(app, model, Operation::Abort),
        Action::Retry => return rollout_action(app, model, Operation::Retry),
        Action::Pause => return rollout_action(app, model, Operation::Pause),
        Action::Resume => return rollout_action(app, model, Operation::Resume),
        Action::Undo => return rollout_action(app, model, Operation::Undo { to_revision: None }),
        Action::Scale => {
            start_action(app, model, Operation::Scale { replicas: 0 });
            return Vec::new();
        }
        Action::Restart => return rollout_action(app, model, Operation::Restart),
        Action::Select | Action::Describe if app.screen().view == View::Query => {
            let ord = order(app, model);
            if let Some(i) = super::order::selected(app, &ord) {
                super::query::drill(app, model, i);
            }
        }
        Action::Select | Action::Describe => return open(app, model, false),
        Action::Yaml => return open(app, model, true),
        Action::Graph => super::navigate::open_graph(app, model),
    }
    Vec::new()
}
