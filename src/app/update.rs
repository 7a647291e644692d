//! The one place the UI state changes: `update(app, msg, model, keymap)` returns
//! the effects to run (no I/O here, so it is tested directly).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::dialog::Stage;
use super::model::Model;
use super::state::{App, Input, InputKind, View, Yaml};
use crate::keymap::action::Action;
use crate::keymap::{Keymap, Mode};

pub use super::msg::{Effect, Msg};
pub use super::palette::COMMANDS;

use super::actions::act;
use super::launch::{on_dialog_key, open_dialog, planned};
use super::navigate::tree_key;
use super::palette::command;

pub fn update(app: &mut App, msg: Msg, model: &Model, keymap: &Keymap) -> Vec<Effect> {
    match msg {
        Msg::Resize { rows } => {
            app.page = (rows as usize).saturating_sub(8).max(1);
            Vec::new()
        }
        Msg::Yaml(r) => {
            app.yaml = Some(match r {
                Ok(text) => Yaml::Loaded(text),
                Err(e) => Yaml::Failed(e),
            });
            Vec::new()
        }
        Msg::Planned(r) => {
            planned(app, r, model);
            Vec::new()
        }
        Msg::Executed(r) => {
            let mut effects = Vec::new();
            if let Some(d) = app.dialog.as_mut() {
                let (ok, message) = match r {
                    Ok(m) => (true, m),
                    Err(m) => (false, m),
                };
                app.message = Some(message.clone());
                d.stage = Stage::Finished { ok, message };
                if let (true, Some(id)) = (ok, d.proposal.clone()) {
                    effects.push(Effect::RemRecord {
                        id,
                        reason: d.reason.clone().unwrap_or_default(),
                    });
                }
            }
            effects
        }
        Msg::Tree(key, r) => {
            // Only the detail still open keeps it; a late answer is dropped.
            if tree_key(app).as_deref() == Some(key.as_str()) {
                app.tree = Some((key, r));
            }
            Vec::new()
        }
        Msg::Query(id, answer) => {
            super::query::answered(app, id, answer);
            Vec::new()
        }
        Msg::Notice(text) => {
            app.message = Some(text);
            Vec::new()
        }
        Msg::Failover(plan, ev) => {
            super::failover::on_event(app, &plan, ev);
            Vec::new()
        }
        Msg::Remediation(super::remediation::Event::Revalidated(
            _,
            Ok(crate::remediation::apply::Revalidated::Same(p)),
        )) => {
            let cluster = model.rows.iter().position(|r| r.meta.reaches(&p.context));
            match (cluster, p.target.clone(), p.op.clone()) {
                (Some(c), Some(target), Some(op)) => {
                    let effects = open_dialog(app, model, c, target, op);
                    if let Some(d) = app.dialog.as_mut() {
                        d.proposal = Some(p.id.clone());
                    }
                    effects
                }
                _ => {
                    app.message = Some(format!("{}: its cluster is not shown here", p.id));
                    Vec::new()
                }
            }
        }
        Msg::Remediation(ev) => super::remediation::on_event(app, ev, model.now),
        Msg::RemTick => super::remediation::tick(app, model.now),
        Msg::QueryTick => super::query::tick(app, model.now),
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(app, key, model, keymap),
    }
}

fn on_key(app: &mut App, key: KeyEvent, model: &Model, keymap: &Keymap) -> Vec<Effect> {
    if app.dialog.is_some() {
        return on_dialog_key(app, key);
    }
    if app.prompt.is_some() {
        return super::failover::on_prompt_key(app, key);
    }
    if app.rem_prompt.is_some() {
        return super::remediation::on_prompt_key(app, key);
    }
    if app.input.is_some() {
        return on_input_key(app, key, model);
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        super::quit::request(app, false);
        return Vec::new();
    }
    let mode = match app.screen().view {
        View::Detail { .. } => Mode::Detail,
        _ => Mode::Table,
    };
    let Some(action) = keymap.action(mode, &key) else {
        return Vec::new();
    };
    if app.help {
        // Any of these closes help; other keys are ignored while it is open.
        if matches!(action, Action::Back | Action::Help | Action::Quit) {
            app.help = false;
        }
        return Vec::new();
    }
    if action != Action::Quit {
        // Anything but a second `q` withdraws the question.
        app.quit_asked = false;
    }
    app.message = None;
    act(app, action, model)
}

fn on_input_key(app: &mut App, key: KeyEvent, model: &Model) -> Vec<Effect> {
    let Some(input) = app.input.as_mut() else {
        return Vec::new();
    };
    if key.code == KeyCode::Tab && input.kind == InputKind::Command {
        super::palette::complete(app, model);
        return Vec::new();
    }
    input.completion = None;
    if input.kind == InputKind::Command && matches!(key.code, KeyCode::Up | KeyCode::Down) {
        let n = app.history.len();
        let back = match (key.code, input.recall) {
            (KeyCode::Up, None) => Some(0),
            (KeyCode::Up, Some(i)) => Some((i + 1).min(n.saturating_sub(1))),
            (_, Some(0) | None) => None,
            (_, Some(i)) => Some(i - 1),
        };
        input.recall = back.filter(|_| n > 0);
        input.text = match input.recall {
            Some(i) => app.history[n - 1 - i].clone(),
            None => String::new(),
        };
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => {
            app.input = None;
        }
        KeyCode::Enter => {
            let Input { kind, text, .. } = app.input.take().unwrap_or(Input {
                kind: InputKind::Filter,
                text: String::new(),
                completion: None,
                recall: None,
            });
            match kind {
                InputKind::Filter => {
                    let s = app.screen_mut();
                    s.filter = text;
                    s.selected = 0;
                }
                InputKind::Command => return command(app, text.trim(), model),
            }
        }
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => input.text.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.text.push(c);
            if input.kind == InputKind::Filter {
                app.screen_mut().selected = 0;
            }
        }
        _ => {}
    }
    Vec::new()
}
