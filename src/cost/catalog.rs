//! Node prices: a shipped catalog (`catalog.csv`, embedded) of common
//! instance types per provider, region and capacity type, each row with its
//! source and as-of date (spot rows are marked estimates), plus a user
//! override file in the same format. A bad row is an error naming file and line.

use std::collections::HashMap;
use std::path::Path;

pub const SHIPPED: &str = include_str!("catalog.csv");

#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub provider: String,
    pub region: String,
    pub instance_type: String,
    pub spot: bool,
    pub vcpu: f64,
    pub memory_gib: f64,
    pub usd_per_hour: f64,
    pub source: String,
    pub as_of: String,
    pub estimate: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    rows: HashMap<(String, String, bool), Price>,
}

/// Parses catalog text; `name` labels errors (`catalog.csv:12: …`).
pub fn parse(name: &str, text: &str) -> Result<Vec<Price>, String> {
    match check(name, text) {
        (rows, errors) if errors.is_empty() => Ok(rows),
        (_, mut errors) => Err(errors.swap_remove(0)),
    }
}

/// The rows that read, and one `name:line: …` per row that does not.
pub fn check(name: &str, text: &str) -> (Vec<Price>, Vec<String>) {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match row(line) {
            Ok(p) => rows.push(p),
            Err(m) => errors.push(format!("{name}:{}: {m}", i + 1)),
        }
    }
    (rows, errors)
}

fn row(line: &str) -> Result<Price, String> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    if f.len() != 10 {
        return Err(format!("expected 10 fields (provider,region,instance_type,capacity,vcpu,memory_gib,usd_per_hour,source,as_of,estimate), found {}", f.len()));
    }
    let num = |k: &str, v: &str| -> Result<f64, String> {
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("{k} {v:?} is not a non-negative number"))
    };
    let spot = match f[3] {
        "spot" => true,
        "on-demand" => false,
        other => return Err(format!("capacity {other:?} must be on-demand or spot")),
    };
    let estimate = match f[9] {
        "yes" => true,
        "no" => false,
        other => return Err(format!("estimate {other:?} must be yes or no")),
    };
    Ok(Price {
        provider: f[0].to_string(),
        region: f[1].to_string(),
        instance_type: f[2].to_string(),
        spot,
        vcpu: num("vcpu", f[4])?,
        memory_gib: num("memory_gib", f[5])?,
        usd_per_hour: num("usd_per_hour", f[6])?,
        source: f[7].to_string(),
        as_of: f[8].to_string(),
        estimate,
    })
}

impl Catalog {
    /// The shipped catalog, with `override_file` rows (if it exists) replacing
    /// or adding to it.
    pub fn load(override_file: Option<&Path>) -> Result<Catalog, String> {
        let mut c = Catalog::default();
        c.add(parse("catalog.csv (shipped)", SHIPPED)?);
        if let Some(p) = override_file {
            match std::fs::read_to_string(p) {
                Ok(text) => c.add(parse(&p.display().to_string(), &text)?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: {e}", p.display())),
            }
        }
        Ok(c)
    }

    fn add(&mut self, rows: Vec<Price>) {
        for p in rows {
            self.rows
                .insert((p.instance_type.clone(), p.region.clone(), p.spot), p);
        }
    }

    pub fn get(&self, instance_type: &str, region: &str, spot: bool) -> Option<&Price> {
        self.rows
            .get(&(instance_type.to_string(), region.to_string(), spot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_parses_and_marks_spot_as_estimates() {
        let rows = parse("catalog.csv", SHIPPED).unwrap();
        assert!(rows.len() >= 30);
        assert!(rows.iter().filter(|r| r.spot).all(|r| r.estimate));
        let c = Catalog::load(None).unwrap();
        assert_eq!(
            c.get("m5.xlarge", "us-east-1", false).unwrap().usd_per_hour,
            0.192
        );
        assert!(c.get("m5.xlarge", "mars-1", false).is_none());
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let e = parse(
            "prices.csv",
            "# header\naws,us-east-1,m5.xlarge,on-demand,4,16,-1,x,2025,no\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "prices.csv:2: usd_per_hour \"-1\" is not a non-negative number"
        );
        let e = parse(
            "prices.csv",
            "aws,us-east-1,m5.xlarge,reserved,4,16,1,x,2025,no\n",
        )
        .unwrap_err();
        assert!(e.starts_with("prices.csv:1: capacity \"reserved\""), "{e}");
        assert!(parse("p", "a,b\n")
            .unwrap_err()
            .contains("expected 10 fields"));
    }
}
