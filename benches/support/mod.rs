//! Shared code of the scale benchmark: the synthetic cluster generator and the "floor"
//! (typed deserialisation only) that the plan pipeline is compared against.

pub mod floor;
pub mod synthetic;
