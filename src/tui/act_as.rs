//! Acting on a cluster that several contexts reach: through the first, in
//! kubeconfig order, whose pre-flight RBAC check allows the action, or
//! through the one the operator picked in the dialog. The plan's target
//! names the context used, so the journal says who acted.

use kube::config::Kubeconfig;
use kube::Client;

use crate::fleet::kubeconfig::client_for;
use crate::ops::action::Operation;
use crate::ops::build::Declared;
use crate::ops::pipeline::{plan_checked, Plan, Preflight};
use crate::ops::target::Target;

/// The cluster as an action sees it: its contexts, and the client its
/// watches use (reused for that context).
pub struct Reach {
    pub contexts: Vec<String>,
    pub watched: Option<(String, Client)>,
    pub read_only: bool,
}

impl Reach {
    pub async fn client(&self, kubeconfig: &Kubeconfig, context: &str) -> Result<Client, String> {
        match &self.watched {
            Some((c, client)) if c == context => Ok(client.clone()),
            _ => client_for(kubeconfig, context, self.read_only)
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

/// Plan and pre-flight through `picked`, or through each context in turn
/// until one is not refused by RBAC (the last refusal if all are).
pub async fn plan(
    kubeconfig: &Kubeconfig,
    reach: &Reach,
    picked: Option<&str>,
    target: Target,
    op: Operation,
    declared: &Declared,
) -> Result<(Plan, Preflight), String> {
    let contexts: Vec<String> = match picked {
        Some(p) => vec![p.to_string()],
        None if reach.contexts.is_empty() => vec![target.context.clone()],
        None => reach.contexts.clone(),
    };
    let mut last = Err(crate::tui::NO_CLIENT.to_string());
    for (i, ctx) in contexts.iter().enumerate() {
        let client = match reach.client(kubeconfig, ctx).await {
            Ok(c) => c,
            Err(e) => {
                last = Err(e);
                continue;
            }
        };
        let t = Target {
            context: ctx.clone(),
            ..target.clone()
        };
        let r = plan_checked(&client, &t, op.clone(), declared, reach.read_only)
            .await
            .map_err(|e| e.to_string());
        let refused =
            matches!(&r, Ok((_, Preflight::Unavailable(why))) if why.starts_with("RBAC:"));
        if !refused || i + 1 == contexts.len() {
            return r;
        }
        last = r;
    }
    last
}
