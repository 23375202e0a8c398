//! The pure core: cluster facts → desired state → change set. No I/O, no clock, no randomness.

pub mod actual;
pub mod desired;
pub mod diff;
pub mod facts;
pub mod fingerprint;
pub mod foreign;
pub mod object;
pub mod scope;
pub mod selector;
pub mod services;

pub use actual::{Actual, DiffOptions, Refusal};
pub use desired::*;
pub use diff::*;
pub use facts::*;
pub use foreign::{ForeignConflicts, ForeignObject, foreign_conflicts};
pub use object::*;
pub use scope::{ANN_SCOPE, OwnedScope, RECORD_KEY, ServiceScope};
