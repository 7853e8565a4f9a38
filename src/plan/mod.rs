//! The plan: a plain, serializable value saying what apply will do. Computing
//! it is pure and deterministic (desired × live → Plan); rendering it is
//! `report`'s job and executing it `apply`'s.
//!
//! `model.rs` is the value, `compute.rs` the pure computation, `blockers.rs`
//! what stops an apply before any change, `subscriptions.rs` how declared
//! endpoints meet live ones, `diff.rs` the field diff.

mod blockers;
mod compute;
pub mod diff;
mod model;
mod subscriptions;

pub use blockers::endpoint_blockers;
pub use compute::{compute, dashboard_changes};
pub use diff::FieldChange;
pub use model::*;
pub use subscriptions::redact;
