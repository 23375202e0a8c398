//! placeholder until the real API server harness lands
