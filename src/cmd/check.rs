//! `riskguide check`: the whole pipeline, nothing written; every problem at once.

use super::{CONTENT_ERRORS, Code, OK, load_config, print_diagnostics};
use riskguide::diagnostics::Diagnostic;
use riskguide::highlight::Highlighter;
use riskguide::output::Discard;
use riskguide::pipeline;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(root: &Path, deny_warnings: bool, format: Format) -> Code {
    let config = match load_config(root) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let highlighter = Highlighter::new();
    // Everything is built, so template errors are found too, but nothing is kept.
    let built = pipeline::build_into(&config, &highlighter, &|_| {}, &Discard::default());
    let (diagnostics, links, pages) = match built {
        Ok(summary) => (summary.diagnostics, summary.external_links, summary.pages),
        Err(list) => (list, BTreeSet::new(), 0),
    };
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let failed = errors > 0 || (deny_warnings && warnings > 0);
    match format {
        Format::Json => println!("{}", report_json(&diagnostics, &links, pages, failed)),
        Format::Text => {
            print_diagnostics(&config.root, &diagnostics);
            if !links.is_empty() {
                eprintln!("external links ({}):", links.len());
                for link in &links {
                    eprintln!("  {link}");
                }
            }
            if failed {
                eprintln!("check failed");
            } else {
                eprintln!("check passed: {pages} pages, {errors} errors, {warnings} warnings");
            }
        }
    }
    if failed { CONTENT_ERRORS } else { OK }
}

fn report_json(diagnostics: &[Diagnostic], links: &BTreeSet<String>, pages: usize, failed: bool) -> String {
    let list: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": d.severity, "code": d.code, "message": d.message, "help": d.help,
                "path": d.location.path, "line": d.location.line, "col": d.location.col,
            })
        })
        .collect();
    serde_json::json!({"ok": !failed, "pages": pages, "diagnostics": list, "external_links": links}).to_string()
}
