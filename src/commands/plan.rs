//! `plan`: the desired ADC and cluster-side configuration, from the live cluster or a snapshot.

use crate::cli::{Cli, PlanArgs, PlanOutput};
use crate::cluster::{client, live, snapshot};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::model::fingerprint::InputDigests;
use crate::model::{ClusterFacts, Desired, Subject, desired};
use crate::render;
use crate::settings::Settings;

/// Facts and settings for planning: from `--cluster-file` or the live cluster.
pub async fn load(
    cli: &Cli,
    settings: Settings,
    cluster_file: Option<&std::path::Path>,
) -> Result<(Settings, ClusterFacts)> {
    match cluster_file {
        Some(path) => {
            let facts = snapshot::read_facts(path)?;
            Ok((settings.with_cluster("kubernetes")?, facts))
        }
        None => {
            let ctx = client::connect(&cli.kube).await?;
            let facts = live::read_facts(&ctx.client, settings.model.services).await?;
            Ok((settings.with_cluster(&ctx.cluster_name)?, facts))
        }
    }
}

/// Computes the desired state and its input digests.
pub fn compute(settings: &Settings, facts: &ClusterFacts) -> Result<(Desired, InputDigests)> {
    let desired = desired(&settings.model, facts).map_err(|e| Error::usage(e.0))?;
    let digests = InputDigests::planned(
        facts,
        settings.model.node_selector.as_ref(),
        settings.model.not_ready,
    );
    Ok((desired, digests))
}

/// `--strict`: warnings become an error (exit 2).
pub fn check_strict(settings: &Settings, desired: &Desired) -> Result<()> {
    let failures = render::plan::strict_failures(&desired.diagnostics);
    if settings.strict && !failures.is_empty() {
        let list: Vec<String> = failures
            .iter()
            .map(|d| match &d.subject {
                Subject::Cluster => format!("cluster: {}", d.reason),
                Subject::Node(n) => format!("{n}: {}", d.reason),
                s => format!("{s}: {}", d.reason),
            })
            .collect();
        return Err(Error::Strict(format!(
            "--strict: {} diagnostics ({}); fix what they name or drop --strict",
            failures.len(),
            list.join(", ")
        )));
    }
    Ok(())
}

pub async fn run(cli: &Cli, args: &PlanArgs, out: &render::Printer) -> Result<ExitStatus> {
    let settings = Settings::resolve(&cli.settings, None)?;
    let (settings, facts) = load(cli, settings, args.cluster_file.as_deref()).await?;
    let (desired, digests) = compute(&settings, &facts)?;
    out.data(&render::plan::render(
        &desired,
        &digests,
        &settings.model,
        args.output,
    ));
    if matches!(args.output, PlanOutput::Commands) {
        out.diagnostics(&desired.diagnostics);
        if let Some(node) = &desired.adc_node {
            out.note(&format!(
                "note: the ADC's Node object {} is a cluster-side object, not part of these CLI lines; `kubectl netscaler apply` creates it (flannel's return path to the ADC needs it)",
                node.name
            ));
        }
    }
    check_strict(&settings, &desired)?;
    if let Some(path) = &args.out {
        let doc = render::plan::document(&desired, &digests, &settings.model);
        std::fs::write(path, render::to_json(&doc))
            .map_err(|e| Error::usage(format!("--out {}: {e}", path.display())))?;
        out.note(&format!(
            "Plan written to {}; apply it with: kubectl netscaler apply {}",
            path.display(),
            path.display()
        ));
    }
    Ok(ExitStatus::Success)
}
