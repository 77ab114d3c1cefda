//! The files beside the pages: `_headers` with the security headers, the checklists' audit
//! scripts, `sitemap.xml`, `robots.txt`, the search index and the 404 page.

use crate::assets::{AssetManifest, Fingerprinted};
use crate::audit;
use crate::build::chrome::{Chrome, absolutize, absolutize_shared};
use crate::build::pages::{put_file, put_page};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self};
use crate::model::{self, Route, Site};
use crate::output::Sink;
use crate::render::{Prepared, Templates};
use crate::search::{self};
use crate::view::*;
use rayon::prelude::*;

/// The security headers of every response, shared by `_headers` and `serve`.
pub fn security_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; upgrade-insecure-requests",
        ),
        (
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains; preload",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        (
            "Permissions-Policy",
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
        ),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Embedder-Policy", "require-corp"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
}

pub(crate) fn headers_file(config: &Config, site: &Site) -> String {
    let mut text = String::from("/*\n");
    for (name, value) in security_headers() {
        text.push_str(&format!("  {name}: {value}\n"));
    }
    text.push_str(&format!(
        "{}assets/*\n  Cache-Control: public, max-age=31536000, immutable\n",
        config.base_path
    ));
    // Audit scripts are read before they are run: shown as text, never handed to a program.
    for list in site.checklists.values().filter(|l| has_audits(l)) {
        text.push_str(&format!(
            "{}{}\n  Content-Type: text/plain; charset=utf-8\n",
            config.base_path,
            audit_script_path(list)
        ));
    }
    text
}

pub(crate) fn has_audits(list: &model::Checklist) -> bool {
    list.items()
        .any(|i| !i.audits.is_empty() || i.steps.iter().any(|s| !s.audits.is_empty()))
}

/// Where a checklist's audit script is written: `checklists/<id>/audit.sh`.
pub(crate) fn audit_script_path(list: &model::Checklist) -> String {
    format!("{}audit.sh", list.route.as_str().trim_start_matches('/'))
}

/// The audit script of every checklist that has audits, from the site's `audit.sh` template
/// or riskguide's own.
pub(crate) fn audit_scripts(
    site: &Site,
    config: &Config,
    templates: &Templates,
) -> Vec<(String, Result<Vec<u8>, Diagnostic>)> {
    site.checklists
        .values()
        .filter_map(|list| {
            let mut checks = Vec::new();
            for item in list.items() {
                checks.push(audit::ScriptCheck {
                    key: item.id.to_string(),
                    is_step: false,
                    label: markdown::plain_inline(&item.text.markdown),
                    audits: &item.audits,
                    steps_audited: item.steps.iter().any(|s| !s.audits.is_empty()),
                });
                for step in &item.steps {
                    checks.push(audit::ScriptCheck {
                        key: format!("{}/{}", item.id, step.id),
                        is_step: true,
                        label: markdown::plain_inline(&step.text.markdown),
                        audits: &step.audits,
                        steps_audited: false,
                    });
                }
            }
            let view = audit::script_view(list.id.as_str(), &list.title, &config.base_url, checks)?;
            let script = templates
                .render_text_or("audit.sh", audit::DEFAULT_TEMPLATE, &view)
                .map(String::into_bytes);
            Some((audit_script_path(list), script))
        })
        .collect()
}

pub(crate) fn sitemap(site: &Site) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for route in &site.routes {
        let loc = format!("{}{}", site.config.base_url, route.as_str().trim_start_matches('/'));
        xml.push_str(&format!("<url><loc>{}</loc></url>\n", markdown::escape_text(&loc)));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The 404 page and what it shares with the pages. It is served at any address, so its links
/// are absolute; its sidebar is written once they are.
pub(crate) fn not_found(chrome: &Chrome, config: &Config) -> (PageView, SharedView) {
    let words = chrome.templates.strings();
    let home = Route::new("/");
    let mut core = chrome.bare_core("not-found", &home, words.get("not_found_title"), "", false);
    core.root = config.base_path.clone();
    let mut not_found_shared = chrome.shared_view(&home);
    absolutize_shared(&mut not_found_shared, &config.base_path);
    core.nav = chrome.nav_sections(&home);
    for section in &mut core.nav {
        absolutize(&mut section.link.href, &config.base_path);
        for child in &mut section.children {
            absolutize(&mut child.href, &config.base_path);
        }
    }
    core.nav_html = chrome.write_nav(&core.nav);
    (PageView::NotFound(NotFound { core }), not_found_shared)
}

/// Writes the generated pages' views and the 404 page, then reports the sidebar's problem.
pub(crate) fn write_views(
    views: Vec<(String, PageView)>,
    (not_found, not_found_shared): (PageView, SharedView),
    chrome: &Chrome,
    templates: &Templates,
    sink: &dyn Sink,
) -> Vec<Diagnostic> {
    let view_problems: Vec<Option<Diagnostic>> = views
        .into_par_iter()
        .map(|(path, view)| {
            put_page(
                sink,
                path,
                templates.render_with(&view, &chrome.shared(&Route::new(&view.core().route)), Vec::new(), 0),
            )
        })
        .collect();
    let mut problems: Vec<Diagnostic> = view_problems.into_iter().flatten().collect();
    problems.extend(put_page(
        sink,
        "404.html".into(),
        templates.render_with(&not_found, &Prepared::new(&not_found_shared), Vec::new(), 0),
    ));
    problems.extend(chrome.nav_problem());
    problems
}

/// Writes each checklist's audit script.
pub(crate) fn write_audit_scripts(
    site: &Site,
    config: &Config,
    templates: &Templates,
    sink: &dyn Sink,
) -> Vec<Diagnostic> {
    audit_scripts(site, config, templates)
        .into_iter()
        .filter_map(|(path, script)| put_page(sink, path, script))
        .collect()
}

/// Writes `_headers`, `sitemap.xml` and `robots.txt`.
pub(crate) fn write_generated(site: &Site, config: &Config, sink: &dyn Sink) -> Vec<Diagnostic> {
    let generated = [
        ("_headers".to_string(), headers_file(config, site).into_bytes()),
        ("sitemap.xml".to_string(), sitemap(site).into_bytes()),
        (
            "robots.txt".to_string(),
            format!("User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n", config.base_url).into_bytes(),
        ),
    ];
    generated
        .into_iter()
        .filter_map(|(path, bytes)| put_file(sink, path, bytes))
        .collect()
}

/// The search index written among the assets, and every asset put into the sink first, so
/// they are not held in memory while the pages render.
pub(crate) fn write_assets(
    mut manifest: AssetManifest,
    search_index_pages: Option<search::IndexBuilder>,
    sink: &dyn Sink,
    problems: &mut Diagnostics,
) -> (AssetManifest, Option<Fingerprinted>) {
    let search_index = search_index_pages.map(|index| {
        index.write(&mut manifest, &mut |path, bytes| {
            problems.extend(put_file(sink, path, bytes));
        })
    });
    for (path, bytes) in std::mem::take(&mut manifest.outputs) {
        problems.extend(put_file(sink, path, bytes));
    }
    (manifest, search_index)
}
