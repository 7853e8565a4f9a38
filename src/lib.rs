//! obsctl: AWS monitoring as code.
//!
//! The pipeline, one module per stage, data flowing one way:
//! [`catalogue`] (load + validate) → [`compile`] (desired state of
//! [`resource`]s) → [`snapshot`] / [`report`]. See ARCHITECTURE.md.

// No wildcard arms over obsctl's enums (`Kind`, `Resource`, `Api`, ...):
// a new variant must be decided on everywhere it is matched.
#![warn(clippy::wildcard_enum_match_arm)]

pub mod adhoc;
pub mod apply;
pub mod aws;
pub mod catalogue;
pub mod cli;
pub mod compile;
pub mod cost;
pub mod diagnostic;
pub mod docs;
pub mod engine;
pub mod error;
pub mod floor;
pub mod generate;
pub mod iam;
pub mod import;
pub mod kinds;
pub mod live;
pub mod lock;
pub mod notation;
pub mod ownership;
pub mod plan;
pub mod preview;
pub mod provenance;
pub mod reference;
pub mod report;
pub mod resource;
pub mod rules;
pub mod run;
pub mod snapshot;
pub mod testing;
pub mod verify;
