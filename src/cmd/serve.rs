//! `riskguide serve`: local preview with live reload.

use super::{Code, USAGE};
use std::path::Path;

pub fn run(_root: &Path, _port: u16) -> Code {
    eprintln!("error: serve is not available in this build");
    USAGE
}
