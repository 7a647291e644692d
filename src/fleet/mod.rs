//! Clusters: kubeconfig loading and one client per context.
//! Kubernetes types stop at this layer; the UI sees derived rows only.

pub mod kubeconfig;
