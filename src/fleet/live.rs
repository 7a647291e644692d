//! One handle per cluster: its client, one watch per resource kind and a health
//! probe, all feeding the cluster's store. Clusters connect in parallel and
//! never wait on each other; a watch error is recorded, never the end of a watch.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event as CoreEvent, Namespace, Node};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::config::Kubeconfig;
use kube::runtime::watcher::{self, watcher, Event};
use kube::runtime::WatchStreamExt;
use kube::Client;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::kubeconfig::{client_from, config_for, one_line, ContextError};
use super::objects::{Compact, WorkloadSource};
use super::revisions::{RevisionSource, WireControllerRevision, WireReplicaSet};
use super::store::{ClusterData, Connection, Kind, Resource, ResourceState};
use super::summary::ClusterMeta;
use super::syncs::WireApplication;
use crate::config::cluster::EdgeLink;

/// Wakes the UI when any cluster's data changed; it carries no data (the UI
/// pulls the latest state), and many wake-ups coalesce into one.
pub type Notifier = Arc<Notify>;

pub type SharedData = Arc<Mutex<ClusterData>>;

/// A cluster being watched. Dropping it stops its tasks.
pub struct ClusterHandle {
    pub meta: ClusterMeta,
    pub data: SharedData,
    /// The cluster's one client, once it could be built (never for the demo).
    pub client: Arc<OnceLock<Client>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// The row's counts as of a store generation (`summary::cluster_row_cached`).
    pub counts: Mutex<Option<(u64, super::summary::Counts)>>,
    /// A summarised cluster: how to watch it live when the operator looks.
    on_demand: Option<OnDemand>,
}

struct OnDemand {
    kubeconfig: Arc<Kubeconfig>,
    notify: Notifier,
    /// When the operator last looked at it.
    looked_at: Mutex<Option<std::time::Instant>>,
}

impl ClusterHandle {
    /// A handle whose store is fed from elsewhere (the demo simulator).
    pub fn detached(meta: ClusterMeta, data: SharedData) -> Self {
        ClusterHandle {
            meta,
            data,
            client: Arc::new(OnceLock::new()),
            tasks: Arc::new(Mutex::new(Vec::new())),
            counts: Mutex::new(None),
            on_demand: None,
        }
    }
}

impl ClusterHandle {
    /// A discovered cluster with no way in: a row, no tasks.
    pub fn listed(meta: ClusterMeta, why: String) -> Self {
        let data = ClusterData {
            connection: Connection::Listed { why },
            ..ClusterData::default()
        };
        Self::detached(meta, Arc::new(Mutex::new(data)))
    }

    /// A summarised cluster: a row the metrics reader fills; not contacted
    /// until `go_live`.
    pub fn summary(meta: ClusterMeta, kubeconfig: Arc<Kubeconfig>, notify: Notifier) -> Self {
        let data = ClusterData {
            connection: Connection::Summary,
            ..ClusterData::default()
        };
        let mut handle = Self::detached(meta, Arc::new(Mutex::new(data)));
        handle.on_demand = Some(OnDemand {
            kubeconfig,
            notify,
            looked_at: Mutex::new(None),
        });
        handle
    }

    /// Whether it is summarised and may go live on demand.
    pub fn on_demand(&self) -> bool {
        self.on_demand.is_some()
    }

    /// Whether its watches run.
    pub fn is_live(&self) -> bool {
        self.tasks.lock().is_ok_and(|t| !t.is_empty())
    }

    /// When the operator last looked at this summarised cluster.
    pub fn looked_at(&self) -> Option<std::time::Instant> {
        let od = self.on_demand.as_ref()?;
        *od.looked_at.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The operator looks at it: a summarised cluster opens its watches.
    pub fn go_live(&self, now: std::time::Instant) {
        let Some(od) = &self.on_demand else { return };
        *od.looked_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(now);
        // Known only to the metrics engine: no context to watch it through.
        if self.is_live()
            || !od
                .kubeconfig
                .contexts
                .iter()
                .any(|c| c.name == self.meta.context)
        {
            return;
        }
        tracing::info!(context = %self.meta.context, "summarised cluster: watching it live");
        if let Ok(mut d) = self.data.lock() {
            d.connection = Connection::Connecting;
            d.touch(true);
        }
        start(
            &self.meta,
            od.kubeconfig.clone(),
            &self.data,
            &self.tasks,
            &self.client,
            od.notify.clone(),
        );
    }

    /// Back to summary: its watches stop and what they held is let go; the
    /// metrics engine's figures stay.
    pub fn rest(&self) {
        let Some(od) = &self.on_demand else { return };
        if let Ok(mut t) = self.tasks.lock() {
            for task in t.drain(..) {
                task.abort();
            }
        }
        tracing::info!(context = %self.meta.context, "summarised cluster: watches closed");
        if let Ok(mut d) = self.data.lock() {
            let generation = d.generation;
            *d = ClusterData {
                connection: Connection::Summary,
                metrics: std::mem::take(&mut d.metrics),
                generation,
                ..ClusterData::default()
            };
            d.touch(true);
        }
        od.notify.notify_one();
    }
}

impl Drop for ClusterHandle {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.lock() {
            for t in tasks.iter() {
                t.abort();
            }
        }
    }
}

/// How often the health probe asks `/readyz`. Watches notice a dead server on
/// their own when its connections reset; the probe catches the silent cases (a
/// partition, an etcd outage behind a still-answering API server).
pub const PROBE_INTERVAL: Duration = Duration::from_secs(10);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts watching one context. Returns at once; connecting happens in the
/// background.
pub fn spawn_cluster(
    meta: ClusterMeta,
    kubeconfig: Arc<Kubeconfig>,
    notify: Notifier,
) -> ClusterHandle {
    let data: SharedData = Arc::new(Mutex::new(ClusterData::default()));
    let handle = ClusterHandle::detached(meta, data);
    start(
        &handle.meta,
        kubeconfig,
        &handle.data,
        &handle.tasks,
        &handle.client,
        notify,
    );
    handle
}

type Tasks = Arc<Mutex<Vec<JoinHandle<()>>>>;

/// Spawns a cluster's main task (which spawns its watches into `tasks`).
fn start(
    meta: &ClusterMeta,
    kubeconfig: Arc<Kubeconfig>,
    data: &SharedData,
    tasks: &Tasks,
    client: &Arc<OnceLock<Client>>,
    notify: Notifier,
) {
    // Every line a cluster's tasks log names its context.
    let span = tracing::info_span!("cluster", context = %meta.context);
    let main = tokio::spawn(
        run_cluster(
            // A meta built by hand may name only its context.
            if meta.contexts.is_empty() {
                vec![meta.context.clone()]
            } else {
                meta.contexts.clone()
            },
            meta.read_only,
            meta.edge,
            kubeconfig,
            data.clone(),
            notify,
            tasks.clone(),
            client.clone(),
        )
        .instrument(span),
    );
    if let Ok(mut t) = tasks.lock() {
        t.push(main);
    }
}

fn update(data: &SharedData, notify: &Notifier, f: impl FnOnce(&mut ClusterData) -> bool) {
    let changed = match data.lock() {
        Ok(mut d) => f(&mut d),
        Err(_) => false,
    };
    if changed {
        notify.notify_one();
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_cluster(
    contexts: Vec<String>,
    read_only: bool,
    edge: Option<EdgeLink>,
    kubeconfig: Arc<Kubeconfig>,
    data: SharedData,
    notify: Notifier,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    slot: Arc<OnceLock<Client>>,
) {
    // One watch per cluster however many contexts reach it.
    let (context, why) = super::via::choose(&kubeconfig, &contexts, read_only).await;
    if let Some(why) = why {
        tracing::info!("{why}");
    }
    if contexts.len() > 1 {
        update(&data, &notify, |d| {
            d.via = Some(context.clone());
            true
        });
    }
    if let Some(e) = edge {
        update(&data, &notify, |d| {
            d.link = Some(super::link::Link::new(e.hold_seconds));
            false
        });
    }
    // An edge link may be down for hours: retry less often.
    let max_backoff = Duration::from_secs(if edge.is_some() { 300 } else { 60 });
    // Building the client may run an exec credential plugin; one that fails is
    // retried, since tokens get refreshed outside fleetdeck.
    let mut backoff = Duration::from_secs(2);
    let client = loop {
        let built = match config_for(&kubeconfig, &context).await {
            Ok(cfg) => match tls_first(&cfg, &context, &data, &notify).await {
                Ok(()) => client_from(cfg, &context, read_only),
                Err(e) => Err(ContextError::new(&context, e)),
            },
            Err(e) => Err(e),
        };
        match built {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!("no client, retrying in {backoff:?}: {}", e.message);
                update(&data, &notify, |d| {
                    d.set_connection(Connection::Failed {
                        error: e.message.clone(),
                        since: Utc::now(),
                        transport: true,
                    })
                });
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(max_backoff);
            }
        }
    };
    let _ = slot.set(client.clone());
    let mut spawned = vec![
        tokio::spawn(
            probe(
                client.clone(),
                data.clone(),
                notify.clone(),
                edge.map_or(PROBE_TIMEOUT, |e| {
                    Duration::from_secs(e.timeout_seconds.max(1))
                }),
            )
            .in_current_span(),
        ),
        watch::<Node, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::Nodes,
            &data,
            &notify,
            |d| &mut d.nodes,
            |n| n,
        ),
        watch::<Namespace, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::Namespaces,
            &data,
            &notify,
            |d| &mut d.namespaces,
            |n| n,
        ),
        watch::<Deployment, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::Deployments,
            &data,
            &notify,
            |d| &mut d.deployments,
            WorkloadSource::Deployment,
        ),
        watch::<StatefulSet, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::StatefulSets,
            &data,
            &notify,
            |d| &mut d.statefulsets,
            WorkloadSource::StatefulSet,
        ),
        watch::<DaemonSet, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::DaemonSets,
            &data,
            &notify,
            |d| &mut d.daemonsets,
            WorkloadSource::DaemonSet,
        ),
        watch_stream(
            super::pod_watch::pod_events(client.clone()),
            Resource::Pods,
            &data,
            &notify,
            |d| &mut d.pods,
            |p| p,
        ),
        watch::<CoreEvent, _>(
            Api::all(client.clone()),
            watcher::Config::default().fields("type=Warning"),
            Resource::Events,
            &data,
            &notify,
            |d| &mut d.events,
            |e| e,
        ),
        watch::<CoreEvent, _>(
            Api::all(client.clone()),
            watcher::Config::default().fields("reportingComponent=fleetdeck.io/console"),
            Resource::Actions,
            &data,
            &notify,
            |d| &mut d.actions,
            |e| e,
        ),
        watch::<CoreEvent, _>(
            Api::all(client.clone()),
            watcher::Config::default().fields("reason=ScalingReplicaSet"),
            Resource::Scaling,
            &data,
            &notify,
            |d| &mut d.scaling,
            |e| e,
        ),
        watch::<WireReplicaSet, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::ReplicaSets,
            &data,
            &notify,
            |d| &mut d.replicasets,
            RevisionSource::ReplicaSet,
        ),
        watch::<WireControllerRevision, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::ControllerRevisions,
            &data,
            &notify,
            |d| &mut d.controller_revisions,
            RevisionSource::Controller,
        ),
        watch::<WireApplication, _>(
            Api::all(client.clone()),
            watcher::Config::default(),
            Resource::Applications,
            &data,
            &notify,
            |d| &mut d.applications,
            |a| a,
        ),
        watch_rollouts(client, &data, &notify),
    ];
    if let Ok(mut t) = tasks.lock() {
        t.append(&mut spawned);
    }
}

/// Argo Rollouts are watched as dynamic objects: a Rollout that does not match
/// the expected schema still decodes, and `rollout_info` reads it leniently.
fn watch_rollouts(client: Client, data: &SharedData, notify: &Notifier) -> JoinHandle<()> {
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "rollouts");
    let api: Api<DynamicObject> = Api::all_with(client, &ar);
    watch(
        api,
        watcher::Config::default(),
        Resource::Rollouts,
        data,
        notify,
        |d| &mut d.rollouts,
        WorkloadSource::Rollout,
    )
}

fn watch<K, T>(
    api: Api<K>,
    config: watcher::Config,
    resource: Resource,
    data: &SharedData,
    notify: &Notifier,
    kind: fn(&mut ClusterData) -> &mut Kind<T>,
    wrap: fn(K) -> T::Source,
) -> JoinHandle<()>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
    T: Compact,
{
    let stream = watcher(api, config.any_semantic()).modify(strip);
    watch_stream(stream, resource, data, notify, kind, wrap)
}

/// Feeds one kind's store from a watcher's stream of events and errors.
fn watch_stream<K, T>(
    stream: impl futures::Stream<Item = Result<Event<K>, watcher::Error>> + Send + 'static,
    resource: Resource,
    data: &SharedData,
    notify: &Notifier,
    kind: fn(&mut ClusterData) -> &mut Kind<T>,
    wrap: fn(K) -> T::Source,
) -> JoinHandle<()>
where
    K: Send + 'static,
    T: Compact,
{
    let data = data.clone();
    let notify = notify.clone();
    tokio::spawn(
        async move {
            futures::pin_mut!(stream);
            // The link is set before the watches start (`run_cluster`).
            let edge = data.lock().is_ok_and(|d| d.link.is_some());
            let mut backoff = Backoff {
                edge,
                ..Backoff::default()
            };
            loop {
                // After an error, a poll that stays quiet means the watch is back:
                // resuming a watch yields no event, and errors come back at once.
                let item = if backoff.failing() {
                    match tokio::time::timeout(QUIET, stream.next()).await {
                        Ok(item) => item,
                        Err(_) => {
                            backoff.reset();
                            tracing::info!("watch {resource:?} is back");
                            update(&data, &notify, |d| {
                                d.seen(Utc::now());
                                let k = kind(d);
                                let changed = k.synced_once && k.set_state(ResourceState::Ready);
                                d.touch(changed)
                            });
                            continue;
                        }
                    }
                } else {
                    stream.next().await
                };
                match item {
                    None => return,
                    Some(Ok(event)) => {
                        backoff.reset();
                        update(&data, &notify, |d| {
                            d.seen(Utc::now());
                            let mut changed = kind(d).apply(map_event(event, wrap));
                            if !kind(d).state.is_ready() && kind(d).synced_once {
                                changed |= kind(d).set_state(ResourceState::Ready);
                            }
                            d.touch(changed)
                        })
                    }
                    Some(Err(e)) => {
                        let wait = backoff.next();
                        // 410 Gone: the watcher relists by itself; not worth a state.
                        let state = classify(&e);
                        let why = match &state {
                            None => "expired (410), relisting".to_string(),
                            Some(ResourceState::Forbidden(m)) => format!("forbidden: {m}"),
                            Some(ResourceState::Missing) => "not served (404)".to_string(),
                            Some(ResourceState::Failing { error, .. }) => error.clone(),
                            Some(other) => format!("{other:?}"),
                        };
                        tracing::info!("watch {resource:?} failed, retrying in {wait:?}: {why}");
                        if let Some(state) = state {
                            update(&data, &notify, |d| {
                                if !matches!(
                                    state,
                                    ResourceState::Failing {
                                        transport: true,
                                        ..
                                    }
                                ) {
                                    d.seen(Utc::now());
                                }
                                d.set_resource_state(resource, state)
                            });
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        .in_current_span(),
    )
}

/// How long a poll after an error must stay quiet to count as a recovered watch.
const QUIET: Duration = Duration::from_secs(2);

/// Exponential backoff between failed watch attempts: 0.5 s doubling to
/// 16 s, or to 256 s on an edge link (down for hours, not seconds).
#[derive(Default)]
struct Backoff {
    attempts: u32,
    edge: bool,
}

impl Backoff {
    fn failing(&self) -> bool {
        self.attempts > 0
    }
    fn reset(&mut self) {
        self.attempts = 0;
    }
    fn next(&mut self) -> Duration {
        self.attempts += 1;
        let (doublings, max) = match self.edge {
            true => (10, 256_000),
            false => (6, 16_000),
        };
        let ms = 500u64.saturating_mul(1 << self.attempts.min(doublings).saturating_sub(1));
        Duration::from_millis(ms.min(max))
    }
}

fn strip<K: kube::Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    // Workloads keep who wrote what (two levels deep) for the timeline.
    super::managers::slim(meta);
    // last-applied-configuration can be as big as the object itself.
    if let Some(a) = meta.annotations.as_mut() {
        a.retain(|k, v| k != "kubectl.kubernetes.io/last-applied-configuration" && v.len() < 4096);
    }
}

fn map_event<K, S>(e: Event<K>, wrap: fn(K) -> S) -> Event<S> {
    match e {
        Event::Apply(k) => Event::Apply(wrap(k)),
        Event::Delete(k) => Event::Delete(wrap(k)),
        Event::Init => Event::Init,
        Event::InitApply(k) => Event::InitApply(wrap(k)),
        Event::InitDone => Event::InitDone,
    }
}

/// 403 → Forbidden, 404 → Missing (CRD not installed), 410 → nothing (the
/// watcher relists), another code → failing but reachable, anything else → the
/// server is not reachable.
fn classify(e: &watcher::Error) -> Option<ResourceState> {
    let client_err = match e {
        watcher::Error::InitialListFailed(c)
        | watcher::Error::WatchStartFailed(c)
        | watcher::Error::WatchFailed(c) => Some(c),
        _ => None,
    };
    let status = match (e, client_err) {
        (watcher::Error::WatchError(s), _) => Some(s.as_ref()),
        (_, Some(kube::Error::Api(s))) => Some(s.as_ref()),
        _ => None,
    };
    Some(match status {
        Some(s) if s.code == 410 => return None,
        Some(s) if s.code == 403 => ResourceState::Forbidden(s.message.clone()),
        Some(s) if s.code == 404 => ResourceState::Missing,
        Some(s) => ResourceState::Failing {
            error: format!("{} ({})", s.message, s.code),
            since: Utc::now(),
            transport: false,
        },
        None => ResourceState::Failing {
            error: client_err
                .map(|c| one_line(c))
                .unwrap_or_else(|| one_line(e)),
            since: Utc::now(),
            transport: true,
        },
    })
}

/// Learns the server version, then asks `/readyz` every `PROBE_INTERVAL`.
/// The TLS probe before the client: a cluster that requires post-quantum
/// key exchange and cannot do it is refused here, before any request. The
/// others are probed alongside (a failed probe is not a failed cluster; the
/// watches say whether it answers).
async fn tls_first(
    cfg: &kube::Config,
    context: &str,
    data: &SharedData,
    notify: &Notifier,
) -> Result<(), String> {
    let required = super::tls::policy::required(context);
    let (cfg, data, notify) = (cfg.clone(), data.clone(), notify.clone());
    let probe = async move {
        let info = super::tls::probe::probe(&cfg, required).await?;
        update(&data, &notify, |d| {
            d.tls = info;
            true
        });
        Ok::<(), String>(())
    };
    if required {
        return probe.await;
    }
    tokio::spawn(
        async move {
            if let Err(e) = probe.await {
                tracing::info!("TLS probe: {e}");
            }
        }
        .in_current_span(),
    );
    Ok(())
}

async fn probe(client: Client, data: SharedData, notify: Notifier, timeout: Duration) {
    loop {
        let version = tokio::time::timeout(timeout, client.apiserver_version()).await;
        let state = match version {
            Ok(Ok(info)) => {
                update(&data, &notify, |d| {
                    d.seen(Utc::now());
                    let changed = d.version.as_deref() != Some(info.git_version.as_str());
                    d.version = Some(info.git_version.clone());
                    d.touch(changed)
                });
                readyz_within(&client, timeout).await
            }
            Ok(Err(e)) => Connection::Failed {
                error: one_line(&e),
                since: Utc::now(),
                transport: !matches!(e, kube::Error::Api(_)),
            },
            Err(_) => Connection::Failed {
                error: format!("no answer in {}s", timeout.as_secs()),
                since: Utc::now(),
                transport: true,
            },
        };
        let mut was = None;
        update(&data, &notify, |d| {
            was = Some(std::mem::discriminant(&d.connection));
            // An edge link's outcomes: what counts is decided over time.
            if let Some(link) = d.link.as_mut() {
                link.record(Utc::now(), matches!(state, Connection::Connected));
            }
            d.set_connection(state.clone())
        });
        // Changes only: a dead cluster must not fill the log every 10 s.
        if was != Some(std::mem::discriminant(&state)) {
            match &state {
                Connection::Failed { error, .. } => tracing::warn!("unreachable: {error}"),
                Connection::Connected => tracing::info!("connected"),
                _ => {}
            }
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
}

pub async fn readyz(client: &Client) -> Connection {
    readyz_within(client, PROBE_TIMEOUT).await
}

async fn readyz_within(client: &Client, timeout: Duration) -> Connection {
    let req = match http::Request::get("/readyz").body(Vec::new()) {
        Ok(r) => r,
        Err(e) => {
            return Connection::Failed {
                error: e.to_string(),
                since: Utc::now(),
                transport: false,
            }
        }
    };
    match tokio::time::timeout(timeout, client.request_text(req)).await {
        Ok(Ok(_)) => Connection::Connected,
        Ok(Err(kube::Error::Api(s))) => Connection::Failed {
            error: format!("API server not ready: {}", failing_checks(&s.message)),
            since: Utc::now(),
            transport: false,
        },
        Ok(Err(e)) => Connection::Failed {
            error: one_line(&e),
            since: Utc::now(),
            transport: true,
        },
        Err(_) => Connection::Failed {
            error: format!("/readyz: no answer in {}s", timeout.as_secs()),
            since: Utc::now(),
            transport: true,
        },
    }
}

/// `/readyz` lists checks as `[-]etcd failed: reason withheld`; keep the names.
fn failing_checks(body: &str) -> String {
    let failed: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("[-]"))
        .map(|l| l.split_whitespace().next().unwrap_or(l))
        .collect();
    if failed.is_empty() {
        body.lines().next().unwrap_or("").to_string()
    } else {
        format!("{} failing", failed.join(", "))
    }
}

#[cfg(test)]
mod backoff_tests {
    use super::*;

    #[test]
    fn an_edge_link_backs_off_to_minutes_others_to_seconds() {
        let last = |edge: bool| {
            let mut b = Backoff {
                edge,
                ..Backoff::default()
            };
            (0..20).map(|_| b.next()).last().unwrap()
        };
        assert_eq!(last(false), Duration::from_secs(16));
        assert_eq!(last(true), Duration::from_secs(256));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readyz_failures_are_named() {
        let body = "[+]ping ok\n[-]etcd failed: reason withheld\n[+]log ok\nreadyz check failed";
        assert_eq!(failing_checks(body), "etcd failing");
    }
}
