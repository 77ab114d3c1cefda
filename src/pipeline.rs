//! Pipeline: the one ordered function `Config → files (into a sink) or diagnostics`.
//!
//! discover → load → (assets, templates) → model → markdown → compile → view → render.
//! Each phase collects every problem it finds; a phase gate stops before the next phase when
//! there are errors, so authors see all problems of a phase at once and no cascades.
//! This module sequences the steps; the steps' logic lives in their modules.

use crate::assets::{self, AssetManifest, Fingerprinted};
use crate::audit;
use crate::compile::{self, ChecklistPlace};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{self, FileKind, SourceFile};
use crate::highlight::Highlighter;
use crate::load;
use crate::markdown::{self, Context, EmbedKind, Rendered, Source};
use crate::model::{self, AnchorIndex, LinkResolver, Page, Platform, Route, Site, routes};
use crate::output::{Collect, OutputSet, Sink};
use crate::render::{self, Prepared, Templates};
use crate::search::{self, SearchPage};
use crate::strings::Strings;
use crate::view::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

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

fn headers_file(config: &Config, site: &Site) -> String {
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

fn has_audits(list: &model::Checklist) -> bool {
    list.items()
        .any(|i| !i.audits.is_empty() || i.steps.iter().any(|s| !s.audits.is_empty()))
}

/// Where a checklist's audit script is written: `checklists/<id>/audit.sh`.
fn audit_script_path(list: &model::Checklist) -> String {
    format!("{}audit.sh", list.route.as_str().trim_start_matches('/'))
}

/// The audit script of every checklist that has audits, from the site's `audit.sh` template
/// or riskguide's own.
fn audit_scripts(site: &Site, config: &Config, templates: &Templates) -> Vec<(String, Result<Vec<u8>, Diagnostic>)> {
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
    problems.extend(compile::check_platform_pages(&site, &inner));
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

/// The page's HTML, or E091 when it would hold an id twice (content standing in for an element
/// of the templates or scripts, or two elements of the templates). Placed in the page's
/// source file where the id first appears there, else at the page itself.
fn unique_ids(html: Vec<u8>, page: &str, source: Option<(&str, &str)>) -> Result<Vec<u8>, Diagnostic> {
    let Some(id) = std::str::from_utf8(&html).ok().and_then(render::duplicate_id) else {
        return Ok(html);
    };
    let location = match source {
        Some((path, text)) => text
            .find(id)
            .map_or_else(|| Location::file(path), |at| Location::of_offset(path, text, at)),
        None => Location::file(page),
    };
    Err(Diagnostic::error(
        "E091",
        location,
        format!("`{page}` would hold the id `{}` twice", id.escape_debug()),
    )
    .with_help("every id of a page must be unique; rename the heading, footnote or template element"))
}

fn put_file(sink: &dyn Sink, path: String, bytes: Vec<u8>) -> Option<Diagnostic> {
    let location = Location::file(&path);
    sink.put(path, bytes)
        .err()
        .map(|message| Diagnostic::error("E090", location, message))
}

/// Code to compile grammars for while the site loads: the first block of each language in the
/// first pages, which finds the languages a guide uses, and Bash for checklist commands.
fn code_samples(files: &[SourceFile]) -> Vec<(String, String)> {
    let mut samples = BTreeMap::new();
    for file in files.iter().filter(|f| f.kind == FileKind::Page).take(64) {
        markdown::code_samples(&file.text, &mut samples);
    }
    if files
        .iter()
        .any(|f| f.kind == FileKind::Checklist && f.text.contains("code"))
    {
        samples
            .entry("bash".to_string())
            .or_insert_with(|| "true\n".to_string());
    }
    samples.into_iter().collect()
}

/// Every anchor a link may name: page headings, checklist items, questionnaire questions.
fn anchor_index(site: &Site, reserved_ids: &BTreeSet<String>) -> AnchorIndex {
    let outlines: Vec<BTreeSet<String>> = site
        .pages
        .par_iter()
        .map(|page| {
            markdown::outline(page.body(), reserved_ids)
                .into_iter()
                .map(|h| h.id)
                .collect()
        })
        .collect();
    let mut anchors = AnchorIndex::new();
    for (page, ids) in site.pages.iter().zip(outlines) {
        anchors.insert(page.route.clone(), ids);
    }
    for list in site.checklists.values() {
        anchors.insert(list.route.clone(), compile::checklist_anchors(list).collect());
    }
    if !site.sources.is_empty() {
        let ids = site.sources.iter().map(|s| format!("source-{}", s.id)).collect();
        anchors.insert(Route::new(routes::SOURCES), ids);
    }
    if let Some(q) = &site.questionnaire {
        let mut set: BTreeSet<String> = q.questions.iter().map(|qq| format!("q-{}", qq.id)).collect();
        set.insert("result".into());
        set.insert("matrix".into());
        anchors.insert(Route::new(routes::QUESTIONNAIRE), set);
    }
    anchors
}

/// What stands for the printable guide's section `i` while its template is applied.
fn print_marker(i: usize) -> String {
    format!("{PRINT_MARKER}{i}\u{1}")
}

const PRINT_MARKER: &str = "\u{1}print-section-";

/// The printable guide with each section's marker replaced by its HTML, or None when the
/// template did not write every marker exactly once and in order.
fn fill_markers(skeleton: &[u8], bodies: &[String], expected_len: usize) -> Option<Vec<u8>> {
    let skeleton = std::str::from_utf8(skeleton).ok()?;
    if skeleton.matches(PRINT_MARKER).count() != bodies.len() {
        return None;
    }
    let mut out = Vec::with_capacity(expected_len);
    let mut rest = skeleton;
    for (i, body) in bodies.iter().enumerate() {
        let marker = print_marker(i);
        let at = rest.find(&marker)?;
        out.extend_from_slice(&rest.as_bytes()[..at]);
        out.extend_from_slice(body.as_bytes());
        rest = &rest[at + marker.len()..];
    }
    out.extend_from_slice(rest.as_bytes());
    Some(out)
}

/// Pages whose Markdown is rendered side by side before their search entries join the index.
const RENDER_BATCH: usize = 256;

/// Every page's own HTML, from its rendering until its template is applied. The search index,
/// which every page links by its fingerprint, needs every page rendered first, so the HTML
/// waits in an unnamed temporary file (the system's file cache, not this process's memory);
/// in memory only when no temporary file can be made.
struct PageHtml {
    file: Option<Mutex<std::fs::File>>,
    /// False once a write failed (a full disk): later pages stay in memory.
    writable: bool,
    written: u64,
    /// Each page's place in the file, or its HTML itself.
    pages: Vec<Kept>,
}

enum Kept {
    InFile { at: u64, len: usize },
    InMemory(String),
}

impl PageHtml {
    fn new(pages: usize) -> Self {
        PageHtml {
            file: tempfile::tempfile().ok().map(Mutex::new),
            writable: true,
            written: 0,
            pages: Vec::with_capacity(pages),
        }
    }

    /// Keeps the next page's HTML.
    fn keep(&mut self, html: String) {
        use std::io::Write as _;
        if let Some(file) = self.file.as_ref().filter(|_| self.writable) {
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            if file.write_all(html.as_bytes()).is_ok() {
                self.pages.push(Kept::InFile {
                    at: self.written,
                    len: html.len(),
                });
                self.written += html.len() as u64;
                return;
            }
        }
        // A full disk: this page and the rest stay in memory; the file's tail is never read.
        self.writable = false;
        self.pages.push(Kept::InMemory(html));
    }

    /// The HTML of page `i`, or E090 at the page's output when the file cannot be read back.
    fn get(&self, i: usize, output: &str) -> Result<String, Diagnostic> {
        use std::io::{Read as _, Seek as _, SeekFrom};
        match &self.pages[i] {
            Kept::InMemory(html) => Ok(html.clone()),
            Kept::InFile { at, len } => {
                let mut bytes = vec![0; *len];
                let read = self.file.as_ref().is_some_and(|file| {
                    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                    file.seek(SeekFrom::Start(*at)).is_ok() && file.read_exact(&mut bytes).is_ok()
                });
                let unreadable = || {
                    Diagnostic::error(
                        "E090",
                        Location::file(output),
                        "the page's rendered HTML could not be read back from its temporary file",
                    )
                };
                if !read {
                    return Err(unreadable());
                }
                String::from_utf8(bytes).map_err(|_| unreadable())
            }
        }
    }
}

/// The partial templates that write the sidebar: a section, and one link of an open section.
const NAV_SECTION_TEMPLATE: &str = "nav-section.html";
const NAV_LINK_TEMPLATE: &str = "nav-link.html";

/// A closed section as the pages at one depth see it: as data and written.
struct ClosedSection {
    data: Prepared,
    html: String,
}

/// An open section as written for the pages at one depth, no child current, and where each
/// child's link lies in it: a page whose link is there swaps in its own current link instead
/// of writing the section again. The same goes for its data.
struct OpenSection {
    link: Prepared,
    children: Vec<Prepared>,
    html: String,
    /// `None` when the section template does not print each `child.html` once, in order; the
    /// section is then written whole for each page.
    links: Option<Vec<std::ops::Range<usize>>>,
}

/// An open section (index into `site.nav`) as seen from the pages at one depth, and whether
/// its landing page is the page showing it.
type OpenAt = (usize, usize, bool);

/// Navigation, assets and links shared by every page view.
struct Chrome<'a> {
    site: &'a Site,
    manifest: &'a AssetManifest,
    templates: &'a Templates,
    search: Option<&'a Fingerprinted>,
    /// The first page at each route.
    page_at: HashMap<&'a Route, usize>,
    /// The navigation sections (indexes into `site.nav`) each route opens.
    opens: HashMap<&'a Route, Vec<usize>>,
    /// The closed sections of the sidebar, written, by the depth of the page showing them.
    closed: Mutex<HashMap<usize, Arc<BTreeMap<usize, ClosedSection>>>>,
    open: Mutex<HashMap<OpenAt, Arc<OpenSection>>>,
    /// What the pages at one depth share, by depth.
    shared: Mutex<HashMap<usize, Prepared>>,
    /// The first error of the sidebar's templates.
    nav_error: Mutex<Option<Diagnostic>>,
}

impl<'a> Chrome<'a> {
    fn new(
        site: &'a Site,
        manifest: &'a AssetManifest,
        templates: &'a Templates,
        search: Option<&'a Fingerprinted>,
    ) -> Self {
        let mut page_at = HashMap::new();
        for (i, page) in site.pages.iter().enumerate() {
            page_at.entry(&page.route).or_insert(i);
        }
        let mut opens: HashMap<&Route, Vec<usize>> = HashMap::new();
        for (k, section) in site.nav.iter().enumerate() {
            for &i in std::iter::once(&section.page).chain(&section.children) {
                if let Some(page) = site.pages.get(i) {
                    let list = opens.entry(&page.route).or_default();
                    if !list.contains(&k) {
                        list.push(k);
                    }
                }
            }
        }
        Chrome {
            site,
            manifest,
            templates,
            search,
            page_at,
            opens,
            closed: Mutex::new(HashMap::new()),
            open: Mutex::new(HashMap::new()),
            shared: Mutex::new(HashMap::new()),
            nav_error: Mutex::new(None),
        }
    }

    /// The page at a route, if there is one.
    fn page_at(&self, route: &Route) -> Option<&'a Page> {
        self.page_at.get(route).and_then(|&i| self.site.pages.get(i))
    }

    /// The navigation sections a route opens (indexes into `site.nav`).
    fn opens(&self, route: &Route) -> &[usize] {
        self.opens.get(route).map_or(&[][..], Vec::as_slice)
    }

    /// The navigation sections that have a landing page: (index, landing page, child indexes).
    fn sections(&self) -> impl Iterator<Item = (usize, &'a Page, &'a [usize])> + 'a {
        let site = self.site;
        site.nav
            .iter()
            .enumerate()
            .filter_map(move |(k, s)| site.pages.get(s.page).map(|p| (k, p, s.children.as_slice())))
    }

    /// The pages of a section's children (indexes into `site.pages`).
    fn pages(&self, children: &'a [usize]) -> impl Iterator<Item = &'a Page> + 'a {
        let site = self.site;
        children.iter().filter_map(move |&c| site.pages.get(c))
    }

    /// Every section of the sidebar as seen from `route`.
    fn nav_sections(&self, route: &Route) -> Vec<NavSectionView> {
        let opens = self.opens(route);
        self.sections()
            .map(|(k, landing, children)| {
                let open = opens.contains(&k);
                NavSectionView {
                    link: self.link(landing, route),
                    open,
                    children: if open {
                        self.pages(children).map(|p| self.link(p, route)).collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }

    /// The sidebar written from its sections, one per line.
    fn write_nav(&self, sections: &[NavSectionView]) -> String {
        let written: Vec<String> = sections.iter().map(|s| self.write_section(s)).collect();
        written.join("\n")
    }

    /// A section written by the site's templates: each child's link by `nav-link.html`, then
    /// the section by `nav-section.html`. Without the section template, the sidebar is empty.
    fn write_section(&self, section: &NavSectionView) -> String {
        let links: Vec<String> = section.children.iter().map(|link| self.write_link(link)).collect();
        self.write_section_with(section, &links)
    }

    /// A section written with these as its children's `html`.
    fn write_section_with(&self, section: &NavSectionView, links: &[String]) -> String {
        let view = NavSectionPart {
            link: &section.link,
            open: section.open,
            children: section
                .children
                .iter()
                .zip(links)
                .map(|(link, html)| NavLinkView {
                    link,
                    html: html.clone(),
                })
                .collect(),
        };
        self.written(
            self.templates
                .render_part(NAV_SECTION_TEMPLATE, "section", &Prepared::new(&view)),
        )
    }

    /// One link of an open section, written by `nav-link.html`, or nothing without it.
    fn write_link(&self, link: &LinkView) -> String {
        self.written(
            self.templates
                .render_part(NAV_LINK_TEMPLATE, "link", &Prepared::new(link)),
        )
    }

    /// The output of a sidebar template; its first error is kept for [`Chrome::nav_problem`].
    fn written(&self, rendered: Option<Result<String, Diagnostic>>) -> String {
        match rendered {
            Some(Ok(html)) => html,
            Some(Err(problem)) => {
                if let Ok(mut first) = self.nav_error.lock() {
                    first.get_or_insert(problem);
                }
                String::new()
            }
            None => String::new(),
        }
    }

    /// The first error the navigation templates reported, if any.
    fn nav_problem(&self) -> Option<Diagnostic> {
        self.nav_error.lock().ok().and_then(|mut first| first.take())
    }

    /// The sidebar of the page at `route`, written and as data. Links are relative, so a
    /// section reads the same on every page at the same depth: closed sections are written
    /// once per depth, open ones once per depth with no child current, and a page only writes
    /// its own, current, link.
    fn page_nav(&self, route: &Route) -> (String, Vec<Prepared>) {
        let closed = self.closed_sections(route);
        let opens = self.opens(route);
        let mut html = String::with_capacity(closed.values().map(|c| c.html.len()).sum::<usize>() + 8 * 1024);
        let mut data = Vec::with_capacity(closed.len());
        for (n, (k, landing, children)) in self.sections().enumerate() {
            if n > 0 {
                html.push('\n');
            }
            if opens.contains(&k) {
                data.push(self.push_open_section(&mut html, k, landing, children, route));
            } else if let Some(section) = closed.get(&k) {
                html.push_str(&section.html);
                data.push(section.data.clone());
            }
        }
        (html, data)
    }

    /// Writes open section `k` as the page at `route` sees it, and returns it as data.
    fn push_open_section(
        &self,
        html: &mut String,
        k: usize,
        landing: &Page,
        children: &'a [usize],
        route: &Route,
    ) -> Prepared {
        let open = self.open_section(k, landing, children, route);
        let current = self
            .pages(children)
            .enumerate()
            .find(|(_, p)| p.route == *route)
            .map(|(j, p)| (j, self.link(p, route)));
        let mut links = open.children.clone();
        match (&current, &open.links) {
            (None, _) => html.push_str(&open.html),
            (Some((j, link)), Some(ranges)) => {
                html.push_str(&open.html[..ranges[*j].start]);
                html.push_str(&self.write_link(link));
                html.push_str(&open.html[ranges[*j].end..]);
            }
            (Some(_), None) => {
                let section = NavSectionView {
                    link: self.link(landing, route),
                    open: true,
                    children: self.pages(children).map(|p| self.link(p, route)).collect(),
                };
                html.push_str(&self.write_section(&section));
            }
        }
        if let Some((j, link)) = current {
            links[j] = Prepared::new(&link);
        }
        Prepared::map(vec![
            ("link", open.link.clone()),
            ("open", Prepared::new(&true)),
            ("children", Prepared::list(links)),
        ])
    }

    /// Section `k`, open, as the pages at the depth of `route` see it, none of its children
    /// current.
    fn open_section(&self, k: usize, landing: &Page, children: &'a [usize], route: &Route) -> Arc<OpenSection> {
        let key = (k, route.depth(), landing.route == *route);
        cached(&self.open, key, || self.write_open_section(landing, children, route))
    }

    fn write_open_section(&self, landing: &Page, children: &'a [usize], route: &Route) -> Arc<OpenSection> {
        let section = NavSectionView {
            link: self.link(landing, route),
            open: true,
            children: self
                .pages(children)
                .map(|p| {
                    let mut link = self.link(p, route);
                    link.current = false;
                    link
                })
                .collect(),
        };
        // Written once with a marker in place of each child's link, to learn where each goes.
        let links: Vec<String> = section.children.iter().map(|link| self.write_link(link)).collect();
        let markers: Vec<String> = (0..links.len()).map(link_marker).collect();
        let marked = self.write_section_with(&section, &markers);
        let (html, ranges) = match cut_at_markers(&marked, links.len()) {
            Some(pieces) => {
                let mut html = String::with_capacity(marked.len() + links.iter().map(String::len).sum::<usize>());
                let mut ranges = Vec::with_capacity(links.len());
                for (piece, link) in pieces.iter().zip(&links) {
                    html.push_str(piece);
                    ranges.push(html.len()..html.len() + link.len());
                    html.push_str(link);
                }
                html.push_str(pieces.last().copied().unwrap_or_default());
                (html, Some(ranges))
            }
            None => (self.write_section_with(&section, &links), None),
        };
        Arc::new(OpenSection {
            link: Prepared::new(&section.link),
            children: section.children.iter().map(Prepared::new).collect(),
            links: ranges,
            html,
        })
    }

    /// Every section, closed, as seen from pages at the depth of `route`.
    fn closed_sections(&self, route: &Route) -> Arc<BTreeMap<usize, ClosedSection>> {
        cached(&self.closed, route.depth(), || {
            Arc::new(
                self.sections()
                    .map(|(k, landing, _)| {
                        let mut link = self.link(landing, route);
                        // Closed sections are never the current page's own.
                        link.current = false;
                        let section = NavSectionView {
                            link,
                            open: false,
                            children: Vec::new(),
                        };
                        let html = self.write_section(&section);
                        (
                            k,
                            ClosedSection {
                                data: Prepared::new(&section),
                                html,
                            },
                        )
                    })
                    .collect(),
            )
        })
    }

    fn href(from: &Route, to: &Route) -> String {
        from.relative_to(to.as_str().trim_start_matches('/'))
    }

    fn link(&self, page: &Page, from: &Route) -> LinkView {
        LinkView {
            title: page.title.clone(),
            href: Self::href(from, &page.route),
            current: &page.route == from,
            description: page.description.clone(),
            severity: page.severity.map(LevelView::from),
            platforms: page
                .platforms
                .iter()
                .map(|p| PlatformView::new(*p, self.site.platform_short(*p)))
                .collect(),
        }
    }

    fn page_view(&self, kind: &'static str, route: &Route, title: &str, description: &str) -> PageView {
        let mut view = self.bare_page_view(kind, route, title, description);
        view.nav = self.nav_sections(route);
        view.nav_html = self.write_nav(&view.nav);
        view
    }

    /// What the pages at the depth of `route` share, as a template value made once per depth.
    fn shared(&self, route: &Route) -> Prepared {
        cached(&self.shared, route.depth(), || Prepared::new(&self.shared_view(route)))
    }

    fn shared_view(&self, route: &Route) -> SharedView {
        let site = self.site;
        let generated = |r: &str| {
            site.routes
                .contains(&Route::new(r))
                .then(|| Self::href(route, &Route::new(r)))
        };
        SharedView {
            site: SiteView::new(&site.config),
            links: SiteLinksView {
                home: route.to_root(),
                questionnaire: generated(routes::QUESTIONNAIRE),
                plan: generated(routes::PLAN),
                checklists: Self::href(route, &Route::new(routes::CHECKLISTS)),
                print_checklists: Self::href(route, &Route::new(routes::PRINT_CHECKLISTS)),
                print_guide: Self::href(route, &Route::new(routes::PRINT_GUIDE)),
                changelog: generated("/changelog/"),
                sources: generated(routes::SOURCES),
                compare: generated("/compare/"),
            },
            assets: AssetsView::new(self.manifest, self.search, route),
        }
    }

    /// A page view without its sidebar, for [`Chrome::page_nav`] to supply.
    fn bare_page_view(&self, kind: &'static str, route: &Route, title: &str, description: &str) -> PageView {
        let config = &self.site.config;
        PageView {
            kind,
            title: title.to_string(),
            description: if description.is_empty() {
                config.description.clone()
            } else {
                description.to_string()
            },
            route: route.to_string(),
            canonical: format!("{}{}", config.base_url, route.as_str().trim_start_matches('/')),
            root: route.to_root(),
            html: String::new(),
            toc: Vec::new(),
            severity: None,
            reviewed: None,
            platforms: Vec::new(),
            prev: None,
            next: None,
            section: None,
            nav: Vec::new(),
            nav_html: String::new(),
            risks: Vec::new(),
            risk_counts: Vec::new(),
            sources_html: String::new(),
            severity_basis: String::new(),
            checklists: Vec::new(),
            checklist: None,
            embedded_checklists: Vec::new(),
            questionnaire: None,
            print_sections: Vec::new(),
        }
    }

    fn card(&self, list: &model::Checklist, from: &Route) -> ChecklistCardView {
        ChecklistCardView {
            id: list.id.to_string(),
            title: list.title.clone(),
            href: Self::href(from, &list.route),
            kind: serde_json::to_value(list.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            platforms: list
                .platforms
                .iter()
                .map(|p| PlatformView::new(*p, self.site.platform_short(*p)))
                .collect(),
            items: list.items().count(),
            audit_href: if has_audits(list) {
                format!("{}audit.sh", Self::href(from, &list.route))
            } else {
                String::new()
            },
        }
    }

    /// Every checklist as a card, with its HTML when `html` renders it for this page.
    fn checklist_views(&self, from: &Route, html: Option<&ChecklistHtml>) -> Vec<ChecklistView> {
        let mut lists: Vec<&model::Checklist> = self.site.checklists.values().collect();
        lists.sort_by_key(|c| {
            (
                c.platforms.first().copied(),
                c.kind != model::ChecklistKind::Predeploy,
                c.id.clone(),
            )
        });
        lists
            .into_iter()
            .map(|c| ChecklistView {
                card: self.card(c, from),
                html: html.map(|h| h(c, from)).unwrap_or_default(),
            })
            .collect()
    }
}

/// Renders a checklist's HTML for the page at the route.
type ChecklistHtml<'a> = dyn Fn(&model::Checklist, &Route) -> String + 'a;

/// The 404 page is served at any depth, so its links start from the site's base path.
fn absolutize_shared(view: &mut SharedView, base: &str) {
    let fix = |href: &mut String| absolutize(href, base);
    fix(&mut view.links.home);
    fix(&mut view.links.checklists);
    fix(&mut view.links.print_checklists);
    fix(&mut view.links.print_guide);
    for link in [
        &mut view.links.questionnaire,
        &mut view.links.plan,
        &mut view.links.changelog,
        &mut view.links.compare,
        &mut view.links.sources,
    ]
    .into_iter()
    .flatten()
    {
        fix(link);
    }
    for asset in view.assets.styles.values_mut().chain(view.assets.scripts.values_mut()) {
        fix(&mut asset.href);
    }
    if let Some(s) = &mut view.assets.search_index {
        fix(&mut s.href);
    }
    if let Some(f) = &mut view.assets.favicon {
        fix(f);
    }
}

/// The value cached under `key`, made first if there is none. It is made outside the lock, so
/// the other threads are not held up while a section is written; two threads may then make
/// the same value once each, and both are equal.
fn cached<K: std::hash::Hash + Eq, V: Clone>(cache: &Mutex<HashMap<K, V>>, key: K, make: impl FnOnce() -> V) -> V {
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let value = make();
    if let Ok(mut c) = cache.lock() {
        c.insert(key, value.clone());
    }
    value
}

/// A link relative to the site root made absolute under `base` (the site's base path).
fn absolutize(href: &mut String, base: &str) {
    if let Some(rest) = href.strip_prefix("./") {
        *href = format!("{base}{rest}");
    } else if !href.starts_with('/') && !href.contains("://") {
        *href = format!("{base}{href}");
    }
}

/// Stands in for child `j`'s link while an open section is written for a whole depth. NUL is
/// not in any template or text, and `<` is escaped wherever the template does not print the
/// link as it is.
fn link_marker(j: usize) -> String {
    format!("\u{0}<{j}>\u{0}")
}

/// The section written with markers, cut at them: the text before the first, between each two
/// and after the last. `None` unless each of the `count` markers is there once, in order, and
/// nothing else looks like one.
fn cut_at_markers(html: &str, count: usize) -> Option<Vec<&str>> {
    let mut pieces = Vec::with_capacity(count + 1);
    let mut rest = html;
    for j in 0..count {
        let marker = link_marker(j);
        let at = rest.find(&marker)?;
        pieces.push(&rest[..at]);
        rest = &rest[at + marker.len()..];
    }
    pieces.push(rest);
    (!pieces.iter().any(|p| p.contains('\u{0}'))).then_some(pieces)
}

/// The ids of the checklists embedded in rendered documents, sorted, each once.
fn embedded_checklists<'a>(rendered: impl IntoIterator<Item = &'a Rendered>) -> Vec<String> {
    let ids: BTreeSet<&String> = rendered
        .into_iter()
        .flat_map(|r| &r.embeds)
        .filter(|(kind, _)| *kind == EmbedKind::Checklist)
        .map(|(_, id)| id)
        .collect();
    ids.into_iter().cloned().collect()
}

/// A checklist's markup: its data from `compile`, written by the site's checklist partial.
fn checklist_markup(
    templates: Option<&Templates>,
    list: &compile::ChecklistView,
    problems: &mut Diagnostics,
) -> String {
    partial_markup(templates, "partials/checklist.html", "checklist", list, problems)
}

/// The markup the partial `name` writes for `data`, seen as `var` (nothing without templates).
fn partial_markup<S: serde::Serialize>(
    templates: Option<&Templates>,
    name: &str,
    var: &str,
    data: &S,
    problems: &mut Diagnostics,
) -> String {
    match templates.map(|t| t.partial(name, var, data)) {
        Some(Ok(html)) => html,
        Some(Err(problem)) => {
            problems.push(problem);
            String::new()
        }
        None => String::new(),
    }
}

/// The page's "Sources" list: what its severity and the cells of its tables rest on.
fn page_sources(site: &Site, page: &Page, rendered: &Rendered, templates: Option<&Templates>) -> String {
    let basis = compile::page_basis(page, embedded_tables(site, rendered));
    match (compile::sources_view(&basis, site, &page.route), templates) {
        (Some(sources), Some(t)) => t
            .partial("partials/sources.html", "sources", &sources)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The tables a rendered page embeds.
fn embedded_tables<'a>(site: &'a Site, rendered: &'a Rendered) -> impl Iterator<Item = &'a model::Table> + 'a {
    rendered
        .embeds
        .iter()
        .filter(|(kind, _)| *kind == EmbedKind::Table)
        .filter_map(|(_, id)| site.tables.values().find(|t| t.id.as_str() == id))
}

/// The registry's risks for the home page, worst first and then in guide order (the order of
/// their pages, then of their headings), and how many there are at each worst level.
fn risk_overview(
    site: &Site,
    from: &Route,
    names: &dyn Fn(Platform) -> String,
    reserved_ids: &BTreeSet<String>,
) -> (Vec<RiskCardView>, Vec<RiskCountView>) {
    // Each page's heading ids, parsed once however many risks point into it.
    let mut outlines: HashMap<usize, Vec<String>> = HashMap::new();
    let mut position = |risk: &model::Risk| -> (usize, usize) {
        let (path, anchor) = risk.page.target.split_once('#').unwrap_or((&risk.page.target, ""));
        let route = Route::new(path);
        site.pages
            .iter()
            .position(|p| p.route == route)
            .map_or((usize::MAX, 0), |i| {
                let ids = outlines.entry(i).or_insert_with(|| {
                    markdown::outline(site.pages[i].body(), reserved_ids)
                        .into_iter()
                        .map(|h| h.id)
                        .collect()
                });
                let heading = ids.iter().position(|id| id == anchor).map_or(0, |h| h + 1);
                (i, heading)
            })
    };
    let mut risks: Vec<(model::Level, (usize, usize), usize, &model::Risk)> = site
        .risks
        .iter()
        .enumerate()
        .map(|(n, r)| (r.worst(), position(r), n, r))
        .collect();
    risks.sort_by_key(|(level, at, n, _)| (*level, *at, *n));
    let cards = risks
        .iter()
        .map(|(level, _, _, risk)| RiskCardView {
            title: risk.title.clone(),
            href: compile::risk_href(risk, from),
            summary: risk.summary.clone(),
            severity: LevelView::from(*level),
            platforms: risk
                .ratings
                .iter()
                .map(|(p, r)| PlatformRatingView {
                    id: p.id(),
                    name: names(*p),
                    level: LevelView::from(r.level),
                })
                .collect(),
        })
        .collect();
    let mut counts: Vec<RiskCountView> = Vec::new();
    for (level, ..) in &risks {
        match counts.last_mut() {
            Some(last) if last.level.id == level.id() => last.count += 1,
            _ => counts.push(RiskCountView {
                level: LevelView::from(*level),
                count: 1,
            }),
        }
    }
    (cards, counts)
}

/// The printable guide as a book: each page's anchor on the combined page and its section
/// number. A top-level page, or the first page of a section, opens a chapter ("3"); the other
/// pages of that section are numbered within it ("3.2").
struct Book {
    /// By route: (anchor, number, opens a chapter).
    sections: HashMap<String, (String, String, bool)>,
    base_url: String,
}

impl Book {
    fn new(site: &Site) -> Book {
        let numbers = book_numbers(site.pages.iter().map(|p| (p.section.as_deref(), p.is_index)));
        let sections = site
            .pages
            .iter()
            .zip(numbers)
            .map(|(page, (number, chapter))| {
                let anchor = format!("page-{}", page.id.as_str().replace('/', "-"));
                (page.route.as_str().to_string(), (anchor, number, chapter))
            })
            .collect();
        Book {
            sections,
            base_url: site.config.base_url.clone(),
        }
    }

    /// Points the links of a section (already relative to the guide's address, one level down)
    /// at the book: a link to a page of the guide goes to its section here and carries
    /// `data-ref` with the section's number, which paper shows as "see 3.2"; a link to another
    /// page of the site (the questionnaire, a checklist) carries `data-url`, its full address.
    fn link(&self, html: &str) -> String {
        let mut out = String::with_capacity(html.len() + html.len() / 16);
        let mut rest = html;
        while let Some(at) = rest.find("<a ") {
            let (before, tag) = rest.split_at(at);
            out.push_str(before);
            let end = tag.find('>').unwrap_or(tag.len());
            let (open, after) = tag.split_at(end);
            rest = after;
            let Some(h) = open.find(" href=\"") else {
                out.push_str(open);
                continue;
            };
            let value_start = h + 7;
            let value_end = open[value_start..].find('"').map_or(open.len(), |e| value_start + e);
            let href = &open[value_start..value_end];
            let Some(target) = href.strip_prefix("../") else {
                out.push_str(open);
                continue;
            };
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            match self.sections.get(&format!("/{path}")) {
                Some((anchor, number, _)) => {
                    let local = if fragment.is_empty() {
                        anchor.clone()
                    } else {
                        format!("{anchor}-{fragment}")
                    };
                    let _ = write!(
                        out,
                        "{} href=\"#{local}\" data-ref=\"{number}\"{}",
                        &open[..h],
                        &open[value_end + 1..]
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "{open} data-url=\"{}{target}\"",
                        markdown::escape_attr(&self.base_url)
                    );
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The section number of each page, given in reading order as (its section, whether it is the
/// section's index page), and whether it opens a chapter.
fn book_numbers<'s>(pages: impl Iterator<Item = (Option<&'s str>, bool)>) -> Vec<(String, bool)> {
    let (mut chapter, mut within) = (0, 0);
    let mut current: Option<&str> = None;
    pages
        .map(|(section, is_index)| {
            if section.is_some() && section == current {
                within += 1;
                (format!("{chapter}.{within}"), false)
            } else {
                chapter += 1;
                current = section;
                // A section without an index page starts at its first page, numbered "N.1".
                within = usize::from(section.is_some() && !is_index);
                let number = if within == 0 {
                    chapter.to_string()
                } else {
                    format!("{chapter}.1")
                };
                (number, true)
            }
        })
        .collect()
}

/// One page as a section of the printable guide: its own HTML with links pointing into the book
/// (see [`Book::link`]), and its ids prefixed so they stay unique on the combined page.
fn print_section(page: &Page, html: &str, to: &Route, book: &Book, words: &Strings) -> PrintSectionView {
    let (anchor, number, chapter) = book.sections.get(page.route.as_str()).cloned().unwrap_or_else(|| {
        (
            format!("page-{}", page.id.as_str().replace('/', "-")),
            String::new(),
            true,
        )
    });
    let mut moved = markdown::relocate(html, &page.route, to, &format!("{anchor}-"));
    // A page names its scrollable tables "Table 1", "Table 2"…; on the combined page those
    // names repeat, so each gets its section's number. (Author text cannot hold this attribute:
    // its quotes are escaped.)
    let table = format!("aria-label=\"{}", words.fill("table_label", &[("number", "")]));
    if moved.contains(&table) {
        let in_section = words.fill("table_label_in_section", &[("section", &number), ("number", "")]);
        moved = moved.replace(&table, &format!("aria-label=\"{in_section}"));
    }
    PrintSectionView {
        title: page.title.clone(),
        number,
        chapter,
        html: book.link(&moved),
        anchor,
        severity: page.severity.map(LevelView::from),
    }
}

fn questionnaire_view(
    q: &model::Questionnaire,
    rules_json: String,
    intro_html: String,
    names: &dyn Fn(Platform) -> String,
) -> QuestionnaireView {
    let questions = q
        .questions
        .iter()
        .enumerate()
        .map(|(n, question)| QuestionView {
            id: question.id.to_string(),
            number: n + 1,
            optional: question.optional,
            prompt: question.prompt.clone(),
            help: question.help.clone(),
            options: question
                .options
                .iter()
                .map(|o| OptionView {
                    id: o.id.to_string(),
                    label: o.label.clone(),
                    effects: q
                        .all()
                        .iter()
                        .map(|p| {
                            let shown = match o.effects.get(p) {
                                Some(model::Effect::Delta(d)) if *d > 0 => format!("+{d}"),
                                Some(model::Effect::Delta(d)) => format!("\u{2212}{}", d.abs()),
                                Some(model::Effect::Exclude(_)) => "excluded".to_string(),
                                None => String::new(),
                            };
                            (p.id(), shown)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let personas = q
        .personas
        .iter()
        .map(|p| {
            let answers: Vec<Option<usize>> = p.answers.iter().map(|a| Some(*a)).collect();
            PersonaView {
                id: p.id.to_string(),
                name: p.name.clone(),
                summary: p.summary.clone(),
                fragment: compile::fragment(q, &answers),
                expect: p.expect.map(|e| PlatformView::new(e, &names(e))),
            }
        })
        .collect();
    QuestionnaireView {
        intro_html,
        questions,
        personas,
        platforms: q.tie_break.iter().map(|p| PlatformView::new(*p, &names(*p))).collect(),
        costs: q
            .platforms
            .iter()
            .filter_map(|p| p.cost.map(|c| (p.platform.id(), cost_text(c))))
            .collect(),
        min_score: q.min_score,
        rules_json,
    }
}

/// A monthly cost range as the page shows it: `$13–20 a month`.
fn cost_text(cost: model::Cost) -> String {
    if cost.min == cost.max {
        format!("${} a month", cost.min)
    } else {
        format!("${}\u{2013}{} a month", cost.min, cost.max)
    }
}

fn sitemap(site: &Site) -> String {
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

#[cfg(test)]
mod tests {
    use super::{Book, book_numbers, cut_at_markers, fill_markers, link_marker, print_marker};
    use std::collections::HashMap;

    #[test]
    fn print_markers_are_filled_only_when_each_is_written_once_in_order() {
        let bodies = ["<p>one</p>".to_string(), "<p>two</p>".to_string()];
        let (m0, m1) = (print_marker(0), print_marker(1));
        let filled = fill_markers(format!("<a>{m0}</a><b>{m1}</b>").as_bytes(), &bodies, 0);
        assert_eq!(filled.as_deref(), Some(&b"<a><p>one</p></a><b><p>two</p></b>"[..]));
        // Left out, written twice, out of order, or changed by a filter: the template is
        // applied to the sections themselves instead.
        assert_eq!(fill_markers(m0.as_bytes(), &bodies, 0), None);
        assert_eq!(fill_markers(format!("{m0}{m1}{m1}").as_bytes(), &bodies, 0), None);
        assert_eq!(fill_markers(format!("{m1}{m0}").as_bytes(), &bodies, 0), None);
        assert_eq!(
            fill_markers(format!("{m0}{}", m1.to_uppercase()).as_bytes(), &bodies, 0),
            None
        );
    }

    #[test]
    fn the_book_numbers_chapters_and_the_pages_within_them() {
        let pages = [
            (None, true),       // the home page
            (Some("mw"), true), // a section's index page opens chapter 2
            (Some("mw"), false),
            (Some("mw"), false),
            (Some("vps"), false), // a section without an index page
            (Some("vps"), false),
            (None, false), // a top-level page
        ];
        let numbers: Vec<(String, bool)> = book_numbers(pages.into_iter());
        let expect = [
            ("1", true),
            ("2", true),
            ("2.1", false),
            ("2.2", false),
            ("3.1", true),
            ("3.2", false),
            ("4", true),
        ];
        assert_eq!(
            numbers,
            expect.iter().map(|(n, c)| (n.to_string(), *c)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn links_in_the_book_lead_to_its_sections_or_name_their_address() {
        let mut sections = HashMap::new();
        sections.insert(
            "/vps/risks/".to_string(),
            ("page-vps-risks".to_string(), "4.1".to_string(), false),
        );
        sections.insert("/".to_string(), ("page-index".to_string(), "1".to_string(), true));
        let book = Book {
            sections,
            base_url: "https://example.org/guide/".to_string(),
        };
        let html = "<p><a href=\"../vps/risks/#gateway\" title=\"t\">a</a> <a href=\"../\">home</a> \
            <a href=\"../questionnaire/\">q</a> <a href=\"#page-x-y\">here</a> <a href=\"https://example.com/\">out</a></p>";
        assert_eq!(
            book.link(html),
            "<p><a href=\"#page-vps-risks-gateway\" data-ref=\"4.1\" title=\"t\">a</a> <a href=\"#page-index\" data-ref=\"1\">home</a> \
            <a href=\"../questionnaire/\" data-url=\"https://example.org/guide/questionnaire/\">q</a> <a href=\"#page-x-y\">here</a> <a href=\"https://example.com/\">out</a></p>"
        );
    }

    #[test]
    fn a_marked_section_is_cut_once_at_each_marker_in_order_or_not_at_all() {
        let (m0, m1) = (link_marker(0), link_marker(1));
        assert_eq!(
            cut_at_markers(&format!("<ul>{m0} {m1}</ul>"), 2),
            Some(vec!["<ul>", " ", "</ul>"])
        );
        // Printed twice, out of order, missing, or beside a stray NUL: nothing is swapped.
        assert_eq!(cut_at_markers(&format!("{m0}{m1}{m0}"), 2), None);
        assert_eq!(cut_at_markers(&format!("{m1}{m0}"), 2), None);
        assert_eq!(cut_at_markers(&m0, 2), None);
        assert_eq!(cut_at_markers(&format!("\u{0}{m0}"), 1), None);
        assert_eq!(cut_at_markers("<ul></ul>", 0), Some(vec!["<ul></ul>"]));
    }
}
