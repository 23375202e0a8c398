//! `diff`: what `apply` would change, on the ADC and in the cluster. Exit 0 when nothing,
//! 1 when there are differences, >1 on error (as `kubectl diff`).

use super::pipeline::{DEFAULT_LOCK_NAMESPACE, Target, connect_cluster, prepare};
use crate::cli::{Cli, DiffArgs};
use crate::error::Result;
use crate::exit::ExitStatus;
use crate::render;
use crate::settings::Settings;

pub async fn run(cli: &Cli, args: &DiffArgs, out: &render::Printer) -> Result<ExitStatus> {
    let settings = Settings::resolve(&cli.settings, None)?;
    let (kube, settings) = connect_cluster(cli, settings).await?;
    let p = prepare(&kube, settings, Target::Live, false, DEFAULT_LOCK_NAMESPACE).await?;
    p.nitro.logout().await;
    out.diagnostics(&p.desired.diagnostics);
    out.data(&render::diff::render(&p.changes, args.output, out.color()));
    Ok(if p.changes.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Differences
    })
}
