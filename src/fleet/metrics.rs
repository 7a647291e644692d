//! A cluster's counts as a metrics engine reports them (summary mode):
//! plain data written by the kube-state-metrics reader, read by rows. A
//! count with no series is `None`, never zero.

use chrono::{DateTime, Utc};

use super::summary::{Ratio, WorkloadCounts};
use super::tally::PodCounts;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricCounts {
    /// When the figures were read.
    pub as_of: Option<DateTime<Utc>>,
    pub nodes: Option<Ratio>,
    pub pods: Option<PodCounts>,
    pub workloads: Option<WorkloadCounts>,
    /// Containers waiting in CrashLoopBackOff.
    pub crashlooping: Option<usize>,
    /// Why the last read failed; the figures above are from the one before.
    pub error: Option<String>,
}
