//! The read-only guarantee, enforced where requests leave the process: a layer
//! in every cluster client's service stack. In read-only mode it lets through
//! reads and the non-persisted review objects, and refuses everything else —
//! patches, creates, deletes and dry-runs alike — before a byte is sent. No code
//! path can go around it, because no other client exists.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Method, Request};
use kube::client::Body;
use tower::{BoxError, Layer, Service};

/// The paths of the review objects read-only mode may create (Principle 5).
const REVIEWS: &[&str] = &[
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
];

pub const USER_AGENT: &str = concat!("fleetdeck/", env!("CARGO_PKG_VERSION"));
pub const USER_AGENT_READ_ONLY: &str =
    concat!("fleetdeck/", env!("CARGO_PKG_VERSION"), " (read-only)");

/// Whether a request may leave a read-only process.
pub fn allowed(method: &Method, path: &str, query: Option<&str>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD) {
        return true;
    }
    let dry_run = query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("dryRun=")));
    *method == Method::POST && !dry_run && REVIEWS.contains(&path.trim_end_matches('/'))
}

#[derive(Debug, thiserror::Error)]
#[error("read-only: refused {method} {path} (fleetdeck is read-only for this cluster)")]
pub struct Refused {
    pub method: Method,
    pub path: String,
}

#[derive(Clone, Copy, Debug)]
pub struct ReadOnlyLayer {
    pub read_only: bool,
}

impl<S> Layer<S> for ReadOnlyLayer {
    type Service = ReadOnly<S>;
    fn layer(&self, inner: S) -> ReadOnly<S> {
        ReadOnly {
            inner,
            read_only: self.read_only,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ReadOnly<S> {
    inner: S,
    read_only: bool,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S> Service<Request<Body>> for ReadOnly<S>
where
    S: Service<Request<Body>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        // Names fleetdeck (and its mode) in the API server's audit log.
        let agent = if self.read_only {
            USER_AGENT_READ_ONLY
        } else {
            USER_AGENT
        };
        req.headers_mut().insert(
            http::header::USER_AGENT,
            http::HeaderValue::from_static(agent),
        );
        let uri = req.uri();
        if self.read_only && !allowed(req.method(), uri.path(), uri.query()) {
            let err = Refused {
                method: req.method().clone(),
                path: uri.path().to_string(),
            };
            tracing::warn!("{err}");
            return Box::pin(async move { Err(Box::new(err) as BoxError) });
        }
        let fut = self.inner.call(req);
        Box::pin(fut)
    }
}

/// Whether a kube error is this layer's refusal.
pub fn is_refusal(e: &kube::Error) -> bool {
    match e {
        kube::Error::Service(b) => b.downcast_ref::<Refused>().is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_reviews_pass() {
        let p = "/apis/apps/v1/namespaces/x/deployments/web";
        assert!(allowed(&Method::GET, p, Some("watch=true")));
        assert!(!allowed(&Method::PATCH, p, None));
        assert!(!allowed(&Method::PUT, p, None));
        assert!(!allowed(&Method::DELETE, p, None));
        assert!(!allowed(&Method::POST, "/api/v1/namespaces/x/events", None));
        assert!(allowed(&Method::POST, REVIEWS[1], None));
        assert!(allowed(&Method::POST, REVIEWS[0], None));
        assert!(!allowed(&Method::POST, REVIEWS[1], Some("dryRun=All")));
        assert!(!allowed(&Method::PATCH, p, Some("dryRun=All")));
    }
}
