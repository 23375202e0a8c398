//! The subcommands: thin orchestration over the pipeline
//! (settings → facts → desired → actual → change set → execute → render).

pub mod apply;
pub mod diff;
pub mod pipeline;
pub mod plan;
pub mod version;
pub mod watch;
