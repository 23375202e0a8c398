//! `apply` and `teardown`: show the change list, confirm, take the writer lock, push the ADC
//! changes in bulk and the ADC Node object, save the ADC configuration, report.

use super::pipeline::{Prepared, Target, brake, connect_cluster, prepare};
use crate::cli::{Cli, WriteArgs};
use crate::cluster::{
    access, adc_node,
    lock::{LeaseLock, Wait},
};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::model::Mode;
use crate::nitro::execute::{self, ExecOutcome};
use crate::render;
use crate::render::plan::PlanFile;
use crate::settings::Settings;
use std::io::IsTerminal;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Which writing command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Apply,
    Teardown,
}

/// Without `--yes` a human must confirm: without a terminal (or with `CI` set) that is an
/// error, never a hang.
fn require_confirmation_channel(verb: Verb, args: &WriteArgs) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    let word = match verb {
        Verb::Apply => "apply",
        Verb::Teardown => "teardown",
    };
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if ci || !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Error::Refused(format!(
            "{word} needs confirmation but there is no terminal to ask on{}; review the changes with diff (or --dry-run) and rerun with --yes",
            if ci { " (CI is set)" } else { "" }
        )));
    }
    Ok(())
}

/// The question asked before writing: it names the ADC and the cluster about to be changed,
/// so a wrong context or URL is caught at the prompt.
fn prompt(verb: Verb, adc_url: &str, cluster: &str, endpoint: &str) -> String {
    let cluster = format!("cluster {cluster} at {endpoint}");
    match verb {
        Verb::Apply => format!("Apply these changes to the ADC at {adc_url} and {cluster}?"),
        Verb::Teardown => {
            format!("Remove everything listed from the ADC at {adc_url} and {cluster}?")
        }
    }
}

fn confirm(verb: Verb, args: &WriteArgs, p: &Prepared) -> Result<()> {
    require_confirmation_channel(verb, args)?;
    if args.yes {
        return Ok(());
    }
    let url = p.settings.adc.url.as_deref().unwrap_or("");
    let yes = dialoguer::Confirm::new()
        .with_prompt(prompt(
            verb,
            url,
            &p.desired.cluster,
            &crate::cluster::client::endpoint(),
        ))
        .default(false)
        .interact()
        .map_err(|e| Error::Refused(format!("confirmation failed: {e}")))?;
    if yes {
        Ok(())
    } else {
        Err(Error::Refused(
            "declined at the prompt; nothing was changed".into(),
        ))
    }
}

/// Runs `apply [PLAN]` (`target` Live or PlanFile) or `teardown` (`target` Empty).
pub async fn run(
    cli: &Cli,
    verb: Verb,
    args: &WriteArgs,
    target: Target<'_>,
    out: &render::Printer,
    cancel: &CancellationToken,
) -> Result<ExitStatus> {
    let mut settings = Settings::resolve(&cli.settings, Some(&args.safety))?;
    if let Target::PlanFile(path) = &target
        && let Some(planned) = PlanFile::read(path)?.settings
    {
        // The plan file carries the settings it was made with; the run brings only the ADC
        // connection (and may repeat settings that agree).
        settings = settings.adopt_plan(&planned, &path.display().to_string())?;
    }
    if !args.dry_run {
        // Refuse at once, before anything is contacted, rather than after the read phase.
        require_confirmation_channel(verb, args)?;
    }
    let (kube, settings) = connect_cluster(cli, settings).await?;
    // The lock is taken before anything is read, so the change set cannot go stale under
    // another writer between the read and the writes.
    let lock = match args.dry_run {
        true => None,
        false => Some(
            LeaseLock::acquire(
                &kube,
                &args.safety.lock_namespace,
                &settings.model.cluster,
                Wait::RefuseLive,
            )
            .await?,
        ),
    };
    let work = async {
        let p = prepare(&kube, settings, target, true, &args.safety.lock_namespace).await?;
        let result = execute_prepared(verb, args, &p, out).await;
        p.nitro.logout().await;
        result
    };
    // On Ctrl-C the lock is still released (a rerun converges from wherever this stopped).
    let result = tokio::select! {
        r = work => r,
        _ = cancel.cancelled() => Err(Error::Interrupted),
    };
    if let Some(lock) = lock {
        if !lock.is_held() {
            tracing::warn!(
                "the writer lock was lost during this run: another writer may have changed the ADC at the same time; check with `kubectl netscaler diff`"
            );
        }
        lock.release().await;
    }
    result
}

async fn execute_prepared(
    verb: Verb,
    args: &WriteArgs,
    p: &Prepared,
    out: &render::Printer,
) -> Result<ExitStatus> {
    if verb == Verb::Apply {
        out.diagnostics(&p.desired.diagnostics);
    }
    out.data(&render::diff::render(&p.changes, args.output, out.color()));
    if args.dry_run {
        return Ok(ExitStatus::Success);
    }
    if p.changes.is_empty() {
        keep_record(verb, p, true).await?;
        return Ok(ExitStatus::Success);
    }
    if verb == Verb::Apply {
        brake(&p.settings, p, args.safety.allow_mass_delete)?;
    }
    if let Some(change) = &p.changes.node {
        // Found now rather than after the ADC was changed.
        for verb in adc_node::verbs(change, p.actual_node.as_ref()) {
            access::check(&p.kube, verb, "nodes", &change.name).await?;
        }
    }
    confirm(verb, args, p)?;
    let started = Instant::now();
    let (outcome, node_error) = write(verb, p, args, out).await?;
    let failed_any = !outcome.failed.is_empty() || node_error.is_some();
    keep_record(verb, p, !failed_any).await?;
    let stats = p.nitro.stats();
    let summary = p.changes.summary();
    for f in &outcome.failed {
        out.note(&format!("failed: {f}"));
    }
    if let Some(e) = &node_error {
        out.note(&format!(
            "failed: node {}: {e}",
            p.changes
                .node
                .as_ref()
                .map(|n| n.name.as_str())
                .unwrap_or("")
        ));
    }
    let failed = outcome.failed.len() + usize::from(node_error.is_some());
    out.note(&format!(
        "{} {} changes ({} add, {} update, {} delete), {} failed; {} NITRO requests ({} writes) in {:.1}s.",
        if failed == 0 {
            "Applied"
        } else {
            "Partially applied"
        },
        summary.add + summary.update + summary.delete,
        summary.add,
        summary.update,
        summary.delete,
        failed,
        stats.requests,
        stats.writes,
        started.elapsed().as_secs_f64()
    ));
    if failed > 0 {
        let recurring = outcome.failed.iter().filter(|f| f.recurs()).count();
        let what_next = if recurring == failed {
            "a rerun alone fails the same way: remove the cause named for each first".to_string()
        } else if recurring > 0 {
            format!(
                "fix the cause and rerun to converge ({recurring} of them fail the same way until the cause named for each is removed)"
            )
        } else {
            "fix the cause and rerun to converge".to_string()
        };
        return Err(Error::Partial(format!(
            "{failed} operations failed (listed above); the rest was applied; {what_next}"
        )));
    }
    Ok(ExitStatus::Success)
}

/// Keeps the routes-mode record of the applied scope (the ConfigMap in the lock namespace;
/// in vxlan mode the ADC Node carries it): `apply` writes it when it is missing or another
/// scope, and moves it onto the Node when the mode became vxlan; `teardown` removes it last,
/// and only when everything else went (`complete`), so a rerun still knows what to remove.
async fn keep_record(verb: Verb, p: &Prepared, complete: bool) -> Result<()> {
    let in_config_map = matches!(
        p.record.as_ref().map(|r| &r.source),
        Some(adc_node::RecordSource::ConfigMap { .. })
    );
    let (ns, cluster) = (&p.record_namespace, &p.desired.cluster);
    match verb {
        Verb::Apply if p.scope.mode == Mode::Routes => {
            let current = in_config_map && p.record.as_ref().is_some_and(|r| r.scope == p.scope);
            if !current {
                adc_node::write_config_map_record(&p.kube, ns, cluster, &p.scope).await?;
            }
        }
        Verb::Apply | Verb::Teardown if in_config_map && complete => {
            adc_node::delete_config_map_record(&p.kube, ns, cluster).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Pushes the ADC changes, then the Node object, then saves the ADC configuration.
async fn write(
    verb: Verb,
    p: &Prepared,
    args: &WriteArgs,
    out: &render::Printer,
) -> Result<(ExecOutcome, Option<Error>)> {
    let total = execute::operation_count(&p.changes);
    let bar = out.progress_bar(total, "NITRO operations");
    let tick = |n: usize| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    };
    let outcome = match execute::execute(&p.nitro, &p.scope, &p.changes, &tick).await {
        Ok(o) => o,
        Err((e, done)) => {
            if let Some(b) = &bar {
                b.abandon();
            }
            let what_next = match e.errorcode().is_some_and(execute::recurs) {
                true => execute::hint(e.errorcode().unwrap_or_default())
                    .unwrap_or("a rerun fails the same way"),
                false => "rerun to converge (completed operations are not repeated)",
            };
            let msg = format!(
                "the ADC failed mid-apply after {} operations: {e}; {what_next}",
                done.succeeded
            );
            if done.succeeded > 0 {
                return Err(Error::Partial(msg));
            }
            return Err(Error::Nitro(e));
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    // The Node object goes last on apply (the ADC can then answer the return path) and on
    // teardown alike; a failure here is reported with the other failures.
    let node_error = match &p.changes.node {
        // The Node carries the record of what was applied: a teardown that left ADC objects
        // behind keeps it, so the rerun removes them without any settings.
        Some(_) if verb == Verb::Teardown && !outcome.failed.is_empty() => {
            out.note("the ADC Node object is kept until the failed operations are removed: it records what was applied");
            None
        }
        Some(change) => adc_node::write(&p.kube, change, p.actual_node.as_ref())
            .await
            .err(),
        None => None,
    };
    let save = p.settings.save_config && !args.safety.no_save_config;
    if save && outcome.succeeded > 0 {
        if let Err(e) = p.nitro.save_config().await {
            out.note(&format!(
                "warning: the changes are live but saving the ADC configuration failed: {e}; run `save ns config` on the ADC"
            ));
        }
    }
    Ok((outcome, node_error))
}

/// `apply [PLAN]`.
pub async fn apply(
    cli: &Cli,
    args: &crate::cli::ApplyArgs,
    out: &render::Printer,
    cancel: &CancellationToken,
) -> Result<ExitStatus> {
    let target = match &args.plan {
        Some(p) => Target::PlanFile(p),
        None => Target::Live,
    };
    run(cli, Verb::Apply, &args.write, target, out, cancel).await
}

/// `teardown`.
pub async fn teardown(
    cli: &Cli,
    args: &crate::cli::TeardownArgs,
    out: &render::Printer,
    cancel: &CancellationToken,
) -> Result<ExitStatus> {
    run(cli, Verb::Teardown, &args.write, Target::Empty, out, cancel).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_adc_and_the_cluster() {
        let endpoint = "https://10.0.0.1:6443 (kubeconfig context \"prod-admin\")";
        let q = prompt(Verb::Apply, "https://adc.example.net", "prod", endpoint);
        assert_eq!(
            q,
            "Apply these changes to the ADC at https://adc.example.net and cluster prod at https://10.0.0.1:6443 (kubeconfig context \"prod-admin\")?"
        );
        let q = prompt(Verb::Teardown, "https://adc.example.net", "prod", endpoint);
        assert!(q.starts_with("Remove everything listed from the ADC at https://adc.example.net and cluster prod at "), "{q}");
    }
}
