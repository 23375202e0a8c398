//! The subcommands: thin orchestration over the pipeline
//! (settings → facts → desired → actual → change set → execute → render).

pub mod plan;
