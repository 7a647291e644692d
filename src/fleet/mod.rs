//! Clusters: kubeconfig loading, one handle per context with its watches, the
//! stores they feed and the rows derived from them. Kubernetes types stop at
//! this layer; the UI sees derived rows only.

pub mod groups;
pub mod guard;
pub mod handles;
pub mod identity;
pub mod intern;
pub mod kubeconfig;
pub mod last_known;
pub mod link;
pub mod live;
pub mod managers;
pub mod metrics;
pub mod objects;
pub mod pod_watch;
pub mod proto;
pub mod request_log;
pub mod revisions;
pub mod rollout;
pub mod rollout_tree;
pub mod store;
pub mod summary;
pub mod syncs;
pub mod tally;
pub mod tls;
pub mod via;
pub mod wire;
pub mod wire_pb;
pub mod workloads;
