//! `version`: what is installed, as `kubectl version --client` reports it, with no cluster or
//! ADC access.

use crate::cli::{VersionArgs, VersionOutput};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::render::Printer;
use serde::Serialize;

/// The version document (`formatVersion: 1`, like every other document of the tool).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub format_version: u32,
    pub kind: &'static str,
    pub version: &'static str,
    /// The NITRO API path this build speaks.
    pub nitro_api: &'static str,
    pub platform: String,
}

impl Version {
    pub fn current() -> Version {
        Version {
            format_version: 1,
            kind: "Version",
            version: env!("CARGO_PKG_VERSION"),
            nitro_api: "/nitro/v1/config",
            platform: format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
        }
    }
}

pub fn run(args: &VersionArgs, out: &Printer) -> Result<ExitStatus> {
    let v = Version::current();
    let text = match args.output {
        VersionOutput::Text => format!("kubectl-netscaler {} ({})\n", v.version, v.platform),
        VersionOutput::Json => {
            let mut s = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::usage(format!("version: {e}")))?;
            s.push('\n');
            s
        }
        VersionOutput::Yaml => {
            serde_saphyr::to_string(&v).map_err(|e| Error::usage(format!("version: {e}")))?
        }
    };
    out.data(&text);
    Ok(ExitStatus::Success)
}
