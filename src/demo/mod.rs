//! The demo: a simulated fleet fed through the same ingest path as live
//! clusters (`fleet::store::Kind::apply` on watch events), so `fleetdeck
//! --demo` exercises the real stores, rows and views minus the network.
//!
//! Six clusters in three regions on two clouds (`layout.rs`); each tick is one
//! second of demo time and moves a scripted set of scenarios (`script.rs`):
//! a canary stepping through its weights (and waiting at a `pause: {}` for
//! the operator to promote it), a blue/green cutover, a cluster going
//! unreachable, a node NotReady, a crash loop, a Pending pod, probe failures
//! and restarts. Actions plan through the same `ops::build::compute` as live
//! (`plan.rs`) and their requests act on the simulation (`control.rs`), the
//! Argo ones through the simulated controller, the route and Service ones
//! (`traffic.rs`) on stored objects.
//!
//! ```no_run
//! # async fn run() {
//! let (fleet, demo) = fleetdeck::demo::start(42);
//! let ticker = fleetdeck::demo::spawn(demo); // the fleet fills within a tick
//! let rows = fleet.rows(chrono::Utc::now());
//! # drop((rows, ticker));
//! # }
//! ```

mod backups;
mod chaos;
mod control;
mod costs;
mod deps;
mod failover;
mod feed;
mod forecast;
mod layout;
mod metrics;
mod objects;
mod patch;
mod plan;
mod remediation;
mod requests;
mod rng;
mod rollouts;
mod script;
pub mod strategic;
mod traffic;
mod world;

#[cfg(test)]
mod action_tests;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::console::Console;
use crate::fleet::handles::Fleet;
use crate::fleet::live::{ClusterHandle, Notifier};
use crate::fleet::store::ClusterData;
use crate::fleet::summary::HealthPolicy;

pub use control::{DemoControl, Mark};
pub use failover::{failover_config, DemoBackend};
use feed::Feed;
pub use remediation::DemoScanner;
use world::World;

/// The simulation. It owns the simulated clusters and writes their stores;
/// any number of [`Fleet`]s made by [`Demo::fleet`] read them.
pub struct Demo {
    world: World,
    feeds: Vec<Feed>,
    notify: Notifier,
    tick: i64,
    /// Wall-clock time of the first tick: demo seconds count from here.
    epoch: Option<DateTime<Utc>>,
    /// Demo seconds at the last tick, to stamp what actions change.
    at: i64,
    /// Request counters behind the demo's SLOs.
    metrics: metrics::Metrics,
    /// Cost figures, recomputed every few ticks.
    cost: crate::cost::monitor::CostMonitor,
    catalog: crate::cost::catalog::Catalog,
    backups: crate::backups::monitor::BackupMonitor,
    chaos: crate::chaos::monitor::ChaosMonitor,
    deps: crate::deps::monitor::DepsMonitor,
    forecast: crate::forecast::monitor::ForecastMonitor,
    /// The services the graph joins with the SLOs (`deps.rs`).
    deps_config: Arc<crate::config::Config>,
}

/// A demo and a console reading it. It shows every cluster as connecting
/// until the first [`Demo::step`].
pub fn start(seed: u64) -> (Console, Demo) {
    let demo = Demo::new(seed);
    (demo.console(), demo)
}

/// Ticks `demo` once a second, forever (abort the handle to stop it). The
/// first tick is immediate.
pub fn spawn(demo: Demo) -> JoinHandle<()> {
    spawn_controlled(demo).0
}

/// Like `spawn`, plus a handle through which actions reach the simulation
/// between ticks.
pub fn spawn_controlled(mut demo: Demo) -> (JoinHandle<()>, DemoControl) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<control::Command>();
    let task = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => demo.step(Utc::now()),
                Some(cmd) = rx.recv() => demo.serve(cmd),
            }
        }
    });
    (task, DemoControl { tx })
}

impl Demo {
    /// The same seed gives the same fleet and, stepped with the same clock,
    /// the same run.
    pub fn new(seed: u64) -> Demo {
        let mut world = layout::build(seed);
        script::setup(&mut world);
        let feeds = world
            .clusters
            .iter()
            .map(|_| Feed::new(Arc::new(Mutex::new(ClusterData::default()))))
            .collect();
        let names: Vec<(String, String)> = world
            .clusters
            .iter()
            .map(|c| (c.meta.context.clone(), c.meta.name.clone()))
            .collect();
        Demo {
            world,
            feeds,
            notify: Arc::new(Notify::new()),
            tick: 0,
            epoch: None,
            at: 0,
            metrics: metrics::Metrics::new(&names),
            cost: Default::default(),
            catalog: crate::cost::catalog::Catalog::load(None).unwrap_or_default(),
            backups: Default::default(),
            chaos: Default::default(),
            deps: Default::default(),
            forecast: Default::default(),
            deps_config: deps::config(),
        }
    }

    /// A console over the demo's stores (cheap: the stores are shared, not
    /// copied), with the default health policy and the demo's SLO and cost
    /// monitors.
    pub fn console(&self) -> Console {
        let handles = self
            .world
            .clusters
            .iter()
            .zip(&self.feeds)
            .map(|(c, f)| ClusterHandle::detached(c.meta.clone(), f.data.clone()))
            .collect();
        Console {
            fleet: Fleet::from_handles(handles, HealthPolicy::default(), self.notify.clone()),
            slo: self.metrics.monitor.clone(),
            cost: self.cost.clone(),
            backups: self.backups.clone(),
            chaos: self.chaos.clone(),
            deps: self.deps.clone(),
            forecast: self.forecast.clone(),
            summary: None,
        }
    }

    /// Ticks done so far.
    pub fn tick(&self) -> i64 {
        self.tick
    }

    /// Advances one tick (one second of demo time) and feeds every reachable
    /// cluster's changes to its store; `now` stamps what happens in it.
    /// Schedules run on the tick count, not on `now`.
    pub fn step(&mut self, now: DateTime<Utc>) {
        let epoch = *self.epoch.get_or_insert(now);
        let at = (now - epoch).num_seconds();
        self.at = at;
        let tick = self.tick;
        script::advance(&mut self.world, tick, at);
        let mut changed = false;
        for (c, feed) in self.world.clusters.iter().zip(&mut self.feeds) {
            changed |= if script::reachable(&c.meta.name, tick) {
                let snap = objects::snapshot(c, self.world.seed, tick, epoch);
                feed.push(&c.version, &snap, now)
            } else {
                feed.lose(now)
            };
        }
        self.metrics.step(now, |name| script::reachable(name, tick));
        if self.forecast.latest().is_none() {
            // A week's trend is there from the start.
            let names: Vec<String> = self
                .world
                .clusters
                .iter()
                .map(|c| c.meta.context.clone())
                .collect();
            self.forecast.set(forecast::fleet(&names, now));
        }
        if tick % 10 == 1 {
            let stores: Vec<_> = self
                .world
                .clusters
                .iter()
                .zip(&self.feeds)
                .map(|(c, f)| (c.meta.clone(), f.data.clone()))
                .collect();
            self.cost.set(costs::compute(&stores, &self.catalog));
            let contexts: Vec<_> = stores
                .iter()
                .map(|(m, _)| (m.context.clone(), m.group.clone()))
                .collect();
            self.backups.set(backups::fleet(&contexts, now));
            let names: Vec<String> = contexts.into_iter().map(|(c, _)| c).collect();
            self.chaos.set(chaos::fleet(&names, now));
            self.forecast.set(forecast::fleet(&names, now));
            let slos: Vec<_> = self.metrics.monitor.rows(now);
            let slos: Vec<_> = slos.into_iter().map(|(r, _)| r).collect();
            let chaos = self.chaos.latest();
            let traffic = deps::traffic(&names);
            let around = crate::deps::monitor::Around {
                config: &self.deps_config,
                traffic: &traffic,
                chaos: chaos.as_deref(),
                slos: &slos,
            };
            self.deps
                .set(crate::deps::monitor::assemble(&stores, &around));
            changed = true;
        }
        if changed {
            self.notify.notify_one();
        }
        self.tick += 1;
    }
}
