//! The catalogue: model (what users write), loading (files → items with
//! locations) and validation (every semantic and AWS input rule, all at once).

pub mod load;
pub mod model;
pub mod route;
pub mod sandbox;
pub mod slo;
pub mod source;
pub mod suggest;
pub mod validate;

pub use load::{Catalogue, Item, load, load_in};
