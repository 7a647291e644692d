//! Quitting while something runs in the background: a failover run or a
//! remediation batch is asked to stop between actions (its journal gets an
//! end record), and the console quits once it has. The first `q` asks; a
//! second one confirms; `:q!` leaves at once.

use std::sync::atomic::Ordering;

use super::dialog::Stage;
use super::state::App;

/// What is in flight, in words (empty: nothing).
pub fn in_flight(app: &App) -> Vec<String> {
    let mut out: Vec<String> = app
        .failover
        .iter()
        .filter(|(_, s)| s.running.is_some())
        .map(|(name, _)| format!("failover {name}"))
        .collect();
    if app.remediation.batch.is_some() {
        out.push("a remediation batch".into());
    }
    if app
        .dialog
        .as_ref()
        .is_some_and(|d| matches!(d.stage, Stage::Running))
    {
        out.push("an action".into());
    }
    out
}

/// `q`, `:q`, ctrl-c. `force` (`:q!`) quits whatever runs.
pub fn request(app: &mut App, force: bool) {
    let busy = in_flight(app);
    if busy.is_empty() || force {
        app.quit = true;
        app.force_quit = force;
        return;
    }
    if !app.quit_asked {
        app.quit_asked = true;
        app.message = Some(format!(
            "{} in flight — q again stops it after its current action and quits (journaled); :q! quits now; any other key stays",
            busy.join(", ")
        ));
        return;
    }
    for s in app.failover.values() {
        if let Some(flag) = &s.running {
            flag.store(true, Ordering::SeqCst);
        }
    }
    if let Some(flag) = &app.remediation.batch {
        flag.store(true, Ordering::SeqCst);
    }
    app.quit = true;
    app.message = Some(format!(
        "stopping {} after the current action, then quitting",
        busy.join(", ")
    ));
}

/// Whether the loop may end now: asked to, and nothing left running (or
/// told to leave regardless).
pub fn may_leave(app: &App) -> bool {
    app.quit && (app.force_quit || in_flight(app).is_empty())
}
