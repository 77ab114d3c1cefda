//! Pipeline: the one ordered function `Config → files (into a sink) or diagnostics`.
//!
//! discover → load → (assets, templates) → model → markdown → compile → view → render.
//! Each phase collects every problem it finds; a phase gate stops before the next phase when
//! there are errors, so authors see all problems of a phase at once and no cascades.
//! This module sequences the steps; the steps' logic lives in their modules.

use crate::assets::{self};
use crate::build::book::*;
use crate::build::chrome::*;
use crate::build::pages::*;
use crate::build::plan::*;
pub use crate::build::special::security_headers;
use crate::build::special::*;
use crate::compile::{self, ChecklistPlace};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{self};
use crate::highlight::Highlighter;
use crate::load;
use crate::markdown::{self, Context, EmbedKind, Rendered, Source};
use crate::model::{self, LinkResolver, Page, Platform, Route, Site, routes};
use crate::output::{Collect, OutputSet, Sink};
use crate::render::{self, Prepared};
use crate::search::{self, SearchPage};
use crate::view::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

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
    let sink = Collect::default();
    let summary = build_into(config, highlighter, &|_| {}, &sink)?;
    Ok(Built {
        output: sink.into_set(),
        summary,
    })
}

/// A step of a build, for progress displays on big sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Discovered { files: usize },
    Rendered { pages: usize },
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
    let mut problems = Diagnostics::new();
    let (files, found) = discover::scan(config);
    progress(Progress::Discovered { files: files.len() });
    problems.extend(found);
    highlighter.warm_up(code_samples(&files));
    // Loading the content and preparing assets and templates do not depend on each other, so
    // they run side by side; their problems are still reported in this order.
    // No gate after loading: files that failed to load are left out, and the rest is still
    // checked, so one run reports every problem of the site.
    let ((load_found, (site, model_found)), ((manifest, assets_found), templates)) = rayon::join(
        || {
            let (loaded, found) = load::parse(files);
            (found, model::build(config, loaded))
        },
        || {
            rayon::join(
                || assets::bundle(config),
                || render::load(&config.templates_dir(), &config.root, &config.language),
            )
        },
    );
    problems.extend(load_found);
    problems.extend(assets_found);
    let templates = match templates {
        Ok((t, warnings)) => {
            problems.extend(warnings);
            Some(t)
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    problems.extend(model_found);

    // Ids the templates and scripts use: no content takes them.
    let mut reserved_ids = manifest.script_names.clone();
    if let Some(t) = &templates {
        reserved_ids.extend(t.ids().iter().cloned());
    }
    let anchors = anchor_index(&site, &reserved_ids);
    let static_files = manifest.files.clone();
    let resolver = LinkResolver {
        routes: &site.routes,
        unchecked: &site.unchecked_routes,
        anchors: &anchors,
        static_files: &static_files,
    };
    let names = |p: Platform| site.platform_name(p).to_string();
    let short_names = |p: Platform| site.platform_short(p).to_string();
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
    let embed = |kind: EmbedKind, id: &str, from: &Route| -> Option<String> {
        let mut ignored = Diagnostics::new();
        if site.broken_ids.contains(id) {
            return Some(String::new());
        }
        match kind {
            EmbedKind::Table => site.tables.iter().find(|(k, _)| k.as_str() == id).map(|(_, t)| {
                let table = markdown::table_view(t, from, &inner, &names, &mut ignored);
                partial_markup(templates.as_ref(), "partials/table.html", "table", &table, &mut ignored)
            }),
            EmbedKind::Checklist => site.checklists.iter().find(|(k, _)| k.as_str() == id).map(|(_, c)| {
                let list =
                    compile::checklist_view(c, from, &inner, ChecklistPlace::Embedded, &short_names, &mut ignored);
                checklist_markup(templates.as_ref(), &list, &mut ignored)
            }),
        }
    };
    let ctx = Context {
        resolver: &resolver,
        highlighter,
        embed: &embed,
        markup: &markup,
        reserved_ids: &reserved_ids,
    };

    // Each page is rendered once, for its own address; its section of the printable guide is
    // that HTML moved to the guide's address when the guide is written.
    let print_guide = Route::new(routes::PRINT_GUIDE);
    let book = Book::new(&site);
    // Pages are rendered a batch at a time, and each batch's search entries are folded into the
    // index in page order before the next, so only one batch's word lists are ever held.
    let mut rendered: Vec<Rendered> = Vec::with_capacity(site.pages.len());
    let mut page_html = PageHtml::new(site.pages.len());
    let mut search_index_pages = config.search.then(search::IndexBuilder::default);
    for batch in site.pages.chunks(RENDER_BATCH) {
        let done: Vec<(Rendered, Option<SearchPage>)> = batch
            .par_iter()
            .map(|page| {
                let source = Source {
                    path: &page.source.path,
                    file_text: &page.source.text,
                    offset: page.body_offset,
                    markdown: page.body(),
                };
                let mut own = markdown::render(&source, &page.route, &ctx);
                let entry = config
                    .search
                    .then(|| SearchPage::new(page, &std::mem::take(&mut own.search)));
                (own, entry)
            })
            .collect();
        for (mut own, entry) in done {
            page_html.keep(std::mem::take(&mut own.html));
            rendered.push(own);
            if let (Some(index), Some(entry)) = (&mut search_index_pages, entry) {
                index.add(entry);
            }
        }
    }
    progress(Progress::Rendered { pages: rendered.len() });
    problems.extend(compile::check_ratings(&site, &inner));
    let mut used_on: BTreeMap<model::SourceId, Vec<&Page>> = BTreeMap::new();
    for (page, r) in site.pages.iter().zip(&rendered) {
        for b in compile::page_basis(page, embedded_tables(&site, r)) {
            used_on.entry(b.id).or_default().push(page);
        }
    }
    let mut external_links = BTreeSet::new();
    let mut used_tables = BTreeSet::new();
    let mut linked: BTreeSet<&Route> = BTreeSet::new();
    for r in &rendered {
        linked.extend(r.internal_links.iter());
        for (kind, id) in &r.embeds {
            if let Some(c) = site
                .checklists
                .values()
                .find(|c| *kind == EmbedKind::Checklist && c.id.as_str() == id)
            {
                linked.insert(&c.route);
            }
        }
        problems.extend(r.diagnostics.clone());
        external_links.extend(r.external_links.iter().cloned());
        used_tables.extend(
            r.embeds
                .iter()
                .filter(|(k, _)| *k == EmbedKind::Table)
                .map(|(_, id)| id.clone()),
        );
    }
    // A page that failed to load may be the one embedding a table: no "unused" guesses then.
    let all_pages_loaded = site.unchecked_routes.is_empty();
    for table in site.tables.values() {
        markdown::table_view(table, &Route::new("/"), &inner, &names, &mut problems);
        if all_pages_loaded && !used_tables.contains(table.id.as_str()) {
            problems.push(
                Diagnostic::warning(
                    "W050",
                    Location::file(&table.path),
                    format!("table `{}` is not embedded in any page", table.id),
                )
                .with_help(format!("place it with a fenced block: ```table\\n{}\\n```", table.id)),
            );
        }
    }
    for checklist in site.checklists.values() {
        let offered = site
            .questionnaire
            .as_ref()
            .is_some_and(|q| q.platforms.iter().any(|p| p.checklists.contains(&checklist.id)));
        if all_pages_loaded && !offered && !linked.contains(&checklist.route) {
            problems.push(
                Diagnostic::warning(
                    "W052",
                    Location::file(&checklist.path),
                    format!("checklist `{}` is not linked from any page", checklist.id),
                )
                .with_help(format!(
                    "link to /checklists/{}/ or embed it with a ```checklist block",
                    checklist.id
                )),
            );
        }
    }
    let checklist_pages: BTreeMap<_, _> = site
        .checklists
        .values()
        .map(|c| {
            (c.id.clone(), {
                let list = compile::checklist_view(
                    c,
                    &c.route,
                    &inner,
                    ChecklistPlace::OwnPage,
                    &short_names,
                    &mut problems,
                );
                checklist_markup(templates.as_ref(), &list, &mut problems)
            })
        })
        .collect();
    let mut questionnaire_rules = None;
    if let Some(q) = &site.questionnaire {
        let titles = site
            .checklists
            .values()
            .map(|c| (c.id.clone(), (c.title.clone(), c.route.clone())))
            .collect();
        let rules = compile::rules(q, &Route::new(routes::QUESTIONNAIRE), &inner, &titles, &mut problems);
        let intro = markdown::render_block(&q.intro, &Route::new(routes::QUESTIONNAIRE), &inner, &mut problems);
        problems.extend(compile::audit(q));
        let plan_json = compile::json_for_html(&rules.for_plan());
        questionnaire_rules = Some((compile::json_for_html(&rules), plan_json, intro));
    }
    gate(&problems)?;
    let Some(templates) = templates.as_ref() else {
        return Err(problems.into_sorted());
    };

    let mut manifest = manifest;
    let search_index = search_index_pages.map(|index| index.write(&mut manifest));
    // The assets (the search index among them) go out first, so they are not held in memory
    // while the pages render.
    for (path, bytes) in std::mem::take(&mut manifest.outputs) {
        problems.extend(put_file(sink, path, bytes));
    }
    let chrome = Chrome::new(&site, &manifest, templates, search_index.as_ref());
    let words = templates.strings();
    let mut print_view = chrome.page_view(
        "print",
        &print_guide,
        &words.fill("print_title", &[("title", &config.title)]),
        words.get("print_description"),
    );
    print_view.embedded_checklists = embedded_checklists(&rendered);
    // The build has no clock: the book is dated by its most recently reviewed page.
    print_view.reviewed = site.pages.iter().filter_map(|p| p.reviewed.clone()).max();
    // The printable guide, by far the largest page, is rendered beside the content pages, whose
    // views are each built and rendered on a worker thread and dropped right away, so the
    // views of a big site never sit in memory all at once.
    let print_path = print_guide.output_path();
    let put = |path: String, result: Result<Vec<u8>, Diagnostic>| -> Option<Diagnostic> {
        match result.and_then(|html| unique_ids(html, &path, None)) {
            Ok(html) => put_file(sink, path, html),
            Err(d) => Some(d),
        }
    };
    // The printable guide's sections, converted to template values right away, so their HTML
    // is held once, not as strings and then again as values.
    let printed: Result<Vec<PrintSectionView>, Diagnostic> = site
        .pages
        .par_iter()
        .zip(&rendered)
        .enumerate()
        .map(|(i, (page, own))| {
            let html = page_html.get(i, &print_guide.output_path())?;
            // In the printable guide, each section ends with its own list of sources.
            let sources = page_sources(&site, page, own, Some(templates));
            let section = if sources.is_empty() {
                print_section(page, &html, &print_guide, &book, words)
            } else {
                print_section(page, &format!("{html}{sources}"), &print_guide, &book, words)
            };
            Ok(section)
        })
        .collect::<Result<_, Diagnostic>>();
    let (print_problem, page_problems): (Option<Diagnostic>, Vec<Option<Diagnostic>>) = rayon::join(
        || {
            let printed = match printed {
                Ok(printed) => printed,
                Err(d) => return Some(d),
            };
            // Each section's HTML and a little markup around it, plus the page's chrome.
            let expected_len = printed
                .iter()
                .map(|s| s.html.len() + s.title.len() + 400)
                .sum::<usize>()
                + 64 * 1024;
            let listed = printed.len();
            let render = |sections: Vec<Prepared>, expected_len| {
                templates.render_listing(
                    listed,
                    &print_view,
                    &chrome.shared(&print_guide),
                    vec![("print_sections", Prepared::list(sections))],
                    expected_len,
                )
            };
            // The template is applied to the sections with a marker for each one's HTML, and
            // the HTML replaces the markers afterwards: the template's work then does not grow
            // with the guide's text (a 100,000-page guide is over its budget otherwise). A
            // template that does not write each section's HTML once, in order, as it is, gets
            // the sections themselves.
            let mut bodies = Vec::with_capacity(printed.len());
            let mut marked = Vec::with_capacity(printed.len());
            for (i, mut section) in printed.into_iter().enumerate() {
                bodies.push(std::mem::replace(&mut section.html, print_marker(i)));
                marked.push(section);
            }
            let skeleton = render(
                marked.iter().map(Prepared::new).collect(),
                64 * 1024 + marked.len() * 400,
            );
            let html = match skeleton.map(|skeleton| fill_markers(&skeleton, &bodies, expected_len)) {
                Ok(Some(html)) => Ok(html),
                Ok(None) => {
                    let sections = marked
                        .into_iter()
                        .zip(bodies)
                        .map(|(mut section, html)| {
                            section.html = html;
                            Prepared::new(&section)
                        })
                        .collect();
                    render(sections, expected_len)
                }
                Err(d) => Err(d),
            };
            put(print_path, html)
        },
        || {
            site.pages
                .par_iter()
                .zip(rendered.into_par_iter())
                .enumerate()
                .map(|(i, (page, r))| {
                    let mut view = chrome.bare_page_view(
                        if page.route.as_str() == "/" { "home" } else { "page" },
                        &page.route,
                        &page.title,
                        &page.description,
                    );
                    view.embedded_checklists = embedded_checklists([&r]);
                    view.sources_html = page_sources(&site, page, &r, Some(templates));
                    view.toc = r.toc;
                    view.severity = page.severity.map(LevelView::from);
                    if page.severity.is_some() {
                        view.severity_basis = partial_markup(
                            Some(templates),
                            "partials/basis.html",
                            "basis",
                            &markdown::basis_view(&page.basis),
                            &mut Diagnostics::new(),
                        );
                    }
                    view.reviewed = page.reviewed.clone();
                    view.platforms = page
                        .platforms
                        .iter()
                        .map(|p| PlatformView::new(*p, &short_names(*p)))
                        .collect();
                    view.prev = i
                        .checked_sub(1)
                        .and_then(|j| site.pages.get(j))
                        .map(|p| chrome.link(p, &page.route));
                    view.next = site.pages.get(i + 1).map(|p| chrome.link(p, &page.route));
                    view.section = page
                        .section
                        .as_ref()
                        .and_then(|s| chrome.page_at(&Route::new(s)))
                        .filter(|p| p.route != page.route)
                        .map(|p| chrome.link(p, &page.route));
                    if view.kind == "home" {
                        (view.risks, view.risk_counts) = risk_overview(&site, &page.route, &short_names, &reserved_ids);
                        view.checklists = chrome.checklist_views(&page.route, None);
                    }
                    let (nav_html, nav) = chrome.page_nav(&page.route);
                    let path = page.route.output_path();
                    let html = match page_html.get(i, &path) {
                        Ok(html) => html,
                        Err(d) => return Some(d),
                    };
                    // The chrome around a page's own HTML and its sidebar is some kilobytes.
                    let expected_len = html.len() + nav_html.len() + 8 * 1024;
                    let parts = vec![
                        ("html", Prepared::html(html)),
                        ("nav_html", Prepared::html(nav_html)),
                        ("nav", Prepared::list(nav)),
                    ];
                    let source = (page.source.path.as_str(), page.source.text.as_str());
                    let html = templates
                        .render_with(&view, &chrome.shared(&page.route), parts, expected_len)
                        .and_then(|html| unique_ids(html, &path, Some(source)));
                    put(path, html)
                })
                .collect()
        },
    );
    let mut views: Vec<(String, PageView)> = Vec::new();
    for checklist in site.checklists.values() {
        let mut view = chrome.page_view("checklist", &checklist.route, &checklist.title, "");
        let mut card = chrome.card(checklist, &checklist.route);
        card.href = String::new();
        view.checklist = Some(ChecklistView {
            card,
            html: checklist_pages.get(&checklist.id).cloned().unwrap_or_default(),
        });
        views.push((checklist.route.output_path(), view));
    }
    if !site.sources.is_empty() {
        let route = Route::new(routes::SOURCES);
        let mut view = chrome.page_view(
            "page",
            &route,
            words.get("sources_page_title"),
            words.get("sources_page_description"),
        );
        view.html = templates
            .partial(
                "partials/source-index.html",
                "sources",
                &compile::source_index_view(&site, &route, &used_on),
            )
            .unwrap_or_default();
        views.push((route.output_path(), view));
    }
    let hub = Route::new(routes::CHECKLISTS);
    let mut view = chrome.page_view(
        "checklists",
        &hub,
        words.get("checklists_title"),
        words.get("checklists_description"),
    );
    view.checklists = chrome.checklist_views(&hub, None);
    views.push((hub.output_path(), view));
    let print_lists = Route::new(routes::PRINT_CHECKLISTS);
    let mut view = chrome.page_view(
        "print-checklists",
        &print_lists,
        words.get("print_checklists_title"),
        words.get("print_checklists_description"),
    );
    let embedded =
        |c: &model::Checklist, from: &Route| embed(EmbedKind::Checklist, c.id.as_str(), from).unwrap_or_default();
    view.checklists = chrome.checklist_views(&print_lists, Some(&embedded));
    views.push((print_lists.output_path(), view));
    if let (Some(q), Some((rules_json, plan_json, intro_html))) = (&site.questionnaire, questionnaire_rules) {
        let qroute = Route::new(routes::QUESTIONNAIRE);
        let qview = questionnaire_view(q, rules_json, intro_html, &names);
        let mut view = chrome.page_view(
            "questionnaire",
            &qroute,
            &q.title,
            words.get("questionnaire_description"),
        );
        view.questionnaire = Some(qview.clone());
        views.push((qroute.output_path(), view));
        let plan = Route::new(routes::PLAN);
        let mut view = chrome.page_view("plan", &plan, words.get("plan_title"), words.get("plan_description"));
        view.questionnaire = Some(QuestionnaireView {
            rules_json: plan_json,
            ..qview
        });
        let brief = |c: &model::Checklist, from: &Route| {
            let list = compile::checklist_view(
                c,
                from,
                &inner,
                ChecklistPlace::Plan,
                &short_names,
                &mut Diagnostics::new(),
            );
            checklist_markup(Some(templates), &list, &mut Diagnostics::new())
        };
        view.checklists = chrome.checklist_views(&plan, Some(&brief));
        views.push((plan.output_path(), view));
    }
    // The 404 page is served at any address, so its links are absolute; its sidebar is written
    // once they are.
    let home = Route::new("/");
    let mut not_found = chrome.bare_page_view("not-found", &home, words.get("not_found_title"), "");
    not_found.root = config.base_path.clone();
    let mut not_found_shared = chrome.shared_view(&home);
    absolutize_shared(&mut not_found_shared, &config.base_path);
    not_found.nav = chrome.nav_sections(&home);
    for section in &mut not_found.nav {
        absolutize(&mut section.link.href, &config.base_path);
        for child in &mut section.children {
            absolutize(&mut child.href, &config.base_path);
        }
    }
    not_found.nav_html = chrome.write_nav(&not_found.nav);

    // The content pages, the special views, the printable guide and the 404 page.
    let pages = page_problems.len() + views.len() + 2;
    problems.extend(print_problem);
    problems.extend(page_problems.into_iter().flatten());
    let view_problems: Vec<Option<Diagnostic>> = views
        .into_par_iter()
        .map(|(path, view)| {
            put(
                path,
                templates.render_with(&view, &chrome.shared(&Route::new(&view.route)), Vec::new(), 0),
            )
        })
        .collect();
    problems.extend(view_problems.into_iter().flatten());
    problems.extend(put(
        "404.html".into(),
        templates.render_with(&not_found, &Prepared::new(&not_found_shared), Vec::new(), 0),
    ));
    problems.extend(chrome.nav_problem());
    for (path, script) in audit_scripts(&site, config, templates) {
        problems.extend(put(path, script));
    }
    progress(Progress::Templated { pages });
    let generated = [
        ("_headers".to_string(), headers_file(config, &site).into_bytes()),
        ("sitemap.xml".to_string(), sitemap(&site).into_bytes()),
        (
            "robots.txt".to_string(),
            format!("User-agent: *\nAllow: /\nSitemap: {}sitemap.xml\n", config.base_url).into_bytes(),
        ),
    ];
    for (path, bytes) in generated {
        problems.extend(put_file(sink, path, bytes));
    }
    gate(&problems)?;
    Ok(Summary {
        diagnostics: problems.into_sorted(),
        pages,
        external_links,
    })
}

/// Loads and validates the site model only (no rendering): what `recommend` needs.
pub fn load_site(config: &Config) -> Result<(Site, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut problems = Diagnostics::new();
    let (files, found) = discover::scan(config);
    problems.extend(found);
    let (loaded, found) = load::parse(files);
    problems.extend(found);
    let (site, found) = model::build(config, loaded);
    problems.extend(found);
    gate(&problems)?;
    Ok((site, problems.into_sorted()))
}

fn gate(problems: &Diagnostics) -> Result<(), Vec<Diagnostic>> {
    if problems.has_errors() {
        Err(problems.clone().into_sorted())
    } else {
        Ok(())
    }
}
