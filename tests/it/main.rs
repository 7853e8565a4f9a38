//! obsctl's integration tests: one test binary (`cargo test --test it`),
//! one module per area. `support` holds what they share: the repository
//! root, the fixture builder (`desired`, `secrets`, catalogue copies), the
//! in-process plan and apply against the fake, the runner of the real
//! binary (`obsctl`), and the fakecloud emulator with its fault-injecting
//! proxy. Run one area with `cargo test --test it <module>::`, e.g.
//! `cargo test --test it emulator::`.

mod support;

mod bulk_tags;
mod cli;
mod dashboard_defaults;
mod emulator;
mod failure_modes;
mod faults;
mod filter_patterns;
mod fuzz;
mod github_comment;
mod iam;
mod iam_strict;
mod import;
mod monitoring;
mod notifications;
mod plan_apply;
mod plots;
mod previews;
mod schema;
mod validation;
mod verify;
