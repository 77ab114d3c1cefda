//! Model: the loaded files → one validated, immutable [`Site`].
//!
//! Owns typed ids, routes, navigation order and every cross-file check (duplicate ids,
//! dangling references, route collisions). The [`LinkResolver`] answers "does this route and
//! anchor exist?" for the later steps. No HTML, no I/O.

use crate::audit::{self, Audit};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{FileKind, SourceFile};
use crate::load::{self, Loaded, LoadedSite, RawCell, RawEffect};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use toml::Spanned;

macro_rules! typed_id {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);
        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
            /// Unit tests of other modules make ids without a site.
            #[cfg(test)]
            #[allow(dead_code)]
            pub(crate) fn from_test(id: &str) -> Self { $name(id.to_string()) }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    )*};
}
typed_id!(
    PageId,
    TableId,
    ChecklistId,
    ItemId,
    StepId,
    QuestionId,
    OptionId,
    PersonaId,
    SourceId,
    RiskId
);

/// A site-absolute route such as `/risks/exposure/`; always starts and ends with `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Route(String);

impl Route {
    pub fn new(path: &str) -> Self {
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            Route("/".into())
        } else {
            Route(format!("/{trimmed}/"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The file this route is written to (`risks/exposure/index.html`).
    pub fn output_path(&self) -> String {
        format!("{}index.html", &self.0[1..])
    }
    /// How many directories deep the route is (`/` is 0, `/risks/exposure/` is 2).
    pub fn depth(&self) -> usize {
        self.0.matches('/').count().saturating_sub(1)
    }
    /// The relative prefix from this route's directory to the site root (`../../`).
    pub fn to_root(&self) -> String {
        match self.depth() {
            0 => "./".into(),
            n => "../".repeat(n),
        }
    }
    /// A relative URL from this route to `target` (a site path without leading `/`, e.g. `risks/`).
    pub fn relative_to(&self, target: &str) -> String {
        let prefix = self.to_root();
        if target.is_empty() {
            prefix
        } else if prefix == "./" {
            target.to_string()
        } else {
            format!("{prefix}{target}")
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One of the platforms the guide declares in `content/platforms.toml`. It orders by its place
/// in that list, so every table, chip and score comes out in the declared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    index: u8,
    id: &'static str,
}

impl Platform {
    /// The declared platform at `index` (its place in the list) with this id.
    pub fn new(index: usize, id: &str) -> Platform {
        Platform {
            index: u8::try_from(index).unwrap_or(u8::MAX),
            id: intern(id),
        }
    }
    pub fn id(self) -> &'static str {
        self.id
    }
    /// Its place in the declared list (0-based).
    pub fn index(self) -> usize {
        usize::from(self.index)
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

/// Platform ids live for the whole run so that [`Platform`] stays `Copy`; each distinct id is
/// stored once, however often `serve` rebuilds.
fn intern(id: &str) -> &'static str {
    static IDS: std::sync::OnceLock<std::sync::Mutex<BTreeSet<&'static str>>> = std::sync::OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = ids.get(id) {
        return known;
    }
    let leaked: &'static str = Box::leak(id.to_string().into_boxed_str());
    ids.insert(leaked);
    leaked
}

/// A declared platform: its id, the name pages and links use, and the short name on chips.
#[derive(Debug, Clone)]
pub struct PlatformDecl {
    pub platform: Platform,
    pub name: String,
    pub short: String,
}

/// How many platforms a guide compares: a comparison needs two; more than six no longer fits
/// the questionnaire's matrix or a chip row.
pub const PLATFORM_COUNT: std::ops::RangeInclusive<usize> = 2..=6;

/// How bad a risk is. Always shown as icon and word, never by colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Critical,
    High,
    Medium,
    Low,
    None,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "critical" => Level::Critical,
            "high" => Level::High,
            "medium" => Level::Medium,
            "low" => Level::Low,
            "none" => Level::None,
            _ => return None,
        })
    }
    pub fn id(self) -> &'static str {
        match self {
            Level::Critical => "critical",
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
            Level::None => "none",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::Critical => "Critical",
            Level::High => "High",
            Level::Medium => "Medium",
            Level::Low => "Low",
            Level::None => "Not rated",
        }
    }
}

/// What kind of thing a rating rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A section of the guide's source document.
    SourceSection,
    /// A document published elsewhere, read on a known date.
    Upstream,
    /// The guide's own reading, with its reason.
    Assessment,
}

impl SourceKind {
    pub fn parse(s: &str) -> Option<SourceKind> {
        Some(match s {
            "source-section" => SourceKind::SourceSection,
            "upstream" => SourceKind::Upstream,
            "assessment" => SourceKind::Assessment,
            _ => return None,
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::SourceSection => "Source document",
            SourceKind::Upstream => "Upstream document",
            SourceKind::Assessment => "Assessment",
        }
    }
}

/// One entry of `content/sources.toml`.
#[derive(Debug, Clone)]
pub struct Source {
    pub id: SourceId,
    /// 1-based, in file order: the source's marker on every page.
    pub number: usize,
    pub kind: SourceKind,
    pub title: String,
    pub section: String,
    pub url: String,
    pub checked: Option<String>,
    pub rationale: String,
    pub location: Location,
}

/// A reference to a source as a page or cell shows it: its marker number and title.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Basis {
    pub number: usize,
    pub id: SourceId,
    pub title: String,
}

/// How bad one risk is on one platform, and why.
#[derive(Debug, Clone)]
pub struct RiskRating {
    pub level: Level,
    pub basis: Vec<Basis>,
    pub note: String,
}

/// One entry of `content/risks.toml`: the one rating of a risk on each platform.
#[derive(Debug, Clone)]
pub struct Risk {
    pub id: RiskId,
    pub title: String,
    pub page: LinkRef,
    pub also: Vec<LinkRef>,
    pub summary: String,
    pub ratings: BTreeMap<Platform, RiskRating>,
}

impl Risk {
    /// The worst level the risk has on any platform (`None` when it is rated nowhere).
    pub fn worst(&self) -> Level {
        self.ratings.values().map(|r| r.level).min().unwrap_or(Level::None)
    }
}

/// Adds `more` to `basis`, each source once, ordered by marker.
pub fn merge_basis(basis: &mut Vec<Basis>, more: &[Basis]) {
    for b in more {
        if !basis.contains(b) {
            basis.push(b.clone());
        }
    }
    basis.sort();
}

/// Markdown text together with where it came from, so later steps can locate problems in it.
#[derive(Debug, Clone)]
pub struct Text {
    pub markdown: String,
    pub location: Location,
}

/// A link written in a data file, checked once every page's anchors are known.
#[derive(Debug, Clone)]
pub struct LinkRef {
    pub target: String,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub id: PageId,
    pub route: Route,
    pub title: String,
    pub description: String,
    pub weight: i64,
    pub severity: Option<Level>,
    /// What the severity rests on: the page's own `basis` and that of its risks.
    pub basis: Vec<Basis>,
    /// The registry risks the page explains.
    pub risks: Vec<RiskId>,
    pub reviewed: Option<String>,
    pub platforms: Vec<Platform>,
    pub source: SourceFile,
    pub body_offset: usize,
    /// The top-level section the page belongs to (its first directory), if any.
    pub section: Option<String>,
    /// True for `index.md` files: a section landing page or the home page.
    pub is_index: bool,
}

impl Page {
    pub fn body(&self) -> &str {
        self.source.text.get(self.body_offset..).unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Text,
    Rating,
    Platform,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone)]
pub enum Cell {
    /// Text, with the sources of the fact it states (often none).
    Text {
        text: Text,
        basis: Vec<Basis>,
    },
    Rating {
        level: Level,
        text: Text,
        basis: Vec<Basis>,
        /// The registry risk the level comes from, if any.
        risk: Option<RiskId>,
    },
    Platform(Platform),
}

impl Cell {
    pub fn basis(&self) -> &[Basis] {
        match self {
            Cell::Text { basis, .. } | Cell::Rating { basis, .. } => basis,
            Cell::Platform(_) => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: TableId,
    pub path: String,
    pub caption: Text,
    pub description: Text,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecklistKind {
    Predeploy,
    Recovery,
    Other,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub id: ChecklistId,
    pub route: Route,
    pub path: String,
    pub title: String,
    pub kind: ChecklistKind,
    pub platforms: Vec<Platform>,
    pub intro: Text,
    pub ordered: bool,
    pub groups: Vec<Group>,
}

impl Checklist {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.groups.iter().flat_map(|g| g.items.iter())
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: ItemId,
    pub text: Text,
    pub detail: Text,
    pub code: String,
    pub platforms: Vec<Platform>,
    pub steps: Vec<Step>,
    pub audits: Vec<Audit>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: StepId,
    pub text: Text,
    pub audits: Vec<Audit>,
}

/// What one answer does to one platform: points, or a blocker that rules it out.
/// In JSON a whole number or the word `"exclude"`, as in `questionnaire.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Effect {
    Delta(i64),
    Exclude(ExcludeWord),
}

/// The word that stands for a blocker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExcludeWord {
    #[serde(rename = "exclude")]
    Exclude,
}

impl Effect {
    pub const EXCLUDE: Effect = Effect::Exclude(ExcludeWord::Exclude);

    pub fn is_exclude(self) -> bool {
        matches!(self, Effect::Exclude(_))
    }
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub platform: Platform,
    pub text: String,
    pub link: LinkRef,
}

#[derive(Debug, Clone)]
pub struct FollowUp {
    pub text: String,
    /// Where the action is explained: the checklist item's anchor when `item` is set.
    pub link: Option<LinkRef>,
    /// The checklist item this action ticks, `checklist-id/item-id`.
    pub item: Option<String>,
    pub platform: Option<Platform>,
    /// Listed first: the answer behind it is a problem to fix before deploying.
    pub fix_first: bool,
}

#[derive(Debug, Clone)]
pub struct AnswerOption {
    pub id: OptionId,
    pub label: String,
    pub effects: BTreeMap<Platform, Effect>,
    pub reasons: Vec<Reason>,
    pub follow_up: Vec<FollowUp>,
    /// For a budget answer: the monthly spend it allows.
    pub max_monthly_usd: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: QuestionId,
    pub prompt: String,
    pub help: String,
    /// Unanswered, it counts as neutral and does not hold the result back.
    pub optional: bool,
    pub options: Vec<AnswerOption>,
}

#[derive(Debug, Clone)]
pub struct PlatformInfo {
    pub platform: Platform,
    pub name: String,
    pub page: LinkRef,
    pub checklists: Vec<ChecklistId>,
    pub cost: Option<Cost>,
}

/// A platform's monthly hosting cost range, whole US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Clone)]
pub struct Persona {
    pub id: PersonaId,
    pub name: String,
    pub summary: String,
    /// One option index per question, in question order.
    pub answers: Vec<usize>,
    /// The expected recommendation; `None` expects "no platform fits yet".
    pub expect: Option<Platform>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub path: String,
    pub title: String,
    pub intro: Text,
    pub tie_break: Vec<Platform>,
    pub close_call_gap: i64,
    /// A platform scoring below this is not recommended.
    pub min_score: Option<i64>,
    pub costs_link: Option<LinkRef>,
    pub platforms: Vec<PlatformInfo>,
    pub questions: Vec<Question>,
    pub personas: Vec<Persona>,
}

impl Questionnaire {
    pub fn platform(&self, platform: Platform) -> Option<&PlatformInfo> {
        self.platforms.iter().find(|p| p.platform == platform)
    }
    pub fn platform_name(&self, platform: Platform) -> &str {
        self.platform(platform).map_or(platform.id(), |p| p.name.as_str())
    }
    /// Every declared platform, in declared order.
    pub fn all(&self) -> Vec<Platform> {
        self.platforms.iter().map(|p| p.platform).collect()
    }
}

/// Routes the generator adds beside the content pages.
pub mod routes {
    pub const QUESTIONNAIRE: &str = "/questionnaire/";
    pub const PLAN: &str = "/plan/";
    pub const CHECKLISTS: &str = "/checklists/";
    pub const PRINT_CHECKLISTS: &str = "/checklists/print/";
    pub const PRINT_GUIDE: &str = "/print/";
    pub const SOURCES: &str = "/sources/";
}

#[derive(Debug, Clone)]
pub struct NavSection {
    /// Index into `Site::pages` of the landing page.
    pub page: usize,
    /// Indexes of the section's other pages, in order.
    pub children: Vec<usize>,
}

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

/// True for ids made of lowercase letters, digits, `-` and `_`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

struct Builder {
    problems: Diagnostics,
    declared: Vec<PlatformDecl>,
}

impl Builder {
    fn error(&mut self, code: &'static str, location: Location, message: impl Into<String>) -> &mut Diagnostic {
        self.problems.push_and_edit(Diagnostic::error(code, location, message))
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
    let mut b = Builder {
        problems: Diagnostics::new(),
        declared: Vec::new(),
    };
    if let Some(file) = loaded.platforms {
        b.declared = build_platforms(&mut b, file);
    }
    let has_questionnaire =
        loaded.questionnaire.is_some() || loaded.failed.iter().any(|f| f.kind == FileKind::Questionnaire);
    let mut unchecked_routes = BTreeSet::new();
    let mut broken_ids = BTreeSet::new();
    for failed in &loaded.failed {
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
    let registry_broken = |kind: FileKind| loaded.failed.iter().any(|f| f.kind == kind);
    let mut refs = Registry {
        sources_broken: registry_broken(FileKind::Sources),
        risks_broken: registry_broken(FileKind::Risks),
        ..Registry::default()
    };
    refs.has_sources_file = loaded.sources.is_some() || refs.sources_broken;
    let sources = loaded
        .sources
        .map(|file| build_sources(&mut b, file))
        .unwrap_or_default();
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
    let risks = loaded
        .risks
        .map(|file| build_risks(&mut b, file, &refs))
        .unwrap_or_default();
    refs.risks = risks.iter().map(|r| (r.id.to_string(), r.clone())).collect();
    let pages = build_pages(&mut b, loaded.pages, &refs);
    let tables = build_tables(&mut b, loaded.tables, &refs);
    warn_unused_sources(&mut b, &sources, &risks, &pages, &tables);
    let checklists = build_checklists(&mut b, loaded.checklists);
    let questionnaire = loaded
        .questionnaire
        .and_then(|q| build_questionnaire(&mut b, q, &pages, &checklists));

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
    for page in &pages {
        claim(
            &mut b,
            &page.route,
            page.source.path.clone(),
            Location::file(&page.source.path),
        );
    }
    let mut generated = vec![
        (routes::CHECKLISTS, "the checklist index"),
        (routes::PRINT_CHECKLISTS, "the printable checklists"),
        (routes::PRINT_GUIDE, "the printable guide"),
    ];
    if !sources.is_empty() {
        generated.push((routes::SOURCES, "the list of sources"));
    }
    if has_questionnaire {
        generated.push((routes::QUESTIONNAIRE, "the questionnaire"));
        generated.push((routes::PLAN, "the plan page"));
    }
    for (route, owner) in generated {
        let location = pages
            .iter()
            .find(|p| p.route.as_str() == route)
            .map_or(Location::file("content"), |p| Location::file(&p.source.path));
        claim(&mut b, &Route::new(route), format!("{owner} (generated)"), location);
    }
    for checklist in checklists.values() {
        claim(
            &mut b,
            &checklist.route,
            checklist.path.clone(),
            Location::file(&checklist.path),
        );
    }
    // A home page that failed to load is already reported; saying it is missing would be a cascade.
    if !pages.iter().any(|p| p.route.as_str() == "/") && !unchecked_routes.contains(&Route::new("/")) {
        b.problems.push(
            Diagnostic::error("E033", Location::file("content"), "the site has no home page")
                .with_help("add content/index.md"),
        );
    }
    let nav = build_nav(&pages);
    let mut listed = vec![false; pages.len()];
    for (top, children) in &nav {
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
    let mut ordered = Vec::with_capacity(pages.len());
    let mut nav_out = Vec::new();
    // Reading order: home, then each section's landing page followed by its pages. Each page
    // is in one place only, so it moves there.
    let home = pages.iter().position(|p| p.route.as_str() == "/");
    let mut pages: Vec<Option<Page>> = pages.into_iter().map(Some).collect();
    if let Some(page) = home.and_then(|h| pages[h].take()) {
        ordered.push(page);
    }
    for (landing, children) in &nav {
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
        broken_ids,
    };
    (site, b.problems)
}

/// The sources and risks that pages and tables refer to, by id.
#[derive(Default)]
struct Registry {
    sources: BTreeMap<String, Basis>,
    risks: BTreeMap<String, Risk>,
    has_sources_file: bool,
    /// The file failed to load: references into it are not reported a second time.
    sources_broken: bool,
    risks_broken: bool,
}

impl Registry {
    /// The sources named in `ids`; unknown ones are reported.
    fn basis<T>(&self, b: &mut Builder, file: &Loaded<T>, offset: usize, ids: &[Spanned<String>]) -> Vec<Basis> {
        let located: Vec<(&str, Location)> = ids
            .iter()
            .map(|id| (id.get_ref().as_str(), file.at_offset(offset + id.span().start)))
            .collect();
        self.basis_at(b, located)
    }

    /// The sources named, each with where it is named; unknown ones are reported.
    fn basis_at(&self, b: &mut Builder, ids: Vec<(&str, Location)>) -> Vec<Basis> {
        let mut basis = Vec::new();
        for (id, location) in ids {
            match self.sources.get(id) {
                Some(found) => merge_basis(&mut basis, std::slice::from_ref(found)),
                None if self.sources_broken => {}
                None => {
                    b.error("E046", location, format!("unknown source `{}`", id.escape_debug()))
                        .help = Some(if self.has_sources_file {
                        "list it in content/sources.toml with an id, kind and title".into()
                    } else {
                        "add content/sources.toml with a [[source]] of that id".into()
                    });
                }
            }
        }
        basis
    }

    /// The registry risk `id`; an unknown one is reported at `location`.
    fn risk(&self, b: &mut Builder, location: Location, id: &str) -> Option<&Risk> {
        let found = self.risks.get(id);
        if found.is_none() && !self.risks_broken {
            b.error("E046", location, format!("unknown risk `{}`", id.escape_debug()))
                .help = Some("risks are listed in content/risks.toml".into());
        }
        found
    }
}

fn no_basis(b: &mut Builder, location: Location, what: String) {
    b.error("E045", location, format!("{what} has no basis"))
        .help = Some(
        "name the sources it rests on, e.g. basis = [\"source-id\"] (an id of content/sources.toml), or take the level from content/risks.toml with risk = \"…\""
            .into(),
    );
}

fn build_sources(b: &mut Builder, file: Loaded<load::RawSources>) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    for raw in &file.raw.source {
        let location = file.at(raw.id.span());
        if !b.check_id(raw.id.get_ref(), location.clone(), "source id") {
            continue;
        }
        if let Some(first) = sources.iter().find(|s| s.id.as_str() == raw.id.get_ref()) {
            b.error("E035", location, format!("duplicate source id `{}`", raw.id.get_ref()))
                .help = Some(format!("first used at {}", first.location));
            continue;
        }
        let Some(kind) = SourceKind::parse(raw.kind.get_ref()) else {
            b.error(
                "E031",
                file.at(raw.kind.span()),
                format!("unknown source kind `{}`", raw.kind.get_ref().escape_debug()),
            )
            .help = Some("a source kind is source-section, upstream or assessment".into());
            continue;
        };
        let title = raw.title.get_ref().trim().to_string();
        if title.is_empty() {
            b.error("E034", file.at(raw.title.span()), "source title must not be empty");
        }
        let mut missing = |field: &str, why: &str| {
            b.error(
                "E044",
                location.clone(),
                format!(
                    "{} source `{}` needs `{field}`",
                    kind.label().to_lowercase(),
                    raw.id.get_ref()
                ),
            )
            .help = Some(why.into());
        };
        let section = raw.section.clone().unwrap_or_default().trim().to_string();
        let rationale = raw.rationale.clone().unwrap_or_default().trim().to_string();
        let url = raw
            .url
            .as_ref()
            .map(|u| u.get_ref().trim().to_string())
            .unwrap_or_default();
        match kind {
            SourceKind::SourceSection if section.is_empty() => missing(
                "section",
                "name the section of the source document, e.g. section = \"C\"",
            ),
            SourceKind::Upstream if url.is_empty() => missing("url", "give the document's http(s) address"),
            SourceKind::Upstream if raw.checked.is_none() => missing(
                "checked",
                "give the date the document was last read, e.g. checked = 2026-12-02",
            ),
            SourceKind::Assessment if rationale.is_empty() => {
                missing("rationale", "say in one line why the guide rates it so")
            }
            _ => {}
        }
        if let Some(u) = &raw.url
            && !matches!(scheme_of(u.get_ref()).as_deref(), Some("http" | "https"))
        {
            b.error(
                "E044",
                file.at(u.span()),
                "a source url must start with http:// or https://",
            );
        }
        let checked = raw.checked.as_ref().and_then(|d| match d.get_ref().date {
            Some(date) if d.get_ref().time.is_none() => Some(date.to_string()),
            _ => {
                b.error("E031", file.at(d.span()), "checked must be a date such as 2026-12-02");
                None
            }
        });
        sources.push(Source {
            id: SourceId(raw.id.get_ref().clone()),
            number: sources.len() + 1,
            kind,
            title,
            section,
            url,
            checked,
            rationale,
            location,
        });
    }
    sources
}

fn build_risks(b: &mut Builder, file: Loaded<load::RawRisks>, refs: &Registry) -> Vec<Risk> {
    let mut risks: Vec<Risk> = Vec::new();
    let link = |s: &Spanned<String>| LinkRef {
        target: s.get_ref().clone(),
        location: file.at(s.span()),
    };
    for raw in &file.raw.risk {
        let location = file.at(raw.id.span());
        if !b.check_id(raw.id.get_ref(), location.clone(), "risk id") {
            continue;
        }
        if risks.iter().any(|r| r.id.as_str() == raw.id.get_ref()) {
            b.error("E035", location, format!("duplicate risk id `{}`", raw.id.get_ref()));
            continue;
        }
        let mut ratings = BTreeMap::new();
        for (platform, rating) in raw.rating.get_ref() {
            let Some(p) = b.platform(file.at(rating.span()), platform, "unknown platform") else {
                continue;
            };
            let r = rating.get_ref();
            let Some(level) = Level::parse(r.level.get_ref()) else {
                b.error(
                    "E031",
                    file.at(r.level.span()),
                    format!("unknown rating level `{}`", r.level.get_ref().escape_debug()),
                )
                .help = Some("a level is critical, high, medium, low or none".into());
                continue;
            };
            let basis = refs.basis(b, &file, 0, &r.basis);
            if r.basis.is_empty() {
                no_basis(
                    b,
                    file.at(rating.span()),
                    format!("the rating of `{}` on `{platform}`", raw.id.get_ref()),
                );
            }
            ratings.insert(
                p,
                RiskRating {
                    level,
                    basis,
                    note: r.note.trim().to_string(),
                },
            );
        }
        if raw.rating.get_ref().is_empty() {
            no_basis(b, file.at(raw.rating.span()), format!("risk `{}`", raw.id.get_ref()));
        }
        risks.push(Risk {
            id: RiskId(raw.id.get_ref().clone()),
            title: raw.title.trim().to_string(),
            page: link(&raw.page),
            also: raw.also.iter().map(link).collect(),
            summary: raw.summary.trim().to_string(),
            ratings,
        });
    }
    risks
}

/// A source no rating, page or table names is probably a leftover.
fn warn_unused_sources(
    b: &mut Builder,
    sources: &[Source],
    risks: &[Risk],
    pages: &[Page],
    tables: &BTreeMap<TableId, Table>,
) {
    let mut used: BTreeSet<&SourceId> = BTreeSet::new();
    let risk_bases = risks.iter().flat_map(|r| r.ratings.values()).flat_map(|r| &r.basis);
    let page_bases = pages.iter().flat_map(|p| &p.basis);
    let cell_bases = tables.values().flat_map(|t| &t.rows).flatten().flat_map(|c| c.basis());
    used.extend(risk_bases.chain(page_bases).chain(cell_bases).map(|b| &b.id));
    for source in sources {
        if !used.contains(&source.id) {
            b.problems.push(
                Diagnostic::warning(
                    "W053",
                    source.location.clone(),
                    format!("source `{}` is not used", source.id),
                )
                .with_help("name it in a basis, or remove it"),
            );
        }
    }
}

/// The route of a page from its path under `content/`, if the path is valid.
fn page_route(rel: &str) -> Option<Route> {
    let rel = rel.trim_end_matches(".md");
    let segments: Vec<&str> = rel.split('/').collect();
    if !segments.iter().all(|s| is_valid_id(s)) {
        return None;
    }
    Some(match segments.split_last() {
        Some((&"index", parents)) => Route::new(&parents.join("/")),
        _ => Route::new(rel),
    })
}

fn build_pages(b: &mut Builder, loaded: Vec<Loaded<load::RawPage>>, refs: &Registry) -> Vec<Page> {
    let mut pages = Vec::new();
    for file in loaded {
        let rel = file.source.rel.trim_end_matches(".md");
        let segments: Vec<&str> = rel.split('/').collect();
        let mut valid = true;
        for segment in &segments {
            if !is_valid_id(segment) {
                b.error(
                    "E030",
                    Location::file(&file.source.path),
                    format!("page path segment `{}` is not a valid name", segment.escape_debug()),
                )
                .help = Some("name content files in lowercase letters, digits, `-` and `_`".into());
                valid = false;
            }
        }
        if !valid {
            continue;
        }
        let is_index = segments.last() == Some(&"index");
        let route_path = if is_index {
            segments[..segments.len() - 1].join("/")
        } else {
            rel.to_string()
        };
        let route = Route::new(&route_path);
        let section = if segments.len() > 1 {
            segments.first().map(|s| s.to_string())
        } else {
            None
        };
        let front = &file.raw.front;
        let at = |span: std::ops::Range<usize>| file.at_offset(file.raw.front_offset + span.start);
        let title = front.title.get_ref().trim().to_string();
        if title.is_empty() {
            b.error("E034", at(front.title.span()), "title must not be empty");
        }
        let severity = front.severity.as_ref().and_then(|s| {
            let level = Level::parse(s.get_ref()).filter(|l| *l != Level::None);
            if level.is_none() {
                b.error(
                    "E031",
                    at(s.span()),
                    format!("unknown severity `{}`", s.get_ref().escape_debug()),
                )
                .help = Some("severity is critical, high, medium or low".into());
            }
            level
        });
        let reviewed = front.reviewed.as_ref().and_then(|d| match d.get_ref().date {
            Some(date) if d.get_ref().time.is_none() => Some(date.to_string()),
            _ => {
                b.error("E031", at(d.span()), "reviewed must be a date such as 2026-11-20");
                None
            }
        });
        let mut platforms = Vec::new();
        for p in &front.platforms {
            match b.platform(at(p.span()), p.get_ref(), "unknown platform") {
                Some(platform) if !platforms.contains(&platform) => platforms.push(platform),
                _ => {}
            }
        }
        let offset = file.raw.front_offset;
        let mut basis = refs.basis(b, &file, offset, &front.basis);
        let mut risks = Vec::new();
        let mut from_risks: Option<Level> = None;
        for id in &front.risks {
            let Some(risk) = refs.risk(b, file.at_offset(offset + id.span().start), id.get_ref()) else {
                continue;
            };
            if !platforms.is_empty() && !risk.ratings.keys().any(|p| platforms.contains(p)) {
                b.error(
                    "E046",
                    file.at_offset(offset + id.span().start),
                    format!("risk `{}` is not rated on any platform of this page", risk.id),
                )
                .help =
                    Some("rate it for the page's platforms in content/risks.toml, or fix the page's platforms".into());
            }
            // A page about several platforms takes each risk's worst level; a page about
            // some of them, the worst on those.
            for (platform, rating) in &risk.ratings {
                if platforms.is_empty() || platforms.contains(platform) {
                    merge_basis(&mut basis, &rating.basis);
                    if rating.level != Level::None {
                        from_risks = Some(from_risks.map_or(rating.level, |l| l.min(rating.level)));
                    }
                }
            }
            risks.push(risk.id.clone());
        }
        if let (Some(stated), Some(s)) = (severity, front.severity.as_ref()) {
            match from_risks {
                Some(level) if level != stated => {
                    b.error(
                        "E047",
                        at(s.span()),
                        format!(
                            "severity `{}` differs from `{}`, the worst level of the page's risks",
                            stated.id(),
                            level.id()
                        ),
                    )
                    .help = Some("remove severity: the page takes it from content/risks.toml".into());
                }
                None if front.risks.is_empty() && front.basis.is_empty() => {
                    no_basis(b, at(s.span()), "the page's severity".into());
                }
                _ => {}
            }
        }
        let severity = severity.or(from_risks);
        pages.push(Page {
            id: PageId(rel.to_string()),
            route,
            title,
            description: front.description.trim().to_string(),
            weight: front.weight,
            severity,
            basis,
            risks,
            reviewed,
            platforms,
            body_offset: file.raw.body_offset,
            source: file.source,
            section,
            is_index,
        });
    }
    pages
}

/// Top-level sections in weight order: a section is a directory with an `index.md`, or a top-level page.
fn build_nav(pages: &[Page]) -> Vec<(usize, Vec<usize>)> {
    let order = |a: &usize, b: &usize| {
        let (a, b) = (&pages[*a], &pages[*b]);
        (a.weight, &a.title, &a.route).cmp(&(b.weight, &b.title, &b.route))
    };
    let mut tops = Vec::new();
    let mut by_section: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        match page.route.depth() {
            0 => {}
            1 => tops.push(i),
            _ => {
                if let Some(section) = page.section.as_deref() {
                    by_section.entry(section).or_default().push(i);
                }
            }
        }
    }
    tops.sort_by(order);
    tops.into_iter()
        .map(|top| {
            let mut children = by_section
                .remove(pages[top].route.as_str().trim_matches('/'))
                .unwrap_or_default();
            children.sort_by(order);
            (top, children)
        })
        .collect()
}

fn build_tables(b: &mut Builder, loaded: Vec<Loaded<load::RawTable>>, refs: &Registry) -> BTreeMap<TableId, Table> {
    let mut tables = BTreeMap::new();
    for file in loaded {
        let stem = file
            .source
            .rel
            .trim_start_matches("tables/")
            .trim_end_matches(".toml")
            .to_string();
        if !b.check_id(&stem, Location::file(&file.source.path), "table file name") {
            continue;
        }
        let raw = &file.raw;
        let mut columns = Vec::new();
        let mut keys = BTreeSet::new();
        for c in &raw.column {
            let kind = match c.kind.get_ref().as_str() {
                "text" => ColumnKind::Text,
                "rating" => ColumnKind::Rating,
                "platform" => ColumnKind::Platform,
                other => {
                    b.error(
                        "E031",
                        file.at(c.kind.span()),
                        format!("unknown column kind `{}`", other.escape_debug()),
                    )
                    .help = Some("a column kind is text, rating or platform".into());
                    ColumnKind::Text
                }
            };
            if !keys.insert(c.key.get_ref().clone()) {
                b.error(
                    "E035",
                    file.at(c.key.span()),
                    format!("duplicate column key `{}`", c.key.get_ref().escape_debug()),
                );
            }
            columns.push(Column {
                key: c.key.get_ref().clone(),
                label: c.label.clone(),
                kind,
            });
        }
        if columns.is_empty() {
            b.error("E036", Location::at(&file.source.path, 1, 1), "table has no columns")
                .help = Some("add [[column]] entries with key, label and kind".into());
        }
        let mut rows = Vec::new();
        for row in &raw.row {
            for key in row.get_ref().keys() {
                if !keys.contains(key) {
                    b.error(
                        "E037",
                        file.at(row.span()),
                        format!("row has a cell `{}` that is not a column", key.escape_debug()),
                    );
                }
            }
            let mut cells = Vec::new();
            for column in &columns {
                let Some(cell) = row.get_ref().get(&column.key) else {
                    b.error(
                        "E037",
                        file.at(row.span()),
                        format!("row has no cell for column `{}`", column.key.escape_debug()),
                    );
                    continue;
                };
                let location = file.at(cell.span());
                let cell = match (column.kind, cell.get_ref()) {
                    (ColumnKind::Text, RawCell::Text(text)) => Cell::Text {
                        text: Text {
                            markdown: text.clone(),
                            location,
                        },
                        basis: Vec::new(),
                    },
                    (ColumnKind::Text, RawCell::Rating(r)) if r.level.is_none() && r.risk.is_none() => Cell::Text {
                        basis: refs.basis_at(b, r.basis.iter().map(|id| (id.as_str(), location.clone())).collect()),
                        text: Text {
                            markdown: r.text.clone(),
                            location,
                        },
                    },
                    (ColumnKind::Rating, RawCell::Rating(r)) => {
                        match rating_cell(b, refs, r, location.clone(), &column.key) {
                            Some(cell) => cell,
                            None => continue,
                        }
                    }
                    (ColumnKind::Platform, RawCell::Text(text)) => match b.platform(location, text, "unknown platform")
                    {
                        Some(p) => Cell::Platform(p),
                        None => continue,
                    },
                    (ColumnKind::Rating, RawCell::Text(_)) => {
                        b.error(
                            "E037",
                            location,
                            format!(
                                "column `{}` holds ratings: write {{ level = \"…\", text = \"…\", basis = [\"…\"] }} or {{ risk = \"…\" }}",
                                column.key
                            ),
                        );
                        continue;
                    }
                    (_, RawCell::Rating(_)) => {
                        b.error(
                            "E037",
                            location,
                            format!("column `{}` holds text, not a rating", column.key),
                        );
                        continue;
                    }
                };
                cells.push(cell);
            }
            rows.push(cells);
        }
        let id = TableId(stem);
        let caption = Builder::text(&file, raw.caption.get_ref(), raw.caption.span());
        let description = Builder::text(&file, raw.description.get_ref(), raw.description.span());
        tables.insert(
            id.clone(),
            Table {
                id,
                path: file.source.path.clone(),
                caption,
                description,
                columns,
                rows,
            },
        );
    }
    tables
}

/// A rating cell: its own level and basis, or those of a registry risk on one platform.
fn rating_cell(
    b: &mut Builder,
    refs: &Registry,
    r: &load::RawRating,
    location: Location,
    column: &str,
) -> Option<Cell> {
    let stated = match r.level.as_deref().map(|l| (l, Level::parse(l))) {
        Some((_, Some(level))) => Some(level),
        Some((word, None)) => {
            b.error(
                "E031",
                location,
                format!("unknown rating level `{}`", word.escape_debug()),
            )
            .help = Some("a level is critical, high, medium, low or none".into());
            return None;
        }
        None => None,
    };
    let mut basis = refs.basis_at(b, r.basis.iter().map(|id| (id.as_str(), location.clone())).collect());
    let text = |markdown: &str| Text {
        markdown: markdown.to_string(),
        location: location.clone(),
    };
    let Some(risk_id) = &r.risk else {
        let Some(level) = stated else {
            b.error(
                "E037",
                location.clone(),
                format!("the rating in column `{column}` has no level"),
            )
            .help =
                Some("write level = \"…\" with its basis, or risk = \"…\" to take both from content/risks.toml".into());
            return None;
        };
        if r.basis.is_empty() {
            no_basis(b, location.clone(), format!("the rating in column `{column}`"));
        }
        return Some(Cell::Rating {
            level,
            text: text(&r.text),
            basis,
            risk: None,
        });
    };
    let risk = refs.risk(b, location.clone(), risk_id)?;
    let platform = match &r.platform {
        Some(p) => b.platform(location.clone(), p, "unknown platform")?,
        None => match risk.ratings.keys().collect::<Vec<_>>()[..] {
            [only] => *only,
            _ => {
                b.error(
                    "E037",
                    location,
                    format!("risk `{}` is rated on several platforms: say which one", risk.id),
                )
                .help = Some("add platform = \"…\" to the cell".into());
                return None;
            }
        },
    };
    let Some(rating) = risk.ratings.get(&platform) else {
        b.error(
            "E046",
            location,
            format!("risk `{}` has no rating for platform `{}`", risk.id, platform.id()),
        )
        .help = Some("rate it under [risk.rating] in content/risks.toml".into());
        return None;
    };
    if let Some(level) = stated
        && level != rating.level
    {
        b.error(
            "E047",
            location.clone(),
            format!(
                "level `{}` differs from `{}`, the rating of risk `{}` on `{}`",
                level.id(),
                rating.level.id(),
                risk.id,
                platform.id()
            ),
        )
        .help = Some("drop level = …: the cell takes it from content/risks.toml".into());
    }
    merge_basis(&mut basis, &rating.basis);
    let words = if r.text.trim().is_empty() {
        &rating.note
    } else {
        &r.text
    };
    Some(Cell::Rating {
        level: rating.level,
        text: text(words),
        basis,
        risk: Some(risk.id.clone()),
    })
}

fn build_checklists(b: &mut Builder, loaded: Vec<Loaded<load::RawChecklist>>) -> BTreeMap<ChecklistId, Checklist> {
    let mut checklists = BTreeMap::new();
    for file in loaded {
        let raw = &file.raw;
        let stem = file
            .source
            .rel
            .trim_start_matches("checklists/")
            .trim_end_matches(".toml");
        let id = raw.id.get_ref();
        if !b.check_id(id, file.at(raw.id.span()), "checklist id") {
            continue;
        }
        if id != stem {
            b.error(
                "E038",
                file.at(raw.id.span()),
                format!("checklist id `{id}` differs from its file name `{stem}`"),
            );
            continue;
        }
        let kind = match raw.kind.as_ref().map(|k| k.get_ref().as_str()) {
            Some("predeploy") => ChecklistKind::Predeploy,
            Some("recovery") => ChecklistKind::Recovery,
            None => ChecklistKind::Other,
            Some(other) => {
                let span = raw.kind.as_ref().map_or(0..0, |k| k.span());
                b.error(
                    "E031",
                    file.at(span),
                    format!("unknown checklist kind `{}`", other.escape_debug()),
                )
                .help = Some("a checklist kind is predeploy or recovery".into());
                ChecklistKind::Other
            }
        };
        let platforms = b.platforms(&file, &raw.platforms);
        let mut seen: BTreeMap<String, Location> = BTreeMap::new();
        let mut groups = Vec::new();
        for g in &raw.group {
            let mut items = Vec::new();
            for it in &g.item {
                let location = file.at(it.id.span());
                if !b.check_id(it.id.get_ref(), location.clone(), "item id") {
                    continue;
                }
                if let Some(first) = seen.get(it.id.get_ref()) {
                    b.error(
                        "E035",
                        location.clone(),
                        format!("duplicate item id `{}` in checklist `{id}`", it.id.get_ref()),
                    )
                    .help = Some(format!(
                        "first used at {first}; item ids keep saved progress, so each must be unique"
                    ));
                    continue;
                }
                seen.insert(it.id.get_ref().clone(), location.clone());
                let mut steps = Vec::new();
                let mut step_ids = BTreeSet::new();
                for s in &it.step {
                    let at = file.at(s.id.span());
                    if !b.check_id(s.id.get_ref(), at.clone(), "step id") {
                        continue;
                    }
                    if !step_ids.insert(s.id.get_ref().clone()) {
                        b.error(
                            "E035",
                            at.clone(),
                            format!("duplicate step id `{}` in item `{}`", s.id.get_ref(), it.id.get_ref()),
                        );
                        continue;
                    }
                    steps.push(Step {
                        id: StepId(s.id.get_ref().clone()),
                        text: Builder::text(&file, s.text.get_ref(), s.text.span()),
                        audits: b.audits(&file, &s.audit),
                    });
                }
                let item_platforms = b.platforms(&file, &it.platforms);
                items.push(Item {
                    id: ItemId(it.id.get_ref().clone()),
                    text: Builder::text(&file, it.text.get_ref(), it.text.span()),
                    detail: Builder::text(&file, it.detail.get_ref(), it.detail.span()),
                    code: it.code.clone(),
                    platforms: item_platforms,
                    steps,
                    audits: b.audits(&file, &it.audit),
                });
            }
            if items.is_empty() {
                b.problems.push(Diagnostic::warning(
                    "W031",
                    file.at(g.title.span()),
                    "checklist group has no items",
                ));
            }
            groups.push(Group {
                title: g.title.get_ref().clone(),
                items,
            });
        }
        if seen.is_empty() {
            b.error("E036", file.at(raw.id.span()), format!("checklist `{id}` has no items"));
        }
        let id = ChecklistId(id.clone());
        let route = Route::new(&format!("{}{}", routes::CHECKLISTS, id));
        let intro = Builder::text(&file, raw.intro.get_ref(), raw.intro.span());
        checklists.insert(
            id.clone(),
            Checklist {
                id,
                route,
                path: file.source.path.clone(),
                title: raw.title.clone(),
                kind,
                platforms,
                intro,
                ordered: raw.ordered,
                groups,
            },
        );
    }
    checklists
}

/// The declared platforms, in file order. A list outside [`PLATFORM_COUNT`] is reported but
/// kept, so references to its platforms are still checked.
fn build_platforms(b: &mut Builder, file: Loaded<load::RawPlatforms>) -> Vec<PlatformDecl> {
    let raw = &file.raw.platform;
    let mut declared: Vec<PlatformDecl> = Vec::new();
    for (n, decl) in raw.get_ref().iter().enumerate() {
        let location = file.at(decl.id.span());
        let id = decl.id.get_ref();
        if !b.check_id(id, location.clone(), "platform id") {
            continue;
        }
        if let Some(first) = raw.get_ref()[..n].iter().find(|d| d.id.get_ref() == id) {
            b.error("E035", location, format!("duplicate platform id `{id}`")).help =
                Some(format!("first used at {}", file.at(first.id.span())));
            continue;
        }
        for (field, value) in [("name", &decl.name), ("short", &decl.short)] {
            if value.trim().is_empty() {
                b.error(
                    "E034",
                    location.clone(),
                    format!("platform `{id}`: {field} must not be empty"),
                );
            }
        }
        declared.push(PlatformDecl {
            platform: Platform::new(declared.len(), id),
            name: decl.name.clone(),
            short: decl.short.clone(),
        });
    }
    if !PLATFORM_COUNT.contains(&raw.get_ref().len()) {
        b.error(
            "E066",
            file.at(raw.span()),
            format!(
                "{} [[platform]] tables; a guide compares {} to {} platforms",
                raw.get_ref().len(),
                PLATFORM_COUNT.start(),
                PLATFORM_COUNT.end()
            ),
        )
        .help = Some(if raw.get_ref().len() < *PLATFORM_COUNT.start() {
            "add a [[platform]] table with id, name and short for each platform compared".into()
        } else {
            "compare fewer platforms in one guide".into()
        });
    }
    declared
}

fn build_questionnaire(
    b: &mut Builder,
    file: Loaded<load::RawQuestionnaire>,
    pages: &[Page],
    checklists: &BTreeMap<ChecklistId, Checklist>,
) -> Option<Questionnaire> {
    let raw = &file.raw;
    let before = b.problems.error_count();
    let parse_platform =
        |b: &mut Builder, s: &Spanned<String>| b.platform(file.at(s.span()), s.get_ref(), "unknown platform");
    let all = b.all_platforms();
    let link = |s: &Spanned<String>| LinkRef {
        target: s.get_ref().clone(),
        location: file.at(s.span()),
    };

    let mut tie_break = Vec::new();
    for s in raw.tie_break.get_ref() {
        if let Some(p) = parse_platform(b, s) {
            if tie_break.contains(&p) {
                b.error(
                    "E035",
                    file.at(s.span()),
                    format!("platform `{}` appears twice in tie_break", p.id()),
                );
            }
            tie_break.push(p);
        }
    }
    if all.iter().any(|p| !tie_break.contains(p)) {
        let ids: Vec<&str> = all.iter().map(|p| p.id()).collect();
        b.error(
            "E039",
            file.at(raw.tie_break.span()),
            format!("tie_break must name every platform once: {}", ids.join(", ")),
        );
    }
    let close_call_gap = *raw.close_call_gap.get_ref();
    if !(0..=1000).contains(&close_call_gap) {
        b.error(
            "E039",
            file.at(raw.close_call_gap.span()),
            "close_call_gap must be between 0 and 1000",
        );
    }
    let min_score = raw.min_score.as_ref().map(|m| *m.get_ref());
    if let Some(m) = &raw.min_score
        && !(-1000..=1000).contains(m.get_ref())
    {
        b.error("E039", file.at(m.span()), "min_score must be between -1000 and 1000");
    }

    let mut platforms = Vec::new();
    for (key, info) in raw.platform.get_ref() {
        let Some(platform) = b.platform(file.at(raw.platform.span()), key, "unknown platform section") else {
            continue;
        };
        let name = b
            .declared
            .iter()
            .find(|d| d.platform == platform)
            .map_or_else(String::new, |d| d.name.clone());
        let mut lists = Vec::new();
        for c in &info.checklists {
            let id = ChecklistId(c.get_ref().clone());
            if checklists.contains_key(&id) {
                lists.push(id);
            } else {
                b.error(
                    "E040",
                    file.at(c.span()),
                    format!(
                        "platform `{key}` names a missing checklist `{}`",
                        c.get_ref().escape_debug()
                    ),
                );
            }
        }
        let cost = info.cost.as_ref().and_then(|c| {
            let (min, max) = (c.get_ref().min, c.get_ref().max);
            if (0..=100_000).contains(&min) && (min..=100_000).contains(&max) {
                Some(Cost { min, max })
            } else {
                b.error(
                    "E039",
                    file.at(c.span()),
                    format!("platform `{key}`: a cost needs 0 <= min <= max <= 100000"),
                );
                None
            }
        });
        platforms.push(PlatformInfo {
            platform,
            name,
            page: link(&info.page),
            checklists: lists,
            cost,
        });
    }
    for p in all.iter().copied() {
        if !platforms.iter().any(|i| i.platform == p) {
            b.error(
                "E039",
                file.at(raw.platform.span()),
                format!("[platform.{}] is missing", p.id()),
            );
        }
    }
    platforms.sort_by_key(|p| p.platform);

    let mut questions = Vec::new();
    let mut question_ids = BTreeSet::new();
    for q in &raw.question {
        let qloc = file.at(q.id.span());
        if !b.check_id(q.id.get_ref(), qloc.clone(), "question id") {
            continue;
        }
        if !question_ids.insert(q.id.get_ref().clone()) {
            b.error(
                "E035",
                qloc.clone(),
                format!("duplicate question id `{}`", q.id.get_ref()),
            );
            continue;
        }
        let mut options = Vec::new();
        let mut option_ids = BTreeSet::new();
        for o in &q.option {
            let oloc = file.at(o.id.span());
            if !b.check_id(o.id.get_ref(), oloc.clone(), "option id") {
                continue;
            }
            if !option_ids.insert(o.id.get_ref().clone()) {
                b.error(
                    "E035",
                    oloc.clone(),
                    format!(
                        "duplicate option id `{}` in question `{}`",
                        o.id.get_ref(),
                        q.id.get_ref()
                    ),
                );
                continue;
            }
            let mut effects = BTreeMap::new();
            for (key, value) in o.effects.get_ref() {
                let Some(platform) = b.platform(file.at(o.effects.span()), key, "effect on unknown platform") else {
                    continue;
                };
                let effect = match value.get_ref() {
                    RawEffect::Delta(0) => continue,
                    // A range, not `abs()`: the smallest i64 has no absolute value.
                    RawEffect::Delta(n) if (-1000..=1000).contains(n) => Effect::Delta(*n),
                    RawEffect::Delta(_) => {
                        b.error(
                            "E039",
                            file.at(value.span()),
                            "an effect must be between -1000 and 1000",
                        );
                        continue;
                    }
                    RawEffect::Word(w) if w == "exclude" => Effect::EXCLUDE,
                    RawEffect::Word(w) => {
                        b.error(
                            "E031",
                            file.at(value.span()),
                            format!("unknown effect `{}`", w.escape_debug()),
                        )
                        .help = Some("an effect is a whole number or \"exclude\"".into());
                        continue;
                    }
                };
                effects.insert(platform, effect);
            }
            let mut reasons = Vec::new();
            for r in &o.reasons {
                let Some(platform) = parse_platform(b, &r.platform) else {
                    continue;
                };
                if !effects.contains_key(&platform) {
                    b.problems.push(Diagnostic::warning(
                        "W032",
                        file.at(r.platform.span()),
                        format!(
                            "reason for `{}` but option `{}` has no effect on it",
                            platform.id(),
                            o.id.get_ref()
                        ),
                    ));
                }
                reasons.push(Reason {
                    platform,
                    text: r.text.clone(),
                    link: link(&r.link),
                });
            }
            for platform in effects.keys() {
                if !reasons.iter().any(|r| r.platform == *platform) {
                    b.error(
                        "E041",
                        oloc.clone(),
                        format!(
                            "option `{}` changes `{}` but gives no reason for it",
                            o.id.get_ref(),
                            platform.id()
                        ),
                    )
                    .help = Some(format!(
                        "add {{ platform = \"{}\", text = \"…\", link = \"/…/\" }} to reasons",
                        platform.id()
                    ));
                }
            }
            let mut follow_up = Vec::new();
            for f in &o.follow_up {
                let platform = f.platform.as_ref().and_then(|p| parse_platform(b, p));
                let item_link = f
                    .item
                    .as_ref()
                    .and_then(|item| checklist_item_link(b, &file, item, platform, (checklists, &all)));
                if f.item.is_some() && f.link.is_some() {
                    b.error(
                        "E039",
                        file.at(f.text.span()),
                        "a follow-up names a checklist `item` or a `link`, not both",
                    );
                }
                follow_up.push(FollowUp {
                    text: f.text.get_ref().clone(),
                    link: item_link.or_else(|| f.link.as_ref().map(link)),
                    item: f.item.as_ref().map(|i| i.get_ref().clone()),
                    platform,
                    fix_first: f.fix_first,
                });
            }
            let max_monthly_usd = o.max_monthly_usd.as_ref().map(|m| *m.get_ref());
            if let Some(m) = &o.max_monthly_usd {
                let ids = (q.id.get_ref().as_str(), o.id.get_ref().as_str());
                check_budget(b, file.at(m.span()), ids, *m.get_ref(), &effects, &platforms);
            }
            options.push(AnswerOption {
                id: OptionId(o.id.get_ref().clone()),
                label: o.label.clone(),
                effects,
                reasons,
                follow_up,
                max_monthly_usd,
            });
        }
        if options.len() < 2 {
            b.error(
                "E036",
                qloc.clone(),
                format!("question `{}` needs at least two options", q.id.get_ref()),
            );
        }
        questions.push(Question {
            id: QuestionId(q.id.get_ref().clone()),
            prompt: q.prompt.clone(),
            help: q.help.clone(),
            optional: q.optional,
            options,
        });
    }
    if questions.is_empty() {
        b.error(
            "E036",
            Location::at(&file.source.path, 1, 1),
            "the questionnaire has no questions",
        );
    }

    let mut personas = Vec::new();
    let mut persona_ids = BTreeSet::new();
    for p in &raw.persona {
        let ploc = file.at(p.id.span());
        if !b.check_id(p.id.get_ref(), ploc.clone(), "persona id") {
            continue;
        }
        if !persona_ids.insert(p.id.get_ref().clone()) {
            b.error(
                "E035",
                ploc.clone(),
                format!("duplicate persona id `{}`", p.id.get_ref()),
            );
            continue;
        }
        for key in p.answers.get_ref().keys() {
            if !questions.iter().any(|q| q.id.as_str() == key) {
                b.error(
                    "E040",
                    file.at(p.answers.span()),
                    format!(
                        "persona `{}` answers a missing question `{}`",
                        p.id.get_ref(),
                        key.escape_debug()
                    ),
                );
            }
        }
        let mut answers = Vec::new();
        for q in &questions {
            match p.answers.get_ref().get(q.id.as_str()) {
                Some(answer) => match q.options.iter().position(|o| o.id.as_str() == answer.get_ref()) {
                    Some(i) => answers.push(i),
                    None => {
                        b.error(
                            "E040",
                            file.at(answer.span()),
                            format!(
                                "question `{}` has no option `{}`",
                                q.id,
                                answer.get_ref().escape_debug()
                            ),
                        )
                        .help = Some(format!(
                            "options: {}",
                            q.options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>().join(", ")
                        ));
                    }
                },
                None => {
                    b.error(
                        "E040",
                        file.at(p.answers.span()),
                        format!("persona `{}` does not answer question `{}`", p.id.get_ref(), q.id),
                    );
                }
            }
        }
        let expect = if p.expect.get_ref() == "none" {
            None
        } else {
            let Some(platform) = parse_platform(b, &p.expect) else {
                continue;
            };
            Some(platform)
        };
        personas.push(Persona {
            id: PersonaId(p.id.get_ref().clone()),
            name: p.name.clone(),
            summary: p.summary.clone(),
            answers,
            expect,
            location: ploc,
        });
    }
    check_link_coverage(b, &questions, pages, checklists, &all);
    let intro = Builder::text(&file, raw.intro.get_ref(), raw.intro.span());
    // Outside the declared range (already E066), the audit's per-platform masks do not apply.
    if b.problems.error_count() > before || !PLATFORM_COUNT.contains(&all.len()) {
        return None;
    }
    Some(Questionnaire {
        path: file.source.path.clone(),
        title: raw.title.clone(),
        intro,
        tie_break,
        close_call_gap,
        min_score,
        costs_link: raw.costs_link.as_ref().map(link),
        platforms,
        questions,
        personas,
    })
}

/// The link to a follow-up's checklist item (`checklist-id/item-id`), after checking that the
/// item exists and that its checklist applies to the follow-up's platform.
fn checklist_item_link(
    b: &mut Builder,
    file: &Loaded<load::RawQuestionnaire>,
    item: &Spanned<String>,
    platform: Option<Platform>,
    (checklists, all): (&BTreeMap<ChecklistId, Checklist>, &[Platform]),
) -> Option<LinkRef> {
    let at = file.at(item.span());
    let Some((cid, iid)) = item.get_ref().split_once('/') else {
        b.error(
            "E039",
            at,
            format!(
                "follow-up item `{}` is not `checklist-id/item-id`",
                item.get_ref().escape_debug()
            ),
        );
        return None;
    };
    let Some(list) = checklists.get(&ChecklistId(cid.to_string())) else {
        b.error(
            "E040",
            at,
            format!("follow-up names a missing checklist `{}`", cid.escape_debug()),
        );
        return None;
    };
    if !list.items().any(|i| i.id.as_str() == iid) {
        b.error(
            "E040",
            at,
            format!("checklist `{cid}` has no item `{}`", iid.escape_debug()),
        );
        return None;
    }
    match platform {
        Some(p) if !list.platforms.is_empty() && !list.platforms.contains(&p) => {
            b.error(
                "E063",
                at,
                format!(
                    "follow-up for `{}` names checklist `{cid}`, which does not cover `{}`",
                    p.id(),
                    p.id()
                ),
            );
            None
        }
        None if !list.platforms.is_empty() && all.iter().any(|p| !list.platforms.contains(p)) => {
            b.error(
                "E063",
                at,
                format!("a follow-up for every platform names checklist `{cid}`, which does not cover them all"),
            )
            .help = Some("give the follow-up a `platform`, one follow-up per platform".into());
            None
        }
        _ => Some(LinkRef {
            target: format!("{}{}/#{iid}", routes::CHECKLISTS, cid),
            location: file.at(item.span()),
        }),
    }
}

/// A budget answer's effects must follow from the platforms' monthly costs: a platform whose
/// cheapest setup costs more than the budget is excluded, one that fits only in its cheaper
/// setups loses points, one that always fits is left alone.
fn check_budget(
    b: &mut Builder,
    at: Location,
    (question, option): (&str, &str),
    budget: i64,
    effects: &BTreeMap<Platform, Effect>,
    platforms: &[PlatformInfo],
) {
    for info in platforms {
        let Some(cost) = info.cost else { continue };
        let effect = effects.get(&info.platform).copied();
        let (fits, want) = if cost.min > budget {
            (effect.is_some_and(Effect::is_exclude), "\"exclude\"")
        } else if cost.max > budget {
            (matches!(effect, Some(Effect::Delta(n)) if n < 0), "a negative effect")
        } else {
            (effect.is_none(), "no effect")
        };
        if !fits {
            let p = info.platform.id();
            b.error(
                "E065",
                at.clone(),
                format!(
                    "option `{option}` of `{question}` allows ${budget} a month and `{p}` costs ${}-${}: it needs {want} on `{p}`",
                    cost.min, cost.max
                ),
            );
        }
    }
}

/// Every questionnaire reason, and every follow-up for one platform, must link to a page (or
/// checklist) whose `platforms` include that platform; a follow-up for every platform, to one
/// that covers them all. Otherwise a reader following the reason lands on another platform's
/// advice.
fn check_link_coverage(
    b: &mut Builder,
    questions: &[Question],
    pages: &[Page],
    checklists: &BTreeMap<ChecklistId, Checklist>,
    all: &[Platform],
) {
    let covers = |target: &str| -> Option<&[Platform]> {
        let path = target.split(['#', '?']).next().unwrap_or("");
        let route = Route::new(path);
        pages
            .iter()
            .find(|p| p.route == route)
            .map(|p| p.platforms.as_slice())
            .or_else(|| {
                // A checklist without `platforms` applies to every platform.
                checklists.values().find(|c| c.route == route).map(|c| {
                    if c.platforms.is_empty() {
                        all
                    } else {
                        c.platforms.as_slice()
                    }
                })
            })
    };
    let check = |b: &mut Builder, link: &LinkRef, platform: Option<Platform>, what: &str| {
        if !link.target.starts_with('/') {
            return;
        }
        // A link to a missing page is reported by link resolution (E042), not here.
        let Some(covered) = covers(&link.target) else {
            return;
        };
        let ok = match platform {
            Some(p) => covered.contains(&p),
            None => all.iter().all(|p| covered.contains(p)),
        };
        if !ok {
            let wanted = platform.map_or("every platform".to_string(), |p| format!("`{}`", p.id()));
            let listed: Vec<&str> = covered.iter().map(|p| p.id()).collect();
            b.error(
                "E063",
                link.location.clone(),
                format!(
                    "{what} for {wanted} links to `{}`, a page about {}",
                    link.target,
                    if listed.is_empty() {
                        "no platform".to_string()
                    } else {
                        listed.join(", ")
                    }
                ),
            )
            .help =
                Some("link to the section of the guide about that platform (its page's `platforms` list it)".into());
        }
    };
    for question in questions {
        for option in &question.options {
            for r in &option.reasons {
                check(b, &r.link, Some(r.platform), "a reason");
            }
            for f in option.follow_up.iter().filter(|f| f.item.is_none()) {
                if let Some(link) = &f.link {
                    check(b, link, f.platform, "a follow-up");
                }
            }
        }
    }
}

/// Anchors each route offers, collected after Markdown headings are known.
pub type AnchorIndex = BTreeMap<Route, BTreeSet<String>>;

/// Resolves site-absolute links (`/risks/exposure/#anchor`) against the built site's routes and anchors.
pub struct LinkResolver<'a> {
    pub routes: &'a BTreeSet<Route>,
    /// Routes whose anchors cannot be checked (their file failed to load).
    pub unchecked: &'a BTreeSet<Route>,
    pub anchors: &'a AnchorIndex,
    pub static_files: &'a BTreeSet<String>,
}

/// What a link turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A page of the site: route and optional anchor.
    Internal { route: Route, anchor: Option<String> },
    /// A file copied from `static/` (path without leading `/`).
    Static(String),
    /// An http, https or mailto URL.
    External(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkError {
    Scheme(String),
    MissingRoute(String),
    MissingAnchor { route: String, anchor: String },
    Malformed(&'static str),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Scheme(s) => write!(f, "link scheme `{}:` is not allowed", s.escape_debug()),
            LinkError::MissingRoute(r) => {
                write!(f, "link to a missing page `{}`", r.escape_debug())
            }
            LinkError::MissingAnchor { route, anchor } => {
                write!(
                    f,
                    "link to a missing anchor `#{}` on {}",
                    anchor.escape_debug(),
                    route.escape_debug()
                )
            }
            LinkError::Malformed(why) => write!(f, "malformed link: {why}"),
        }
    }
}

/// The URL scheme of `url` as a browser would read it (case, whitespace and control characters ignored).
pub fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    if cleaned[end..].starts_with(':') && end > 0 {
        Some(cleaned[..end].to_ascii_lowercase())
    } else {
        None
    }
}

impl LinkResolver<'_> {
    /// Resolves `url` written on the page at `from`.
    pub fn resolve(&self, from: &Route, url: &str) -> Result<Resolved, LinkError> {
        if url.chars().any(|c| c.is_control()) {
            return Err(LinkError::Malformed("control characters"));
        }
        if let Some(scheme) = scheme_of(url) {
            return match scheme.as_str() {
                "http" | "https"
                    if url.starts_with(&format!("{scheme}://"))
                        || url.to_ascii_lowercase().starts_with(&format!("{scheme}://")) =>
                {
                    Ok(Resolved::External(url.to_string()))
                }
                "mailto" if url.to_ascii_lowercase().starts_with("mailto:") => Ok(Resolved::External(url.to_string())),
                _ => Err(LinkError::Scheme(scheme)),
            };
        }
        if url.starts_with("//") || url.starts_with("\\\\") || url.starts_with("/\\") {
            return Err(LinkError::Malformed("links to another host need http:// or https://"));
        }
        if url.contains('\\') {
            return Err(LinkError::Malformed("backslashes"));
        }
        let (path, anchor) = match url.split_once('#') {
            Some((p, a)) => (p, Some(a.to_string())),
            None => (url, None),
        };
        if path.contains('?') {
            return Err(LinkError::Malformed(
                "query strings are not supported on internal links",
            ));
        }
        let absolute = if path.is_empty() {
            from.as_str().to_string()
        } else if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}{}", from.as_str(), path)
        };
        let normalized = normalize(&absolute).ok_or(LinkError::Malformed("the path climbs above the site root"))?;
        let last = normalized.rsplit('/').next().unwrap_or("");
        if last.contains('.') {
            let file = normalized.trim_start_matches('/').to_string();
            return if self.static_files.contains(&file) {
                Ok(Resolved::Static(file))
            } else {
                Err(LinkError::MissingRoute(normalized))
            };
        }
        let route = Route::new(&normalized);
        if !self.routes.contains(&route) {
            return Err(LinkError::MissingRoute(route.to_string()));
        }
        if let Some(anchor) = &anchor {
            let known =
                self.unchecked.contains(&route) || self.anchors.get(&route).is_some_and(|set| set.contains(anchor));
            if !known && !anchor.is_empty() {
                return Err(LinkError::MissingAnchor {
                    route: route.to_string(),
                    anchor: anchor.clone(),
                });
            }
        }
        Ok(Resolved::Internal {
            route,
            anchor: anchor.filter(|a| !a.is_empty()),
        })
    }

    /// Resolves and turns the link into a URL relative to `from`, ready for an `href`.
    pub fn href(&self, from: &Route, url: &str) -> Result<String, LinkError> {
        Ok(match self.resolve(from, url)? {
            Resolved::External(url) => url,
            Resolved::Static(file) => from.relative_to(&file),
            Resolved::Internal { route, anchor } => {
                let mut href = if &route == from && anchor.is_some() {
                    String::new()
                } else {
                    from.relative_to(route.as_str().trim_start_matches('/'))
                };
                if let Some(anchor) = anchor {
                    href.push('#');
                    href.push_str(&anchor);
                }
                href
            }
        })
    }
}

/// Resolves `.` and `..` segments; `None` when the path would leave the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let trailing = path.ends_with('/') && !parts.is_empty();
    let mut out = format!("/{}", parts.join("/"));
    if trailing {
        out.push('/');
    }
    Some(out)
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
