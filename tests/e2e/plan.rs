//! plan end-to-end tests
