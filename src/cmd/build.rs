//! `riskguide build`: the pipeline, then the atomic write.

use super::{CONTENT_ERRORS, Code, OK, USAGE, load_config, print_diagnostics};
use riskguide::diagnostics::Error;
use riskguide::highlight::Highlighter;
use riskguide::output;
use riskguide::pipeline::{self, Options};
use std::path::Path;
use std::time::Instant;

pub fn run(root: &Path, out: Option<&Path>, offline: bool) -> Code {
    let started = Instant::now();
    let config = match load_config(root) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let out_dir = out.map_or_else(|| config.output_dir.clone(), Path::to_path_buf);
    let highlighter = Highlighter::new();
    let built = match pipeline::build(&config, &highlighter, Options { offline }) {
        Ok(b) => b,
        Err(list) => {
            print_diagnostics(&config.root, &list);
            eprintln!("build failed; {} left as it was", out_dir.display());
            return CONTENT_ERRORS;
        }
    };
    print_diagnostics(&config.root, &built.diagnostics);
    match output::write_atomic(&built.output, &out_dir) {
        Ok(()) => {
            eprintln!(
                "built {} pages ({} files, {} KiB) into {} in {} ms",
                built.pages,
                built.output.len(),
                built.output.total_bytes() / 1024,
                out_dir.display(),
                started.elapsed().as_millis()
            );
            OK
        }
        Err(e @ (Error::Io { .. } | Error::Refused { .. })) => {
            eprintln!("error: {e}");
            USAGE
        }
        Err(e) => {
            eprintln!("error: {e}");
            CONTENT_ERRORS
        }
    }
}
