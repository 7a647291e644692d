//! Energy and CO2e per node-hour, by the Cloud Carbon Footprint method
//! (slo-cost.md): W per vCPU = min + utilisation × (max − min), memory at
//! 0.000392 kWh per GB-hour, both times the provider's PUE; CO2e = kWh × the
//! region's grid intensity. Coefficients and grid factors are shipped and
//! the grid factors overridable (`[carbon] grid`).

use std::collections::BTreeMap;

/// (min W/vCPU, max W/vCPU, PUE) per provider.
pub fn coefficients(provider: &str) -> Option<(f64, f64, f64)> {
    match provider {
        "aws" => Some((0.74, 3.5, 1.135)),
        "gcp" => Some((0.71, 4.26, 1.1)),
        "azure" => Some((0.78, 3.76, 1.185)),
        _ => None,
    }
}

/// Grid intensity, g CO2e per kWh (Cloud Carbon Footprint's regional
/// factors; approximate, as of 2024).
pub fn grid(region: &str) -> Option<f64> {
    Some(match region {
        "us-east-1" | "eastus" => 379.1,
        "us-west-2" => 322.2,
        "eu-west-1" => 278.6,
        "eu-central-1" => 311.0,
        "us-central1" => 479.0,
        "europe-west4" => 328.0,
        "europe-west1" => 167.0,
        "westeurope" => 328.0,
        _ => return None,
    })
}

/// When no usage is known, Cloud Carbon Footprint assumes 50 % utilisation.
pub const DEFAULT_UTILISATION: f64 = 0.5;
const MEMORY_KWH_PER_GB_HOUR: f64 = 0.000392;

#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    pub kwh_per_hour: f64,
    /// `None` without a grid factor for the region.
    pub co2e_g_per_hour: Option<f64>,
}

/// One node-hour.
pub fn node_hour(
    provider: &str,
    region: Option<&str>,
    vcpu: f64,
    memory_gib: f64,
    util: f64,
    overrides: &BTreeMap<String, f64>,
) -> Option<Footprint> {
    let (min, max, pue) = coefficients(provider)?;
    let gb = memory_gib * 1.073_741_824;
    let watts = vcpu * (min + util.clamp(0.0, 1.0) * (max - min));
    let kwh = (watts / 1000.0 + gb * MEMORY_KWH_PER_GB_HOUR) * pue;
    let factor = region.and_then(|r| overrides.get(r).copied().or_else(|| grid(r)));
    Some(Footprint {
        kwh_per_hour: kwh,
        co2e_g_per_hour: factor.map(|f| kwh * f),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_m5_xlarge_hour_in_eu_west_1() {
        // 4 vCPU at 50 %: 4 × (0.74 + 0.5 × 2.76) = 8.48 W = 0.00848 kWh;
        // 16 GiB = 17.1799 GB × 0.000392 = 0.0067345 kWh; × PUE 1.135
        // = (0.00848 + 0.0067345) × 1.135 = 0.0172684 kWh; × 278.6 g = 4.811 g.
        let f = node_hour("aws", Some("eu-west-1"), 4.0, 16.0, 0.5, &BTreeMap::new()).unwrap();
        assert!((f.kwh_per_hour - 0.0172684).abs() < 1e-6, "{f:?}");
        assert!((f.co2e_g_per_hour.unwrap() - 4.8110).abs() < 1e-3, "{f:?}");
        let over = BTreeMap::from([("eu-west-1".to_string(), 100.0)]);
        let g = node_hour("aws", Some("eu-west-1"), 4.0, 16.0, 0.5, &over).unwrap();
        assert!((g.co2e_g_per_hour.unwrap() - 1.72684).abs() < 1e-4);
        assert_eq!(
            node_hour("aws", Some("mars-1"), 4.0, 16.0, 0.5, &BTreeMap::new())
                .unwrap()
                .co2e_g_per_hour,
            None
        );
        assert!(node_hour("ibm", None, 4.0, 16.0, 0.5, &BTreeMap::new()).is_none());
    }
}
