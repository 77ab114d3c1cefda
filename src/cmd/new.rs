//! `riskguide new DIR`: a minimal guide that builds and checks clean.

use super::{Code, USAGE};
use std::path::Path;

pub fn run(_dir: &Path) -> Code {
    eprintln!("error: new is not available in this build");
    USAGE
}
