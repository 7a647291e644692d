//! The demo's request metrics: per cluster, `checkout` request counters
//! rendered as Prometheus text and read back through the direct-scrape path
//! (`slo::scrape` → `slo::direct`), so the SLO view, the fleet's SLO column
//! and `fleetdeck slo` math run on them exactly as on a scraped cluster.
//! Two hours of history are written at start so the 5m…2h windows are
//! observed; prod-us-east burns its budget (2.5 % errors against 99.9 %).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::slo::direct::ScrapeSource;
use crate::slo::monitor::{Monitor, Pair, Source};
use crate::slo::scrape::parse;
use crate::slo::spec::{ScrapeSli, SloConfig};

pub const BURNING: &str = "prod-us-east";
const RPS: f64 = 40.0;
const HISTORY: i64 = 2 * 3600;
const STEP: i64 = 30;

pub struct Metrics {
    sources: Vec<(String, Arc<ScrapeSource>, Counters)>,
    pub monitor: Monitor,
    /// When the counters last moved; history is written at the first step.
    last: Option<DateTime<Utc>>,
}

#[derive(Default, Clone, Copy)]
struct Counters {
    ok: f64,
    bad: f64,
}

fn error_ratio(cluster: &str) -> f64 {
    if cluster == BURNING {
        0.025
    } else {
        0.0002
    }
}

fn slo() -> SloConfig {
    let mut s = SloConfig::new("checkout-availability", 99.9, "30d");
    s.scrape = Some(ScrapeSli {
        errors: r#"http_requests_total{service="checkout",code=~"5.."}"#.into(),
        total: r#"http_requests_total{service="checkout"}"#.into(),
    });
    s
}

fn render(c: Counters) -> String {
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{service=\"checkout\",code=\"200\"}} {}\n\
         http_requests_total{{service=\"checkout\",code=\"500\"}} {}\n",
        c.ok, c.bad
    )
}

impl Metrics {
    /// Sources for `(context, name)` of every demo cluster.
    pub fn new(clusters: &[(String, String)]) -> Metrics {
        let client = crate::basics::http::client();
        let mut sources = Vec::new();
        let mut pairs = Vec::new();
        for (context, name) in clusters {
            let s = Arc::new(ScrapeSource::new(Vec::new(), client.clone()));
            pairs.push(Pair {
                slo: slo(),
                context: context.clone(),
                name: name.clone(),
                source: Source::Scrape(s.clone()),
            });
            sources.push((name.clone(), s, Counters::default()));
        }
        Metrics {
            sources,
            monitor: Monitor::new(pairs),
            last: None,
        }
    }

    /// Two hours of history ending at `now`, one scrape every 30 s.
    fn prefill(&mut self, now: DateTime<Utc>) {
        for (name, s, c) in &mut self.sources {
            let mut t = -HISTORY;
            while t < 0 {
                advance(c, name, STEP as f64);
                let at = now + Duration::seconds(t);
                s.feed(at, &parse(&render(*c)).samples, Vec::new());
                t += STEP;
            }
        }
    }

    /// One tick: the counters move on by the time since the last one and are
    /// "scraped" (unreachable clusters are not, so their rows age).
    pub fn step(&mut self, now: DateTime<Utc>, reachable: impl Fn(&str) -> bool) {
        let last = match self.last {
            Some(t) => t,
            None => {
                self.prefill(now);
                now - Duration::seconds(STEP)
            }
        };
        self.last = Some(now);
        let seconds = (now - last).num_milliseconds().max(0) as f64 / 1000.0;
        for (name, s, c) in &mut self.sources {
            advance(c, name, seconds);
            if reachable(name) {
                let p = parse(&render(*c));
                s.feed(now, &p.samples, p.problems);
            }
        }
    }
}

fn advance(c: &mut Counters, cluster: &str, seconds: f64) {
    let n = RPS * seconds;
    let bad = n * error_ratio(cluster);
    c.ok += n - bad;
    c.bad += bad;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::eval::SloState;

    #[tokio::test]
    async fn one_cluster_pages_the_others_are_fine_and_say_what_they_observed() {
        let names = [
            ("ctx-a".to_string(), "prod-eu-west".to_string()),
            ("ctx-b".to_string(), BURNING.to_string()),
        ];
        let mut m = Metrics::new(&names);
        m.step(Utc::now(), |_| true);
        m.monitor.refresh().await;
        let rows = m.monitor.rows(Utc::now());
        let by = |ctx: &str| {
            rows.iter()
                .map(|(r, _)| r)
                .find(|r| r.context == ctx)
                .unwrap()
        };
        let (fine, burning) = (by("ctx-a"), by("ctx-b"));
        assert_eq!(burning.state, SloState::Page);
        // 2.5 % errors against a 0.1 % budget: burn 25 in every observed window.
        for w in ["5m", "30m", "1h", "2h"] {
            assert!(
                (burning.burn[w].unwrap() - 25.0).abs() < 0.5,
                "{w}: {:?}",
                burning.burn
            );
        }
        // No made-up long windows: 6h and up were not observed.
        assert_eq!((burning.burn["6h"], burning.budget_remaining), (None, None));
        assert_eq!(fine.state, SloState::Ok);
        assert!((fine.rps.unwrap() - 40.0).abs() < 1.0);
        assert_eq!(
            fine.note.as_deref(),
            Some("direct scrape: 5m, 30m, 1h, 2h observed")
        );
    }
}
