//! `watch`: a foreground controller over the same stages as `apply` (STYLE.md): reflector
//! stores → facts → desired → diff against a cached actual → bulk executor.

pub mod debounce;
pub mod stores;
