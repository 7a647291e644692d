//! The pod watch: kube's list-then-watch protocol with the list pages asked
//! for in protobuf (`wire_pb.rs`). The first list of a 10,000-pod cluster is
//! what keeps its fleet row incomplete; in protobuf the API server encodes it
//! in about a third of the time and bytes. Watch events stay JSON (few, small).
//! States and errors mirror `kube::runtime::watcher`, so the store and the
//! error handling in `live.rs` see the same stream either way.

use std::collections::VecDeque;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use kube::core::{ObjectList, Status};
use kube::runtime::watcher::{Error, Event};
use kube::Client;

use super::wire::WirePod;
use super::wire_pb::{self, ACCEPT};

/// As kube's watcher: pages of 500, any resourceVersion (the watch cache).
const PAGE: u32 = 500;
/// Server-side watch timeout, and the margin after it that means a dead link.
const WATCH_TIMEOUT: u32 = 290;
const IDLE_MARGIN_SECS: u64 = 5;

enum State {
    Empty,
    Page {
        token: Option<String>,
        pods: VecDeque<WirePod>,
        version: Option<String>,
    },
    Listed(String),
    Watching(
        String,
        BoxStream<'static, kube::Result<WatchEvent<WirePod>>>,
    ),
}

pub fn pod_events(client: Client) -> impl Stream<Item = Result<Event<WirePod>, Error>> {
    futures::stream::unfold((client, State::Empty), |(client, mut state)| async move {
        loop {
            let (item, next) = step(&client, state).await;
            state = next;
            if let Some(item) = item {
                return Some((item, (client, state)));
            }
        }
    })
}

async fn step(client: &Client, state: State) -> (Option<Result<Event<WirePod>, Error>>, State) {
    match state {
        State::Empty => (
            Some(Ok(Event::Init)),
            State::Page {
                token: None,
                pods: VecDeque::new(),
                version: None,
            },
        ),
        State::Page {
            token,
            mut pods,
            version,
        } => {
            if let Some(p) = pods.pop_front() {
                let next = State::Page {
                    token,
                    pods,
                    version,
                };
                return (Some(Ok(Event::InitApply(p))), next);
            }
            if let (None, Some(v)) = (&token, &version) {
                return (Some(Ok(Event::InitDone)), State::Listed(v.clone()));
            }
            match list_page(client, token.as_deref()).await {
                Ok(page) if page.resource_version.is_none() && page.continue_token.is_none() => {
                    (Some(Err(Error::NoResourceVersion)), State::Empty)
                }
                Ok(page) => (
                    None,
                    State::Page {
                        token: page.continue_token,
                        pods: page.items.into(),
                        version: page.resource_version,
                    },
                ),
                Err(e) => (Some(Err(Error::InitialListFailed(e))), State::Empty),
            }
        }
        State::Listed(version) => {
            let wp = WatchParams::default().timeout(WATCH_TIMEOUT);
            match Api::<WirePod>::all(client.clone())
                .watch(&wp, &version)
                .await
            {
                Ok(s) => (None, State::Watching(version, s.boxed())),
                Err(e) => (
                    Some(Err(Error::WatchStartFailed(e))),
                    State::Listed(version),
                ),
            }
        }
        State::Watching(version, mut stream) => {
            let idle = std::time::Duration::from_secs(u64::from(WATCH_TIMEOUT) + IDLE_MARGIN_SECS);
            let next = tokio::time::timeout(idle, stream.next())
                .await
                .ok()
                .flatten();
            let object_version =
                |p: &WirePod| p.metadata.resource_version.clone().unwrap_or_default();
            match next {
                Some(Ok(WatchEvent::Added(p) | WatchEvent::Modified(p))) => {
                    match object_version(&p) {
                        v if v.is_empty() => (Some(Err(Error::NoResourceVersion)), State::Empty),
                        v => (Some(Ok(Event::Apply(p))), State::Watching(v, stream)),
                    }
                }
                Some(Ok(WatchEvent::Deleted(p))) => match object_version(&p) {
                    v if v.is_empty() => (Some(Err(Error::NoResourceVersion)), State::Empty),
                    v => (Some(Ok(Event::Delete(p))), State::Watching(v, stream)),
                },
                Some(Ok(WatchEvent::Bookmark(b))) => {
                    (None, State::Watching(b.metadata.resource_version, stream))
                }
                Some(Ok(WatchEvent::Error(e))) => {
                    // 410 Gone: the version is too old; list again.
                    let next = if e.code == 410 {
                        State::Empty
                    } else {
                        State::Watching(version, stream)
                    };
                    (Some(Err(Error::WatchError(e.boxed()))), next)
                }
                Some(Err(e)) => (
                    Some(Err(Error::WatchFailed(e))),
                    State::Watching(version, stream),
                ),
                None => (None, State::Listed(version)),
            }
        }
    }
}

/// One page of `GET /api/v1/pods`, protobuf preferred; a server that answers
/// in JSON anyway (a proxy in between) is decoded as JSON.
async fn list_page(client: &Client, token: Option<&str>) -> kube::Result<wire_pb::PodPage> {
    let mut lp = ListParams::default().limit(PAGE);
    lp = match token {
        Some(t) => lp.continue_token(t),
        None => lp.match_any(),
    };
    let req = kube::core::Request::new("/api/v1/pods")
        .list(&lp)
        .map_err(kube::Error::BuildRequest)?;
    let mut req = req.map(kube::client::Body::from);
    req.headers_mut()
        .insert(http::header::ACCEPT, http::HeaderValue::from_static(ACCEPT));
    let res = client.send(req).await?;
    let code = res.status();
    let body = res.into_body().collect_bytes().await?;
    // As kube reports a body it cannot decode.
    let bad = |what: String| {
        kube::Error::SerdeError(serde::de::Error::custom(format!("pod list: {what}")))
    };
    let json = body.first() == Some(&b'{');
    if !code.is_success() {
        let status = if json {
            serde_json::from_slice::<Status>(&body).unwrap_or_default()
        } else {
            let s = wire_pb::status(&body).unwrap_or_default();
            Status {
                message: s.message,
                reason: s.reason,
                ..Status::default()
            }
        };
        let status = Status {
            code: code.as_u16(),
            message: if status.message.is_empty() {
                code.to_string()
            } else {
                status.message
            },
            ..status
        };
        return Err(kube::Error::Api(status.boxed()));
    }
    if json {
        let list: ObjectList<WirePod> =
            serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
        return Ok(wire_pb::PodPage {
            items: list.items,
            resource_version: list.metadata.resource_version.filter(|s| !s.is_empty()),
            continue_token: list.metadata.continue_.filter(|s| !s.is_empty()),
        });
    }
    wire_pb::pod_list(&body).map_err(|e| bad(e.to_string()))
}
