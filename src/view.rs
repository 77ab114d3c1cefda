//! View: the serde structs templates see — the template contract.
//!
//! Built from the model, rendered Markdown, compiled data and the asset manifest. Fields
//! ending in `_html` hold markup this crate produced (already escaped); every other string is
//! author text that the templates escape. No business rules, no I/O.

use crate::assets::{AssetManifest, Fingerprinted};
use crate::config::Config;
use crate::markdown::Heading;
use crate::model::{Level, Platform, Route};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub version: String,
    pub language: String,
    pub base_url: String,
    pub search: bool,
}

impl SiteView {
    pub fn new(config: &Config) -> Self {
        SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            version: config.version.clone(),
            language: config.language.clone(),
            base_url: config.base_url.clone(),
            search: config.search,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelView {
    pub id: &'static str,
    pub label: &'static str,
}

impl From<Level> for LevelView {
    fn from(level: Level) -> Self {
        LevelView {
            id: level.id(),
            label: level.label(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlatformView {
    pub id: &'static str,
    /// The declared `short` name on chips, the full `name` everywhere else.
    pub name: String,
}

impl PlatformView {
    pub fn new(platform: Platform, name: &str) -> Self {
        PlatformView {
            id: platform.id(),
            name: name.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkView {
    pub title: String,
    pub href: String,
    pub current: bool,
    pub description: String,
    pub severity: Option<LevelView>,
    pub platforms: Vec<PlatformView>,
}

/// A risk of the registry as the home page lists it: its worst level and its level per platform.
#[derive(Debug, Clone, Serialize)]
pub struct RiskCardView {
    pub title: String,
    pub href: String,
    pub summary: String,
    pub severity: LevelView,
    pub platforms: Vec<PlatformRatingView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlatformRatingView {
    pub id: &'static str,
    pub name: String,
    pub level: LevelView,
}

/// How many risks have this worst level.
#[derive(Debug, Clone, Serialize)]
pub struct RiskCountView {
    pub level: LevelView,
    pub count: usize,
}

/// An entry of the sidebar: `nav` lists one per section, in order.
#[derive(Debug, Clone, Serialize)]
pub struct NavSectionView {
    pub link: LinkView,
    pub open: bool,
    /// The links of an open section; none when closed.
    pub children: Vec<LinkView>,
    /// True for an entry standing for a group of sections (on a guide with more sections than
    /// one sidebar lists); it is never open.
    pub group: bool,
}

/// A section as `nav-section.html` sees it (as `section`): each child also has `html`.
#[derive(Debug, Clone, Serialize)]
pub struct NavSectionPart<'a> {
    pub link: &'a LinkView,
    pub open: bool,
    pub children: Vec<NavLinkView<'a>>,
    pub group: bool,
}

/// A link of an open sidebar section: its fields, and `html`, the link written by
/// `nav-link.html` (which sees it as `link`). The current page's link differs from the others
/// only there, so a section is written once for all the pages at one depth and each page swaps
/// in its own link.
#[derive(Debug, Clone, Serialize)]
pub struct NavLinkView<'a> {
    #[serde(flatten)]
    pub link: &'a LinkView,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetView {
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetsView {
    /// Stylesheets by entry name without `.css` (`main`, `checklist`).
    pub styles: BTreeMap<String, AssetView>,
    /// Scripts by file name without `.js` (`site`, `checklist`).
    pub scripts: BTreeMap<String, AssetView>,
    pub search_index: Option<AssetView>,
    pub favicon: Option<String>,
}

impl AssetsView {
    pub fn new(manifest: &AssetManifest, search_index: Option<&Fingerprinted>, from: &Route) -> Self {
        let view = |f: &Fingerprinted| AssetView {
            href: from.relative_to(&f.path),
        };
        AssetsView {
            styles: manifest
                .styles
                .iter()
                .map(|(name, f)| (name.trim_end_matches(".css").to_string(), view(f)))
                .collect(),
            scripts: manifest
                .scripts
                .iter()
                .map(|(name, f)| (name.trim_end_matches(".js").to_string(), view(f)))
                .collect(),
            search_index: search_index.map(view),
            favicon: manifest
                .files
                .iter()
                .find(|f| f.starts_with("favicon."))
                .map(|f| from.relative_to(f)),
        }
    }
}

/// One checklist as a card on the index, the plan and the home page.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistCardView {
    pub id: String,
    pub title: String,
    pub href: String,
    pub kind: String,
    pub platforms: Vec<PlatformView>,
    pub items: usize,
    /// The checklist's read-only audit script, relative to the page; empty when it has none.
    pub audit_href: String,
}

/// A checklist with its compiled markup.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistView {
    pub card: ChecklistCardView,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub id: String,
    pub label: String,
    /// Per platform: `+2`, `−1`, `excluded` or empty.
    pub effects: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub id: String,
    pub number: usize,
    /// Unanswered, it counts as neutral.
    pub optional: bool,
    pub prompt: String,
    pub help: String,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonaView {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub fragment: String,
    /// The expected recommendation; none when the persona expects no platform to fit yet.
    pub expect: Option<PlatformView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionnaireView {
    pub intro_html: String,
    pub questions: Vec<QuestionView>,
    pub personas: Vec<PersonaView>,
    pub platforms: Vec<PlatformView>,
    /// Per platform id: its monthly hosting cost, e.g. `$13–20 a month`.
    pub costs: BTreeMap<&'static str, String>,
    /// Below this score no platform fits yet.
    pub min_score: Option<i64>,
    /// The rules for the browser's evaluator, safe inside `<script type="application/json">`.
    pub rules_json: String,
}

/// One page of the whole-guide print view.
#[derive(Debug, Clone, Serialize)]
pub struct PrintSectionView {
    pub title: String,
    /// The section's number in the book: "3" for a chapter, "3.2" for a page within one.
    pub number: String,
    /// True for a chapter's first page, which starts a new sheet on paper.
    pub chapter: bool,
    pub anchor: String,
    pub severity: Option<LevelView>,
    pub html: String,
}

/// What every page has, whatever its kind: `base.html` reads only these (and the shared
/// `site`, `links`, `assets` and `strings`). Each kind's view adds its own fields beside them.
#[derive(Debug, Clone, Serialize)]
pub struct PageCore {
    /// Which template family: home, page, checklist, checklists, questionnaire, plan, print, print-checklists, not-found.
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub route: String,
    pub canonical: String,
    /// Relative path from this page to the site root (`../../`).
    pub root: String,
    /// True when the page shows a checklist (its own page, the printable checklists, the
    /// plan, a page that embeds one), so the checklist stylesheet and script are linked only
    /// where they are needed.
    pub shows_checklists: bool,
    /// The sidebar's sections as data, for templates that lay them out themselves.
    pub nav: Vec<NavSectionView>,
    /// The sidebar: every section written by `nav-section.html`.
    pub nav_html: String,
}

/// A page of the guide written in Markdown (`page.html`); its own HTML is given to the
/// template as `html`, moved in at render time rather than copied into the view.
#[derive(Debug, Clone, Serialize)]
pub struct ContentPage {
    #[serde(flatten)]
    pub core: PageCore,
    pub toc: Vec<Heading>,
    pub severity: Option<LevelView>,
    /// Markers linking the page's severity to the sources it rests on (HTML).
    pub severity_basis: String,
    pub reviewed: Option<String>,
    pub platforms: Vec<PlatformView>,
    /// The page's section, when it is not the section's own page.
    pub section: Option<LinkView>,
    pub prev: Option<LinkView>,
    pub next: Option<LinkView>,
    /// The page's list of the sources its ratings rest on (`id="sources"`), written after the
    /// page's own HTML; empty when it has no rating.
    pub sources_html: String,
    /// Ids of the checklists embedded in `html`.
    pub embedded_checklists: Vec<String>,
}

/// The guide's first page (`home.html`): a content page with the risk overview and the
/// checklists' cards.
#[derive(Debug, Clone, Serialize)]
pub struct Home {
    #[serde(flatten)]
    pub page: ContentPage,
    /// The registry's risks, worst first, then in guide order.
    pub risks: Vec<RiskCardView>,
    /// The count of risks per worst level, worst first, levels with none left out.
    pub risk_counts: Vec<RiskCountView>,
    /// Every checklist as a card (`html` empty).
    pub checklists: Vec<ChecklistView>,
}

/// The page of all sources, written with `page.html` as a content page with no rating,
/// contents or neighbours; `html` is the list of sources.
#[derive(Debug, Clone, Serialize)]
pub struct SourcesPage {
    #[serde(flatten)]
    pub page: ContentPage,
    pub html: String,
}

/// A checklist's own page (`checklist.html`).
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistPage {
    #[serde(flatten)]
    pub core: PageCore,
    pub checklist: ChecklistView,
}

/// A page of every checklist: the index (`checklists.html`), each as a card (`html` empty),
/// or all of them written out for printing (`print-checklists.html`).
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistsPage {
    #[serde(flatten)]
    pub core: PageCore,
    pub checklists: Vec<ChecklistView>,
}

/// The questionnaire (`questionnaire.html`).
#[derive(Debug, Clone, Serialize)]
pub struct Questionnaire {
    #[serde(flatten)]
    pub core: PageCore,
    pub questionnaire: QuestionnaireView,
}

/// The plan (`plan.html`): the questionnaire's data with the plan's rules, and every
/// checklist in its short form.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    #[serde(flatten)]
    pub core: PageCore,
    pub questionnaire: QuestionnaireView,
    pub checklists: Vec<ChecklistView>,
}

/// The whole guide on one page (`print.html`); its sections are given to the template as
/// `print_sections` at render time.
#[derive(Debug, Clone, Serialize)]
pub struct PrintGuide {
    #[serde(flatten)]
    pub core: PageCore,
    /// The date of the most recently reviewed page: the build has no clock.
    pub reviewed: Option<String>,
    /// Ids of the checklists embedded in any section.
    pub embedded_checklists: Vec<String>,
}

/// The page served for an unknown address (`not-found.html`).
#[derive(Debug, Clone, Serialize)]
pub struct NotFound {
    #[serde(flatten)]
    pub core: PageCore,
}

/// One page's view, of whichever kind: templates see the kind's fields as they are.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PageView {
    Content(ContentPage),
    Home(Home),
    Sources(SourcesPage),
    Checklist(ChecklistPage),
    ChecklistIndex(ChecklistsPage),
    PrintChecklists(ChecklistsPage),
    Questionnaire(Questionnaire),
    Plan(Plan),
    PrintGuide(PrintGuide),
    NotFound(NotFound),
}

impl PageView {
    pub fn core(&self) -> &PageCore {
        match self {
            PageView::Content(v) => &v.core,
            PageView::Home(v) => &v.page.core,
            PageView::Sources(v) => &v.page.core,
            PageView::Checklist(v) => &v.core,
            PageView::ChecklistIndex(v) => &v.core,
            PageView::PrintChecklists(v) => &v.core,
            PageView::Questionnaire(v) => &v.core,
            PageView::Plan(v) => &v.core,
            PageView::PrintGuide(v) => &v.core,
            PageView::NotFound(v) => &v.core,
        }
    }
}

/// Names every page had while one view served all kinds, which templates written then read
/// on any page (their `base.html` tested `checklist`, `checklists` and `embedded_checklists`
/// to decide on the checklist stylesheet). They stay defined, empty, under each page's own
/// fields, so those templates keep working; new templates read `shows_checklists`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EarlierNames {
    pub checklist: Option<ChecklistView>,
    pub checklists: Vec<ChecklistView>,
    pub embedded_checklists: Vec<String>,
}

/// What the pages at one depth share, converted for templates once: they see its fields
/// beside the page's own.
#[derive(Debug, Clone, Serialize)]
pub struct SharedView {
    #[serde(flatten)]
    pub earlier: EarlierNames,
    pub site: SiteView,
    pub links: SiteLinksView,
    pub assets: AssetsView,
}

/// Links to the generated pages, relative to the current page.
#[derive(Debug, Clone, Serialize)]
pub struct SiteLinksView {
    pub home: String,
    pub questionnaire: Option<String>,
    pub plan: Option<String>,
    pub checklists: String,
    pub print_checklists: String,
    pub print_guide: String,
    pub changelog: Option<String>,
    /// The page of all sources, when the guide has any.
    pub sources: Option<String>,
    pub compare: Option<String>,
}
