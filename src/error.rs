//! Typed errors of the product. Each variant maps to one [`ExitStatus`]; `main` prints the
//! error and exits with that status.

use crate::exit::ExitStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, settings, config file or input files.
    #[error("{0}")]
    Usage(String),
    /// Diagnostics turned into an error by `--strict`.
    #[error("{0}")]
    Strict(String),
    /// The Kubernetes API answered an error or could not be reached.
    #[error("{0}")]
    Kubernetes(String),
    /// The ADC answered an error or could not be reached.
    #[error(transparent)]
    Nitro(#[from] crate::nitro::NitroError),
    /// A precondition on the ADC is not met (missing SNIP, clustered ADC, ...).
    #[error("{0}")]
    AdcPrecondition(String),
    /// Some operations of an apply failed; a rerun converges.
    #[error("{0}")]
    Partial(String),
    /// Refused for safety.
    #[error("{0}")]
    Refused(String),
    /// Interrupted by a signal.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(_) | Error::Strict(_) => ExitStatus::Usage,
            // Bad --adc-url or --adc-ca-file: a settings error, found before anything is sent.
            Error::Nitro(crate::nitro::NitroError::Config(_)) => ExitStatus::Usage,
            Error::Kubernetes(_) => ExitStatus::Kubernetes,
            Error::Nitro(_) | Error::AdcPrecondition(_) => ExitStatus::Adc,
            Error::Partial(_) => ExitStatus::Partial,
            Error::Refused(_) => ExitStatus::Refused,
            Error::Interrupted => ExitStatus::Interrupted,
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
