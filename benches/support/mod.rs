//! Shared code of the scale benchmark: the synthetic cluster generator and the "floor"
//! (typed deserialisation only) that the plan pipeline is compared against.

pub mod floor;
pub mod synthetic;

/// A size or latency from the environment (`NODES=200 cargo bench ...`), else `default`.
#[allow(dead_code)] // plan_scale takes its sizes as constants
pub fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
