//! cty, the type system Terraform uses for every attribute value, and its two wire encodings.
//!
//! Terraform exchanges configuration, plans and state with providers as cty values. This crate
//! owns the Rust model of those values ([`Value`], [`Number`]), of their types ([`Type`], with the
//! JSON type notation used in schemas), and of the two encodings Terraform speaks:
//! [`msgpack`] (plans, config, state in RPCs) and [`json`] (stored state, upgrades).
//!
//! Values carry no type of their own: the codecs are always driven by a [`Type`] supplied by the
//! caller, exactly as the wire formats require. `Value`'s equality is semantic — sets compare as
//! multisets and numbers compare numerically — so a value survives an encode/decode round trip
//! under `==` even when its representation changes (for example `Number::Float(2.0)` is sent as
//! the integer `2`).

mod decimal;
mod error;
mod infer;
pub mod json;
pub mod msgpack;
mod number;
mod trail;
mod ty;
mod value;

pub use error::Error;
pub use number::Number;
pub use ty::Type;
pub use value::{NotAnObject, Value};
