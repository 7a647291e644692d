//! A Prometheus that hangs, and a proxy in front of one that answers 503:
//! both end as an SLO row in the error state that says why, in bounded time.
//! The endpoints are raw sockets (transport faults, not a fake Prometheus).

use std::time::{Duration, Instant};

use fleetdeck::slo::eval::SloState;
use fleetdeck::slo::monitor::{Monitor, Pair, Source};
use fleetdeck::slo::prom::Endpoint;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn slo() -> fleetdeck::slo::spec::SloConfig {
    toml::from_str("name = \"s\"\nobjective = 99.9\nerror_query = 'e[{{window}}]'\ntotal_query = 't[{{window}}]'\n").unwrap()
}

async fn row_for(url: String) -> fleetdeck::slo::eval::SloRow {
    let ep = Endpoint {
        url,
        client: fleetdeck::basics::http::client(),
        timeout: Duration::from_secs(1),
    };
    let m = Monitor::new(vec![Pair {
        slo: slo(),
        context: "c".into(),
        name: "c".into(),
        source: Source::Prometheus(ep),
    }]);
    m.refresh().await;
    m.rows(chrono::Utc::now()).remove(0).0
}

#[tokio::test]
async fn a_hung_prometheus_times_out_and_a_503_is_named() {
    // Accepts, reads, never answers.
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hung.accept().await {
            held.push(s);
        }
    });
    let t0 = Instant::now();
    let r = row_for(hung_url).await;
    assert_eq!(r.state, SloState::Error);
    assert!(
        r.error.as_deref().unwrap().contains("timed out after 1s"),
        "{r:?}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "bounded by the timeout, not hung"
    );

    // A proxy that answers 503 with an HTML page.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = proxy.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = "<html>upstream unavailable</html>";
                let resp = format!("HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    let r = row_for(proxy_url).await;
    assert_eq!(r.state, SloState::Error);
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .contains("HTTP 503: <html>upstream unavailable</html>"),
        "{r:?}"
    );
}

/// The configured auth and tenant headers go out with every query.
#[tokio::test]
async fn configured_headers_and_bearer_token_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let cfg: fleetdeck::slo::sources::PrometheusConfig = toml::from_str(&format!(
        "bearer_token_file = {:?}\n[headers]\nX-Scope-OrgID = \"team-a\"\n",
        token.display().to_string()
    ))
    .unwrap();
    let client = fleetdeck::slo::sources::http_client(&cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).await.unwrap();
        let _ = s
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
        String::from_utf8_lossy(&buf[..n]).to_lowercase()
    });
    let ep = Endpoint {
        url,
        client,
        timeout: Duration::from_secs(2),
    };
    let _ = ep.query("up").await;
    let request = seen.await.unwrap();
    assert!(request.contains("x-scope-orgid: team-a"), "{request}");
    assert!(
        request.contains("authorization: bearer s3cret-token"),
        "{request}"
    );
    let bad: fleetdeck::slo::sources::PrometheusConfig =
        toml::from_str("[headers]\n\"bad header\" = \"x\"\n").unwrap();
    assert!(fleetdeck::slo::sources::http_client(&bad)
        .unwrap_err()
        .contains("not a header name"));
}
