//! riskguide: a static-site generator for security risk guides that work as decision tools.
//!
//! The modules are listed in pipeline order; each uses only the ones above it
//! (`diagnostics` is used by all). See `pipeline::build` for the whole flow.
#![warn(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod assets;
pub mod audit;
pub(crate) mod build;
pub mod compile;
pub mod config;
pub mod diagnostics;
pub mod discover;
pub mod highlight;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod search;
pub mod shell_lint;
pub mod strings;
pub mod view;
