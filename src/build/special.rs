//! The files beside the pages: `_headers` with the security headers, the checklists' audit
//! scripts, `sitemap.xml`, `robots.txt`, the search index and the 404 page.

use crate::audit;
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::markdown::{self};
use crate::model::{self, Site};
use crate::render::Templates;

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
