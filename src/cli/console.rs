//! `fleetdeck` with no subcommand: the TUI over the live fleet or the demo;
//! and `connect`, which the reports share.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use kube::config::Kubeconfig;

use crate::app::state::App;
use crate::app::update::Msg;
use crate::config::Config;
use crate::console::Console;
use crate::cost::catalog::Catalog;
use crate::fleet::handles::Fleet;
use crate::journal::Journal;
use crate::keymap::Keymap;
use crate::paths::Paths;
use crate::startup::Options;
use crate::theme::Theme;

/// How often the console reads each cluster's Velero objects: backups
/// run hourly or daily, so a minute's delay hides nothing.
const BACKUPS_EVERY: u64 = 60;
/// … and its experiments: one can start minutes before a page, so sooner.
const CHAOS_EVERY: u64 = 15;
/// … and the mesh's traffic between workloads, over a 5-minute window.
const DEPS_EVERY: u64 = 30;
/// … and the week's trend of requests, which moves slowly.
const FORECAST_EVERY: u64 = 300;

/// Everything loaded once for a console or a report.
pub struct Connected {
    pub console: Console,
    pub paths: Paths,
    /// With SLO files and plans (the demo's own plan in the demo).
    pub config: Config,
    /// Files that could not be read, and the like: one line each.
    pub warnings: Vec<String>,
    /// For reconciling the journal (live clusters only).
    pub kubeconfig: Option<Kubeconfig>,
    pub demo: Option<crate::demo::DemoControl>,
    /// The price catalog, or why not.
    pub catalog: Result<Catalog, String>,
    /// Where the clusters' last-known state is kept (live fleets only).
    pub last_known: Option<crate::fleet::last_known::Store>,
}

/// The live fleet from the kubeconfig, or the simulated one. Must run
/// inside the runtime (the clusters connect in the background).
pub fn connect(opts: &Options, demo: bool) -> anyhow::Result<Connected> {
    if demo {
        let paths = Paths::resolve(opts.config_file)?;
        let mut config = Config::load(&paths.config_file)?;
        config.read_only |= opts.read_only;
        crate::demo::failover_config(&mut config);
        let (console, sim) = crate::demo::start(7);
        let (_, control) = crate::demo::spawn_controlled(sim);
        let catalog = Catalog::load(Some(&paths.config_dir.join("prices.csv")));
        return Ok(Connected {
            console,
            paths,
            config,
            warnings: Vec::new(),
            kubeconfig: None,
            demo: Some(control),
            catalog,
            last_known: None,
        });
    }
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let mut warnings = st.warnings;
    let mut console = Console::new(Fleet::connect(
        st.metas.clone(),
        st.kubeconfig.clone(),
        st.config.policy(),
    ));
    match crate::slo::report::pairs(&st.config, &st.metas) {
        Ok(pairs) => console.slo = crate::slo::monitor::Monitor::new(pairs),
        Err(e) => warnings.push(format!("SLOs: {e}")),
    }
    if let Err(e) = start_summary(&mut console, &st.config) {
        warnings.push(format!("summary mode: {e}"));
    }
    let store = crate::fleet::last_known::Store {
        path: st.paths.data_dir.join(crate::fleet::last_known::FILE),
        max_bytes: st.config.edge.last_known_max_mib.saturating_mul(1 << 20),
    };
    // A corrupt file costs the figures it held, never the start.
    match crate::fleet::last_known::read(&store.path) {
        Ok(Some(lk)) => crate::fleet::last_known::load(&console.fleet, lk),
        Ok(None) => {}
        Err(e) => {
            // Said at once, like the kubeconfig's warnings: a headless
            // command shows no footer.
            errln!("fleetdeck: last-known state: {e}");
            warnings.push(format!("last-known state: {e}"));
        }
    }
    let catalog = Catalog::load(Some(&st.paths.config_dir.join("prices.csv")));
    Ok(Connected {
        console,
        paths: st.paths,
        config: st.config,
        warnings,
        kubeconfig: Some(st.kubeconfig),
        demo: None,
        catalog,
        last_known: Some(store),
    })
}

/// Summarised clusters get their counts from the metrics engine; without
/// an endpoint they say so on their rows.
fn start_summary(console: &mut Console, config: &Config) -> Result<(), String> {
    let stores: Vec<_> = console
        .fleet
        .stores()
        .into_iter()
        .filter(|(m, _)| m.summary)
        .collect();
    if stores.is_empty() {
        return Ok(());
    }
    let endpoint = crate::ksm::inventory::endpoint(config);
    match endpoint {
        Ok(ep) => {
            console.summary = Some(crate::ksm::spawn(
                ep,
                config.summary.cluster_label.clone(),
                stores,
                console.fleet.notify.clone(),
                std::time::Duration::from_secs(config.summary.refresh_seconds),
            ));
            Ok(())
        }
        Err(e) => {
            crate::ksm::unavailable(&stores, &e);
            Err(e)
        }
    }
}

/// After a crash, unfinished intents are checked against live state in the
/// background (the first frame never waits on the network); the finding
/// shows in the footer and is journaled.
fn reconcile_in_background(
    journal: Arc<Journal>,
    kubeconfig: Kubeconfig,
    read_only: bool,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let found = crate::ops::journaled::reconcile(&journal, |ctx: String| {
            let kubeconfig = kubeconfig.clone();
            async move {
                crate::fleet::kubeconfig::client_for(&kubeconfig, &ctx, read_only)
                    .await
                    .ok()
            }
        })
        .await;
        let notice = match found {
            Ok(lines) if lines.is_empty() => return,
            Ok(lines) => format!(
                "{} unfinished action(s) reconciled: {}",
                lines.len(),
                lines.join("; ")
            ),
            Err(e) => format!("journal {}: {e}", journal.path().display()),
        };
        let _ = tx.send(Msg::Notice(notice));
    });
}

/// Dependencies of the clusters whose objects the console holds (summarised
/// ones have none): traffic from each one's Prometheus.
fn spawn_deps(console: &Console, config: Arc<Config>) {
    let stores: Vec<_> = console
        .stores()
        .into_iter()
        .filter(|(m, _)| !m.summary)
        .collect();
    let metas: Vec<_> = stores.iter().map(|(m, _)| m.clone()).collect();
    let prom = crate::slo::sources::PromClient::new(&config.prometheus);
    let cfg = config.clone();
    let traffic = move || {
        let (metas, cfg, prom) = (metas.clone(), cfg.clone(), prom.clone());
        async move { crate::deps::monitor::read_traffic(&metas, &cfg, &prom).await }
    };
    console.deps.spawn(
        stores,
        config,
        (console.chaos.clone(), console.slo.clone()),
        Duration::from_secs(DEPS_EVERY),
        console.notify.clone(),
        traffic,
    );
}

pub fn run(
    opts: &Options,
    demo: bool,
    theme: Option<String>,
    keymap: Option<String>,
) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let c = connect(opts, demo)?;
        let (paths, config) = (&c.paths, &c.config);
        let theme_name = theme.or(config.theme.clone()).unwrap_or("dark".into());
        let keymap_name = keymap.or(config.keymap.clone()).unwrap_or("default".into());
        // Bad theme or keymap files stop here, before the terminal is taken over.
        let theme = Theme::load(&theme_name, Some(&paths.config_dir.join("themes")))?;
        // no-color.org: present and not empty.
        let theme = match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => theme.without_color(),
            _ => theme,
        };
        let keymap = Keymap::load(&keymap_name, Some(&paths.config_dir.join("keymaps")))?;
        let dir = if demo {
            &paths.demo_dir
        } else {
            &paths.journal_dir
        };
        let journal =
            Journal::open(dir).map_err(|e| anyhow::anyhow!("journal {}: {e}", dir.display()))?;
        let journal = Arc::new(journal);
        let read_only = config.read_only;
        let mut warnings = c.warnings;
        let config = Arc::new(c.config);
        let (catalog, priced) = match c.catalog {
            Ok(catalog) => (Arc::new(catalog), true),
            Err(e) => {
                // Shown in the footer; the rest of the console works.
                warnings.insert(0, format!("prices: {e}; no cost figures"));
                (Arc::new(Catalog::default()), false)
            }
        };
        let console = c.console;
        // The demo computes its own costs (with simulated usage).
        if !demo && priced {
            console.cost.spawn(
                console.stores(),
                config.clone(),
                catalog.clone(),
                Duration::from_secs(30),
                console.notify.clone(),
            );
        }
        if !demo {
            let readers = console.readers();
            console.chaos.spawn(
                readers.clone(),
                Duration::from_secs(CHAOS_EVERY),
                console.notify.clone(),
            );
            console.backups.spawn(
                readers,
                config.clone(),
                Duration::from_secs(BACKUPS_EVERY),
                console.notify.clone(),
            );
            spawn_deps(&console, config.clone());
            let metas = crate::forecast::monitor::asked(&console);
            console.forecast.spawn(
                metas,
                config.clone(),
                Duration::from_secs(FORECAST_EVERY),
                console.notify.clone(),
            );
        }
        let every = match demo {
            true => Duration::from_secs(5),
            false => Duration::from_secs(config.prometheus.refresh_seconds.max(5)),
        };
        console.slo.spawn(every, console.notify.clone());
        let mut app = App::new(read_only, demo);
        app.group_by = config.group_by;
        app.experiments = config.experiments.clone();
        app.services = config.services.clone();
        app.saved_queries = config
            .queries
            .iter()
            .map(|q| (q.name.clone(), q.query.clone()))
            .collect();
        app.history = crate::tui::load_history(if demo {
            &paths.demo_dir
        } else {
            &paths.data_dir
        });
        app.message = warnings.first().cloned();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        if let Some(kc) = c.kubeconfig.clone() {
            reconcile_in_background(journal.clone(), kc, read_only, tx.clone());
        }
        let actions = crate::tui::Actions {
            journal: Some(journal),
            demo: c.demo,
            data_dir: if demo {
                paths.demo_dir.clone()
            } else {
                paths.data_dir.clone()
            },
            drift_dir: config
                .drift
                .dir
                .as_ref()
                .map(|d| match paths.config_file.parent() {
                    Some(base) if d.is_relative() => base.join(d),
                    _ => d.clone(),
                }),
            prom: crate::slo::sources::PromClient::new(&config.prometheus),
            kubeconfig: Arc::new(c.kubeconfig.unwrap_or_default()),
            last_known: c.last_known.map(|s| {
                let every = config.edge.last_known_every_seconds.max(5);
                (s, Duration::from_secs(every))
            }),
            config,
            catalog,
        };
        crate::tui::run(console, app, theme, keymap, actions, (tx, rx)).await
    })?;
    Ok(ExitCode::SUCCESS)
}
