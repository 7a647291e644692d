//! Every request sent to a cluster, in the log at debug: context, verb,
//! path, status and time to the response's headers (a watch's stream runs
//! on after that). Never a header or a body, so no token and no Secret data
//! can reach the log from here.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{Request, Response};
use kube::client::Body;
use tower::{BoxError, Layer, Service};

#[derive(Clone, Debug)]
pub struct RequestLogLayer {
    pub context: Arc<str>,
}

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLog<S>;
    fn layer(&self, inner: S) -> RequestLog<S> {
        RequestLog {
            inner,
            context: self.context.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RequestLog<S> {
    inner: S,
    context: Arc<str>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, B> Service<Request<Body>> for RequestLog<S>
where
    S: Service<Request<Body>, Response = Response<B>, Error = BoxError>,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return Box::pin(self.inner.call(req));
        }
        let method = req.method().clone();
        let path = match req.uri().query() {
            Some(q) => format!("{}?{q}", req.uri().path()),
            None => req.uri().path().to_string(),
        };
        let context = self.context.clone();
        let start = Instant::now();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let r = fut.await;
            let ms = start.elapsed().as_millis();
            match &r {
                Ok(resp) => tracing::debug!(
                    target: "fleetdeck::request",
                    "{context}: {method} {path} → {} in {ms} ms",
                    resp.status().as_u16()
                ),
                Err(e) => tracing::debug!(
                    target: "fleetdeck::request",
                    "{context}: {method} {path} → failed in {ms} ms: {e}"
                ),
            }
            r
        })
    }
}
