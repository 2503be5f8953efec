//! Integration tests for the cty codecs, compiled as one test binary.
//!
//! `golden` pins exact msgpack bytes derived by hand from the msgpack spec and go-cty's format;
//! `types` covers the JSON type notation; `errors` checks error kinds and paths; `properties`
//! holds the proptest round-trip and never-panic properties, fed by the generators in
//! `strategies`.

mod errors;
mod golden;
mod properties;
mod strategies;
mod types;
