//! Talking to a NetScaler over NITRO: the transport client (sessions, bulk requests, encoding,
//! typed errors), reading the owned state, and executing change sets.

mod client;
mod error;
pub mod execute;
pub mod read;

pub use client::*;
pub use error::*;
