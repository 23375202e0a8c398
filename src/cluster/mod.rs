//! Kubernetes I/O: client configuration, reading the cluster (live or from a snapshot file),
//! and writing the cluster-side objects (the ADC's Node object, the Lease lock).

pub mod access;
pub mod adc_node;
pub mod client;
pub mod live;
pub mod lock;
pub mod snapshot;
