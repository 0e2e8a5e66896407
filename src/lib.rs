//! mountguard: a static security analyzer for Python infrastructure code.
//!
//! The pipeline, in the order data flows through it:
//! [`discover`] paths → [`parse`] trees → [`facts`] per file →
//! [`link`] the project index → [`taint`] + [`rules`] findings →
//! [`suppress`] → [`render`]. [`analysis`] wires the analysis stages.

pub mod analysis;
pub mod cache;
pub mod cli;
pub mod config;
pub mod discover;
pub mod facts;
pub mod finding;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod link;
pub mod names;
pub mod parse;
pub mod render;
pub mod rules;
pub mod suppress;
pub mod syntax;
pub mod taint;
pub mod timings;
