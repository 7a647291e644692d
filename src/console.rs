//! What the console watches: the fleet's clusters (the data layer) and the
//! background monitors that read them back — SLOs, costs, backups, chaos experiments and
//! dependencies. The fleet
//! layer knows nothing of SLOs or costs; this owner joins them for the TUI,
//! the demo and the headless reports. It derefs to the [`Fleet`], so code
//! that only needs clusters takes a `&Fleet` either way.

use std::ops::Deref;

use crate::backups::monitor::BackupMonitor;
use crate::chaos::monitor::ChaosMonitor;
use crate::cost::monitor::CostMonitor;
use crate::deps::monitor::DepsMonitor;
use crate::fleet::handles::Fleet;
use crate::slo::monitor::Monitor;

pub struct Console {
    pub fleet: Fleet,
    /// SLOs of these clusters, refreshed in the background when configured.
    pub slo: Monitor,
    /// Costs of these clusters, recomputed in the background.
    pub cost: CostMonitor,
    /// Velero backups of these clusters, read in the background.
    pub backups: BackupMonitor,
    /// Chaos experiments in these clusters, read in the background.
    pub chaos: ChaosMonitor,
    /// Service dependencies, joined in the background from traffic and
    /// declarations.
    pub deps: DepsMonitor,
    /// Capacity forecasts, read in the background.
    pub forecast: crate::forecast::monitor::ForecastMonitor,
    /// Summary mode's reader of the metrics engine (`ksm`), while it runs.
    pub summary: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(t) = &self.summary {
            t.abort();
        }
    }
}

impl Console {
    /// The fleet with no SLOs, cost figures or backups yet.
    pub fn new(fleet: Fleet) -> Console {
        Console {
            fleet,
            slo: Monitor::default(),
            cost: CostMonitor::default(),
            backups: BackupMonitor::default(),
            chaos: ChaosMonitor::default(),
            deps: DepsMonitor::default(),
            forecast: Default::default(),
            summary: None,
        }
    }
}

impl Deref for Console {
    type Target = Fleet;
    fn deref(&self) -> &Fleet {
        &self.fleet
    }
}
