//! Pipeline: the one ordered function `Config → files (into a sink) or diagnostics`.
//!
//! discover → load → (assets, templates) → model → markdown → compile → view → render.
//! Each phase collects every problem it finds; a phase gate stops before the next phase when
//! there are errors, so authors see all problems of a phase at once and no cascades.
//! This module sequences the steps; the steps' logic lives in their modules.

use crate::build::chrome::Chrome;
use crate::build::plan::{anchor_index, code_samples};
pub use crate::build::quick::{LastBuild, QuickPage};
use crate::build::{self, Loaded, book, gate, pages, plan, special, usage};
use crate::compile;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::discover;
use crate::highlight::Highlighter;
use crate::markdown::{self, Context, EmbedKind};
use crate::model::{LinkResolver, Route};
use crate::output::{Collect, OutputSet, Sink};
use std::collections::BTreeSet;

pub use crate::build::load_site;
pub use crate::build::special::security_headers;

/// What a successful build reports: its warnings and what `check` lists besides.
#[derive(Debug)]
pub struct Summary {
    pub diagnostics: Vec<Diagnostic>,
    pub pages: usize,
    pub external_links: BTreeSet<String>,
}

/// A successful build kept in memory.
#[derive(Debug)]
pub struct Built {
    pub output: OutputSet,
    pub summary: Summary,
}

/// Builds the whole site in memory.
pub fn build(config: &Config, highlighter: &Highlighter) -> Result<Built, Vec<Diagnostic>> {
    build_keeping(config, highlighter).map(|(built, _)| built)
}

/// Builds the whole site in memory and keeps what rendering one of its pages again needs.
pub fn build_keeping(config: &Config, highlighter: &Highlighter) -> Result<(Built, LastBuild), Vec<Diagnostic>> {
    let sink = Collect::default();
    let (summary, last) = build_steps(config, highlighter, &|_| {}, &sink, true)?;
    let built = Built {
        output: sink.into_set(),
        summary,
    };
    // A build that succeeded had its templates.
    last.map(|last| (built, last)).ok_or_else(Vec::new)
}

/// A build step just finished: progress on big sites, and `build --timings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The site's files listed and read.
    Discovered { files: usize },
    /// Content loaded into the model, anchors indexed, the checks before rendering run.
    Loaded,
    /// Every page's Markdown rendered and its search words folded into the index.
    Rendered { pages: usize },
    /// The checks across pages, the checklists and the questionnaire's rules.
    Checked,
    /// Assets and the search index written.
    AssetsWritten,
    /// Every page's template applied and its file written, the printable guide included.
    Templated { pages: usize },
}

/// Builds the site, handing every file to `sink` as soon as it is ready (so a big site is
/// never held in memory whole) and telling `progress` as each big step finishes. On error the
/// sink may hold part of the site; the caller discards it.
pub fn build_into(
    config: &Config,
    highlighter: &Highlighter,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &dyn Sink,
) -> Result<Summary, Vec<Diagnostic>> {
    build_steps(config, highlighter, progress, sink, false).map(|(summary, _)| summary)
}

fn build_steps(
    config: &Config,
    highlighter: &Highlighter,
    progress: &(dyn Fn(Progress) + Sync),
    sink: &dyn Sink,
    keep_texts: bool,
) -> Result<(Summary, Option<LastBuild>), Vec<Diagnostic>> {
    let mut problems = Diagnostics::new();
    let (files, found) = discover::scan(config);
    progress(Progress::Discovered { files: files.len() });
    problems.extend(found);
    highlighter.warm_up(code_samples(&files));
    let loaded = build::load(config, files, &mut problems);
    let reserved_ids = loaded.reserved_ids();
    let Loaded {
        mut site,
        manifest,
        templates: template_set,
    } = loaded;
    let templates = &template_set;
    let anchors = anchor_index(&site, &reserved_ids);
    let static_files = manifest.files.clone();
    let resolver = LinkResolver {
        routes: &site.routes,
        unchecked: &site.unchecked_routes,
        anchors: &anchors,
        static_files: &static_files,
    };
    let plain_embed = |_: EmbedKind, _: &str, _: &Route| None;
    // Headings, callouts, task markers and tables' frames are written by the site's partials.
    let markup = |piece: &markdown::Markup| templates.as_ref().map(|t| t.markup(piece)).unwrap_or_default();
    if let Some(t) = &templates {
        problems.extend(t.check_markup());
    }
    let inner = Context {
        resolver: &resolver,
        highlighter,
        embed: &plain_embed,
        markup: &markup,
        reserved_ids: &reserved_ids,
    };
    // The checks that read pages' Markdown again run before the pages render, which lets each
    // page's text go once it is rendered (but for a build kept for rendering pages again).
    problems.extend(compile::check_ratings(&site, &inner));
    problems.extend(compile::check_platform_pages(&site, &inner));
    let texts = (!keep_texts).then(|| pages::take_texts(&mut site.pages));
    progress(Progress::Loaded);
    let embed =
        |kind: EmbedKind, id: &str, from: &Route| pages::embed_html(&site, templates.as_ref(), &inner, kind, id, from);
    let ctx = Context { embed: &embed, ..inner };

    let (mut rendered, page_html, search_index_pages) = pages::render(config, &site, texts, &ctx, sink, &mut problems);
    progress(Progress::Rendered { pages: rendered.len() });
    let usage = usage::check(&site, &rendered, &inner, &mut problems);
    pages::after_checks(&mut rendered);
    let checklist_pages = pages::checklist_pages(&site, templates.as_ref(), &inner, &mut problems);
    let questionnaire_rules = plan::questionnaire_rules(&site, &inner, &mut problems);
    gate(&problems)?;
    let Some(templates) = templates.as_ref() else {
        return Err(problems.into_sorted());
    };
    progress(Progress::Checked);
    let (manifest, search_index) = special::write_assets(manifest, search_index_pages, sink, &mut problems);
    progress(Progress::AssetsWritten);
    let chrome = Chrome::new(&site, &manifest, templates, search_index.as_ref());
    let print_view = book::print_view(&chrome, config, &site, &rendered);
    let sections = book::Sections {
        site: &site,
        rendered: &rendered,
        page_html: &page_html,
        templates,
    };
    // The printable guide is rendered beside the content pages.
    let (print_problem, page_problems) = rayon::join(
        || book::write(&sections, &print_view, &chrome, sink),
        || pages::write(&site, &rendered, &page_html, &chrome, templates, &reserved_ids, sink),
    );
    let views = plan::special_views(
        &site,
        &chrome,
        templates,
        &inner,
        &usage.used_on,
        checklist_pages,
        questionnaire_rules,
    );
    let not_found = special::not_found(&chrome, config);

    // The content pages, the special views, the printable guide and the 404 page.
    let pages = page_problems.len() + views.len() + 2;
    problems.extend(print_problem);
    problems.extend(page_problems.into_iter().flatten());
    problems.extend(special::write_views(views, not_found, &chrome, templates, sink));
    problems.extend(special::write_audit_scripts(&site, config, templates, sink));
    progress(Progress::Templated { pages });
    problems.extend(special::write_generated(&site, config, sink));
    gate(&problems)?;
    let summary = Summary {
        diagnostics: problems.into_sorted(),
        pages,
        external_links: usage.external_links,
    };
    let last = template_set.map(|templates| LastBuild {
        config: config.clone(),
        site,
        templates,
        manifest,
        search_index,
        reserved_ids,
        anchors,
        static_files,
    });
    Ok((summary, last))
}
