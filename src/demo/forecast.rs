//! The demo's capacity forecasts, as a week of kube-state-metrics would
//! give them: prod-eu-west's memory fills in 9 days, its CPU in 23;
//! staging has only a day and a bit of history; the rest are flat.

use crate::forecast::monitor::FleetForecast;
use crate::forecast::{Forecast, Outlook, Resource};

fn res(requested: f64, allocatable: f64, per_day: f64, outlook: Outlook) -> Resource {
    Resource {
        requested: Some(requested),
        allocatable: Some(allocatable),
        per_day: Some(per_day),
        outlook,
    }
}

fn flat(cores: f64, bytes: f64) -> Forecast {
    Forecast {
        cpu: res(cores * 0.4, cores, 0.0, Outlook::NotGrowing),
        memory: res(bytes * 0.5, bytes, 0.0, Outlook::NotGrowing),
    }
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub fn fleet(contexts: &[String], now: chrono::DateTime<chrono::Utc>) -> FleetForecast {
    let one = |ctx: &str| match ctx {
        "prod-eu-west" => Forecast {
            cpu: res(25.0, 48.0, 1.0, Outlook::Days { days: 23.0 }),
            memory: res(
                150.0 * GIB,
                192.0 * GIB,
                4.7 * GIB,
                Outlook::Days { days: 9.0 },
            ),
        },
        "staging-eu" => Forecast {
            cpu: res(6.0, 16.0, 0.0, Outlook::NotEnoughHistory { hours: 30.0 }),
            memory: res(
                20.0 * GIB,
                64.0 * GIB,
                0.0,
                Outlook::NotEnoughHistory { hours: 30.0 },
            ),
        },
        _ => flat(24.0, 96.0 * GIB),
    };
    FleetForecast {
        at: Some(now),
        clusters: contexts.iter().map(|c| (c.clone(), Ok(one(c)))).collect(),
    }
}
