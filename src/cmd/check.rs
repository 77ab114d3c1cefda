//! `riskguide check`: the whole pipeline, nothing written; every problem at once.

use super::{CONTENT_ERRORS, Code, OK, USAGE, load_usable_config, print_diagnostics};
use riskguide::config::Config;
use riskguide::diagnostics::Diagnostic;
use riskguide::discover::{self, FileKind};
use riskguide::highlight::Highlighter;
use riskguide::output::Discard;
use riskguide::pipeline;
use riskguide::shell_lint;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(root: &Path, deny_warnings: bool, format: Format) -> Code {
    // Problems in site.toml are reported with the content's, in one run.
    let (config, config_problems) = match load_usable_config(root) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let highlighter = Highlighter::new();
    // Everything is built, so template errors are found too, but nothing is kept.
    let built = pipeline::build_into(&config, &highlighter, &|_| {}, &Discard::default());
    let (mut diagnostics, links, pages) = match built {
        Ok(summary) => (summary.diagnostics, summary.external_links, summary.pages),
        Err(list) => (list, BTreeSet::new(), 0),
    };
    diagnostics.splice(0..0, config_problems);
    match lint_shell_snippets(&config) {
        Ok(found) => diagnostics.extend(found),
        Err(message) => {
            eprintln!("error: {message}");
            return USAGE;
        }
    }
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
                    tell!("  {link}");
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

/// Every shell snippet of the content through shellcheck: its findings as located errors, or
/// one warning when shellcheck is not installed. `Err` when shellcheck itself fails to run.
fn lint_shell_snippets(config: &Config) -> Result<Vec<Diagnostic>, String> {
    // Files that cannot be read are already reported by the pipeline above.
    let (files, _) = discover::scan(config);
    let snippets: Vec<shell_lint::Snippet> = files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Page | FileKind::Checklist))
        .flat_map(|f| shell_lint::extract(&f.path, &f.text))
        .collect();
    if snippets.is_empty() {
        return Ok(Vec::new());
    }
    match shell_lint::find_shellcheck() {
        Some(shellcheck) => shell_lint::lint(&snippets, &shellcheck),
        None => Ok(vec![shell_lint::not_linted(snippets.len())]),
    }
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
