//! The one exit-status enum of the product (SPEC §7). Every typed error maps to exactly one of
//! these; `main` turns the outcome of a run into the process exit code.

use std::fmt;

/// Process exit status, as documented in `--help`, the README and the man pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// Success; for `diff`, no differences.
    Success = 0,
    /// `diff` only: differences found.
    Differences = 1,
    /// Usage, settings or input error.
    Usage = 2,
    /// Kubernetes API error.
    Kubernetes = 3,
    /// ADC (NITRO) error.
    Adc = 4,
    /// Partial apply: some operations failed; a rerun converges.
    Partial = 5,
    /// Refused for safety: mass delete, stale plan, declined prompt, no `--yes` without a
    /// terminal, ADC is an HA secondary, lock held by another writer.
    Refused = 6,
    /// Interrupted (Ctrl-C).
    Interrupted = 130,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The table shown at the end of `--help` and in the man page.
    pub const HELP_TABLE: &'static str = "\
Exit status:
  0    success; for diff: no differences
  1    diff only: differences found
  2    usage, settings or input error
  3    Kubernetes API error
  4    ADC (NITRO) error
  5    partial apply: some operations failed, a rerun converges
  6    refused for safety (mass delete, stale plan, declined prompt, no --yes without a
       terminal, ADC is an HA secondary, lock held by another writer)
  130  interrupted";
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}
