//! The dataflow engine shared by MG001 and MG002: `local` interprets each
//! file into summaries over symbolic atoms, `solve` links them across the
//! project to a fixed point, and `trace` explains each flow it finds.

pub mod local;
pub mod solve;
pub mod summary;

pub use local::{MAX_DEPTH, ProjectModules, summarize};
