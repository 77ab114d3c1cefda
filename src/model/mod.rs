//! Model: the loaded files → one validated, immutable [`Site`].
//!
//! Owns typed ids, routes, navigation order and every cross-file check (duplicate ids,
//! dangling references, route collisions). The [`LinkResolver`] answers "does this route and
//! anchor exist?" for the later steps. No HTML, no I/O.
//!
//! This file holds [`Site`], the shared `Builder` and [`build`], which runs the steps in order.
//! Each kind of entry has its own module: `ids` (typed ids and the one id/duplicate check),
//! `platforms`, `pages` (routes, pages, navigation), `registry` (sources and risks), `tables`,
//! `checklists`, `questionnaire`, and `links` (the link resolver).

use crate::audit::{self, Audit};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{FileKind, SourceFile};
use crate::load::{self, Loaded, LoadedSite, RawCell, RawEffect};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use toml::Spanned;

mod checklists;
mod ids;
mod links;
mod pages;
mod platforms;
mod questionnaire;
mod registry;
mod tables;
pub use checklists::*;
pub use ids::*;
pub use links::*;
pub use pages::*;
pub use platforms::*;
pub use questionnaire::*;
pub use registry::*;
pub use tables::*;

/// The whole validated site.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    /// Content pages in reading order (home first, then the navigation order).
    pub pages: Vec<Page>,
    pub nav: Vec<NavSection>,
    pub tables: BTreeMap<TableId, Table>,
    pub checklists: BTreeMap<ChecklistId, Checklist>,
    pub questionnaire: Option<Questionnaire>,
    /// The platforms the guide compares, in declared order.
    pub platforms: Vec<PlatformDecl>,
    /// What ratings rest on, in file order (a source's number is its index + 1).
    pub sources: Vec<Source>,
    /// Each risk rated once per platform, in file order.
    pub risks: Vec<Risk>,
    /// Every route of the built site, generated ones included.
    pub routes: BTreeSet<Route>,
    /// Routes whose anchors are unknown because their file failed to load.
    pub unchecked_routes: BTreeSet<Route>,
    /// Table and checklist ids whose files failed to load (embedding them is not a second error).
    pub broken_ids: BTreeSet<String>,
}

impl Site {
    fn declared(&self, platform: Platform) -> Option<&PlatformDecl> {
        self.platforms.iter().find(|d| d.platform == platform)
    }
    /// The platform's name, for pages and links.
    pub fn platform_name(&self, platform: Platform) -> &str {
        self.declared(platform).map_or(platform.id(), |d| d.name.as_str())
    }
    /// The platform's short name, for chips.
    pub fn platform_short(&self, platform: Platform) -> &str {
        self.declared(platform).map_or(platform.id(), |d| d.short.as_str())
    }
}

struct Builder {
    problems: Diagnostics,
    declared: Vec<PlatformDecl>,
    /// The ids of tables and checklists whose files failed to load (already reported): a name
    /// of one of them is not reported again as missing.
    broken_ids: BTreeSet<String>,
}

impl Builder {
    fn error(&mut self, code: &'static str, location: Location, message: impl Into<String>) -> &mut Diagnostic {
        self.problems.push_and_edit(Diagnostic::error(code, location, message))
    }

    /// Reports a name of a checklist that does not exist, unless the checklist's file failed to
    /// load: that file's error already says what is wrong.
    fn missing_checklist(&mut self, id: &str, location: Location, message: String) {
        if !self.broken_ids.contains(id) {
            self.error("E040", location, message);
        }
    }

    /// The vetted audits of an item or step; the ones that fail vetting are reported and left out.
    fn audits(&mut self, file: &Loaded<load::RawChecklist>, raw: &[load::RawAudit]) -> Vec<Audit> {
        let locate = |span: std::ops::Range<usize>| file.at(span);
        raw.iter()
            .filter_map(|a| match audit::vet(a, &locate, &file.source.text) {
                Ok(audit) => Some(audit),
                Err(problems) => {
                    self.problems.extend(problems);
                    None
                }
            })
            .collect()
    }

    /// Reports a word that is not one of those allowed for `what`; `help` lists them.
    fn unknown(&mut self, location: Location, what: &str, word: &str, help: &str) {
        self.error("E031", location, format!("unknown {what} `{}`", word.escape_debug()))
            .help = Some(help.into());
    }

    /// `parsed` when the word was one of those allowed for `what`; otherwise reports it.
    fn known<T>(&mut self, parsed: Option<T>, location: Location, (what, word): (&str, &str), help: &str) -> Option<T> {
        if parsed.is_none() {
            self.unknown(location, what, word, help);
        }
        parsed
    }

    fn check_id(&mut self, id: &str, location: Location, what: &str) -> bool {
        if is_valid_id(id) {
            return true;
        }
        self.error(
            "E030",
            location,
            format!("{what} `{}` is not a valid id", id.escape_debug()),
        )
        .help = Some("use lowercase letters, digits, `-` and `_` (at most 64), e.g. `billing-alerts`".into());
        false
    }

    fn platforms<T>(&mut self, loaded: &Loaded<T>, list: &[Spanned<String>]) -> Vec<Platform> {
        let mut out = Vec::new();
        for p in list {
            match self.platform(loaded.at(p.span()), p.get_ref(), "unknown platform") {
                Some(platform) if !out.contains(&platform) => out.push(platform),
                _ => {}
            }
        }
        out
    }

    /// The declared platform with this id; an unknown one is reported at `location` as `what`.
    fn platform(&mut self, location: Location, id: &str, what: &str) -> Option<Platform> {
        let found = self.declared.iter().find(|d| d.platform.id() == id).map(|d| d.platform);
        if found.is_none() {
            let help = self.platform_help();
            self.error("E031", location, format!("{what} `{}`", id.escape_debug()))
                .help = Some(help);
        }
        found
    }

    /// The one sentence that says which platforms exist.
    fn platform_help(&self) -> String {
        let ids: Vec<&str> = self.declared.iter().map(|d| d.platform.id()).collect();
        match ids.split_last() {
            None => "declare the guide's platforms in content/platforms.toml".to_string(),
            Some((last, [])) => format!("the only platform in content/platforms.toml is {last}"),
            Some((last, rest)) => format!(
                "the platforms in content/platforms.toml are {} and {last}",
                rest.join(", ")
            ),
        }
    }

    fn all_platforms(&self) -> Vec<Platform> {
        self.declared.iter().map(|d| d.platform).collect()
    }

    fn text<T>(loaded: &Loaded<T>, markdown: &str, span: std::ops::Range<usize>) -> Text {
        Text {
            markdown: markdown.to_string(),
            location: loaded.at(span),
        }
    }
}

/// Builds and checks the site model from the loaded files. Entries with problems are left
/// out and reported; the rest of the site is still returned so later steps can report theirs.
pub fn build(config: &Config, loaded: LoadedSite) -> (Site, Diagnostics) {
    let (mut unchecked_routes, broken_ids) = failed_routes_and_ids(&loaded.failed);
    let mut b = Builder {
        problems: Diagnostics::new(),
        declared: Vec::new(),
        broken_ids,
    };
    if let Some(file) = &loaded.platforms {
        b.declared = build_platforms(&mut b, file);
    }
    let has_questionnaire =
        loaded.questionnaire.is_some() || loaded.failed.iter().any(|f| f.kind == FileKind::Questionnaire);
    let (sources, risks, refs) = build_registries(&mut b, loaded.sources, loaded.risks, &loaded.failed);
    let pages = build_pages(&mut b, loaded.pages, &refs);
    let tables = build_tables(&mut b, loaded.tables, &refs);
    warn_unused_sources(&mut b, &sources, &risks, &pages, &tables);
    let checklists = build_checklists(&mut b, loaded.checklists);
    if let Some(file) = &loaded.platforms {
        attach_checklists(&mut b, file, &checklists);
    }
    let questionnaire = loaded
        .questionnaire
        .and_then(|q| build_questionnaire(&mut b, q, &pages, &checklists));

    let generated = generated_routes(!sources.is_empty(), has_questionnaire);
    let routes = claim_routes(&mut b, &pages, &generated, &checklists);
    // A home page that failed to load is already reported; saying it is missing would be a cascade.
    if !pages.iter().any(|p| p.route.as_str() == "/") && !unchecked_routes.contains(&Route::new("/")) {
        b.problems.push(
            Diagnostic::error("E033", Location::file("content"), "the site has no home page")
                .with_help("add content/index.md"),
        );
    }
    let nav = build_nav(&pages);
    warn_unlisted_pages(&mut b, &pages, &nav);
    let (ordered, nav_out) = reading_order(pages, &nav);
    let mut all_routes: BTreeSet<Route> = routes.into_keys().collect();
    all_routes.extend(unchecked_routes.iter().cloned());
    if questionnaire.is_none() && has_questionnaire {
        unchecked_routes.insert(Route::new(routes::QUESTIONNAIRE));
    }
    let site = Site {
        config: config.clone(),
        pages: ordered,
        nav: nav_out,
        tables,
        checklists,
        questionnaire,
        platforms: std::mem::take(&mut b.declared),
        sources,
        risks,
        routes: all_routes,
        unchecked_routes,
        broken_ids: std::mem::take(&mut b.broken_ids),
    };
    (site, b.problems)
}

/// The routes and ids of files that failed to load: links to them are not checked, so one
/// broken file does not also make every link to it an error.
fn failed_routes_and_ids(failed: &[SourceFile]) -> (BTreeSet<Route>, BTreeSet<String>) {
    let mut unchecked_routes = BTreeSet::new();
    let mut broken_ids = BTreeSet::new();
    for failed in failed {
        let stem = failed
            .rel
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".toml")
            .to_string();
        match failed.kind {
            FileKind::Page => {
                if let Some(route) = page_route(&failed.rel) {
                    unchecked_routes.insert(route);
                }
            }
            FileKind::Table => {
                broken_ids.insert(stem);
            }
            FileKind::Checklist => {
                unchecked_routes.insert(Route::new(&format!("{}{}", routes::CHECKLISTS, stem)));
                broken_ids.insert(stem);
            }
            FileKind::Questionnaire => {
                unchecked_routes.insert(Route::new(routes::QUESTIONNAIRE));
            }
            FileKind::Sources | FileKind::Risks | FileKind::Platforms => {}
        }
    }
    (unchecked_routes, broken_ids)
}

/// The sources and risks, and the registry that pages and tables look them up in.
fn build_registries(
    b: &mut Builder,
    sources: Option<Loaded<load::RawSources>>,
    risks: Option<Loaded<load::RawRisks>>,
    failed: &[SourceFile],
) -> (Vec<Source>, Vec<Risk>, Registry) {
    let registry_broken = |kind: FileKind| failed.iter().any(|f| f.kind == kind);
    let mut refs = Registry {
        sources_broken: registry_broken(FileKind::Sources),
        risks_broken: registry_broken(FileKind::Risks),
        ..Registry::default()
    };
    refs.has_sources_file = sources.is_some() || refs.sources_broken;
    let sources = sources.map(|file| build_sources(b, file)).unwrap_or_default();
    refs.sources = sources
        .iter()
        .map(|s| {
            (
                s.id.to_string(),
                Basis {
                    number: s.number,
                    id: s.id.clone(),
                    title: s.title.clone(),
                },
            )
        })
        .collect();
    let risks = risks.map(|file| build_risks(b, file, &refs)).unwrap_or_default();
    refs.risks = risks.iter().map(|r| (r.id.to_string(), r.clone())).collect();
    (sources, risks, refs)
}

/// The pages the generator adds beside the content, with the owner a route collision names.
fn generated_routes(has_sources: bool, has_questionnaire: bool) -> Vec<(&'static str, &'static str)> {
    let mut generated = vec![
        (routes::CHECKLISTS, "the checklist index"),
        (routes::PRINT_CHECKLISTS, "the printable checklists"),
        (routes::PRINT_GUIDE, "the printable guide"),
    ];
    if has_sources {
        generated.push((routes::SOURCES, "the list of sources"));
    }
    if has_questionnaire {
        generated.push((routes::QUESTIONNAIRE, "the questionnaire"));
        generated.push((routes::PLAN, "the plan page"));
    }
    generated
}

/// Every route with its owner; a route taken twice is reported at the second owner.
fn claim_routes(
    b: &mut Builder,
    pages: &[Page],
    generated: &[(&'static str, &'static str)],
    checklists: &BTreeMap<ChecklistId, Checklist>,
) -> BTreeMap<Route, String> {
    let mut routes: BTreeMap<Route, String> = BTreeMap::new();
    let mut claim = |b: &mut Builder, route: &Route, owner: String, location: Location| {
        if let Some(previous) = routes.get(route) {
            b.error(
                "E032",
                location,
                format!("route {route} is already taken by {previous}"),
            );
        } else {
            routes.insert(route.clone(), owner);
        }
    };
    for page in pages {
        claim(
            b,
            &page.route,
            page.source.path.clone(),
            Location::file(&page.source.path),
        );
    }
    for &(route, owner) in generated {
        let location = pages
            .iter()
            .find(|p| p.route.as_str() == route)
            .map_or(Location::file("content"), |p| Location::file(&p.source.path));
        claim(b, &Route::new(route), format!("{owner} (generated)"), location);
    }
    for checklist in checklists.values() {
        claim(
            b,
            &checklist.route,
            checklist.path.clone(),
            Location::file(&checklist.path),
        );
    }
    routes
}

/// Warns about pages no section lists, so the sidebar cannot reach them.
fn warn_unlisted_pages(b: &mut Builder, pages: &[Page], nav: &[(usize, Vec<usize>)]) {
    let mut listed = vec![false; pages.len()];
    for (top, children) in nav {
        for &i in std::iter::once(top).chain(children) {
            listed[i] = true;
        }
    }
    for (page, listed) in pages.iter().zip(listed) {
        if !listed && page.route.as_str() != "/" {
            b.problems.push(
                Diagnostic::warning(
                    "W051",
                    Location::file(&page.source.path),
                    "page is not in the navigation",
                )
                .with_help(format!(
                    "add content/{}/index.md so its section appears in the sidebar",
                    page.section.as_deref().unwrap_or("")
                )),
            );
        }
    }
}

/// Reading order: home, then each section's landing page followed by its pages. Each page is
/// in one place only, so it moves there.
fn reading_order(pages: Vec<Page>, nav: &[(usize, Vec<usize>)]) -> (Vec<Page>, Vec<NavSection>) {
    let mut ordered = Vec::with_capacity(pages.len());
    let mut nav_out = Vec::new();
    let home = pages.iter().position(|p| p.route.as_str() == "/");
    let mut pages: Vec<Option<Page>> = pages.into_iter().map(Some).collect();
    if let Some(page) = home.and_then(|h| pages[h].take()) {
        ordered.push(page);
    }
    for (landing, children) in nav {
        let Some(landing) = pages[*landing].take() else {
            continue;
        };
        let page = ordered.len();
        ordered.push(landing);
        let mut kids = Vec::new();
        for &c in children {
            if let Some(child) = pages[c].take() {
                kids.push(ordered.len());
                ordered.push(child);
            }
        }
        nav_out.push(NavSection { page, children: kids });
    }
    (ordered, nav_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_know_their_depth_and_relative_paths() {
        let r = Route::new("vps/risks");
        assert_eq!(r.as_str(), "/vps/risks/");
        assert_eq!(r.output_path(), "vps/risks/index.html");
        assert_eq!(r.relative_to("moltworker/"), "../../moltworker/");
        assert_eq!(Route::new("/").relative_to("vps/"), "vps/");
        assert_eq!(Route::new("/").relative_to(""), "./");
    }

    #[test]
    fn finds_schemes_in_many_spellings() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:x",
            " javascript:x",
            "java\tscript:x",
            "vbscript:x",
            "data:text/html,x",
        ] {
            assert!(
                matches!(scheme_of(url).as_deref(), Some("javascript" | "vbscript" | "data")),
                "{url}"
            );
        }
        assert_eq!(scheme_of("/a/b:c"), None);
        assert_eq!(scheme_of("#x"), None);
    }

    #[test]
    fn resolves_internal_links_with_anchors() {
        let routes: BTreeSet<Route> = [Route::new("/"), Route::new("/vps/risks/")].into_iter().collect();
        let mut anchors = AnchorIndex::new();
        anchors.insert(Route::new("/vps/risks/"), ["memory".to_string()].into_iter().collect());
        let statics = BTreeSet::new();
        let unchecked = BTreeSet::new();
        let r = LinkResolver {
            routes: &routes,
            unchecked: &unchecked,
            anchors: &anchors,
            static_files: &statics,
        };
        let home = Route::new("/");
        assert_eq!(r.href(&home, "/vps/risks/#memory").unwrap(), "vps/risks/#memory");
        assert!(matches!(
            r.resolve(&home, "/vps/risks/#nope"),
            Err(LinkError::MissingAnchor { .. })
        ));
        assert!(matches!(r.resolve(&home, "/nope/"), Err(LinkError::MissingRoute(_))));
        assert!(matches!(
            r.resolve(&home, "/../../etc/passwd"),
            Err(LinkError::Malformed(_))
        ));
        assert!(matches!(
            r.resolve(&home, "javascript:alert(1)"),
            Err(LinkError::Scheme(_))
        ));
        assert_eq!(r.href(&Route::new("/vps/risks/"), "#memory").unwrap(), "#memory");
    }
}
