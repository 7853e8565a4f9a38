//! AWS rules shared by the validator, the compiler, the planner and the
//! in-memory fake: pure functions over plain strings and numbers, with no
//! catalogue, resource or AWS SDK types, so every stage (and the fake) can
//! use them without depending on another stage.

pub mod composite;
pub mod endpoint;
pub mod limits;
pub mod log_alarm;
pub mod missing_data;
pub mod mute;
pub mod wildcard;
