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
use serde_json::{Map, Value};
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

#[derive(Debug, Clone, Serialize)]
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

/// A section of the sidebar: `nav` lists one per section, in order.
#[derive(Debug, Clone, Serialize)]
pub struct NavSectionView {
    pub link: LinkView,
    pub open: bool,
    /// The links of an open section; none when closed.
    pub children: Vec<LinkView>,
}

/// A section as `nav-section.html` sees it (as `section`): each child also has `html`.
#[derive(Debug, Clone, Serialize)]
pub struct NavSectionPart<'a> {
    pub link: &'a LinkView,
    pub open: bool,
    pub children: Vec<NavLinkView<'a>>,
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
    /// Empty in offline builds: browsers refuse integrity-checked files from `file://` URLs.
    pub integrity: String,
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
    pub fn new(manifest: &AssetManifest, search_index: Option<&Fingerprinted>, from: &Route, offline: bool) -> Self {
        let view = |f: &Fingerprinted| AssetView {
            href: from.relative_to(&f.path),
            integrity: if offline { String::new() } else { f.integrity.clone() },
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
    pub expect: PlatformView,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionnaireView {
    pub intro_html: String,
    pub questions: Vec<QuestionView>,
    pub personas: Vec<PersonaView>,
    pub platforms: Vec<PlatformView>,
    /// The rules for the browser's evaluator, safe inside `<script type="application/json">`.
    pub rules_json: String,
}

/// The part of the questionnaire rules (see `compile::questionnaire_json`) that the plan page's
/// script reads: scoring, platform names and links, option labels and follow-up actions (left
/// out where there are none); not the prompts, the reasons or the personas, which only the
/// questionnaire page shows.
pub fn plan_rules(rules: &Value) -> Value {
    fn keep(value: &Value, keys: &[&str]) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(map) = value.as_object() {
            for key in keys {
                if let Some(v) = map.get(*key) {
                    out.insert((*key).to_string(), v.clone());
                }
            }
        }
        out
    }
    let mut out = keep(rules, &["tie_break", "close_call_gap"]);
    let platforms: Map<String, Value> = rules["platforms"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, p)| (id.clone(), Value::Object(keep(p, &["name", "href"]))))
        .collect();
    out.insert("platforms".into(), Value::Object(platforms));
    let questions: Vec<Value> = rules["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| {
            let mut question = keep(q, &["id"]);
            let options: Vec<Value> = q["options"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| {
                    let mut option = keep(o, &["id", "label", "effects", "follow_up"]);
                    if option
                        .get("follow_up")
                        .and_then(Value::as_array)
                        .is_some_and(Vec::is_empty)
                    {
                        option.remove("follow_up");
                    }
                    Value::Object(option)
                })
                .collect();
            question.insert("options".into(), Value::Array(options));
            Value::Object(question)
        })
        .collect();
    out.insert("questions".into(), Value::Array(questions));
    Value::Object(out)
}

/// One page of the whole-guide print view.
#[derive(Debug, Clone, Serialize)]
pub struct PrintSectionView {
    pub title: String,
    pub anchor: String,
    pub severity: Option<LevelView>,
    pub html: String,
}

/// Everything a template can see for one page.
#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    /// Which template family: home, page, checklist, checklists, questionnaire, plan, print, print-checklists, not-found.
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub route: String,
    pub canonical: String,
    /// Relative path from this page to the site root (`../../`).
    pub root: String,
    pub html: String,
    pub toc: Vec<Heading>,
    pub severity: Option<LevelView>,
    pub reviewed: Option<String>,
    pub platforms: Vec<PlatformView>,
    pub prev: Option<LinkView>,
    pub next: Option<LinkView>,
    pub section: Option<LinkView>,
    /// The sidebar's sections as data, for templates that lay them out themselves.
    pub nav: Vec<NavSectionView>,
    /// The sidebar: every section written by `nav-section.html`.
    pub nav_html: String,
    /// The home page's risks, worst first, then in guide order.
    pub risks: Vec<RiskCardView>,
    /// The home page's count of risks per worst level, worst first, levels with none left out.
    pub risk_counts: Vec<RiskCountView>,
    /// A content page's list of the sources its ratings rest on (`id="sources"`), written
    /// after the page's own HTML; empty when it has no rating.
    pub sources_html: String,
    /// Markers linking the page's severity to the sources it rests on (HTML).
    pub severity_basis: String,
    pub checklists: Vec<ChecklistView>,
    pub checklist: Option<ChecklistView>,
    /// Ids of the checklists embedded in `html` (for the printable guide: in any section), so a
    /// template links the checklist stylesheet and script only where they are needed.
    pub embedded_checklists: Vec<String>,
    pub questionnaire: Option<QuestionnaireView>,
    pub print_sections: Vec<PrintSectionView>,
}

/// What the pages at one depth share, converted for templates once: they see its fields
/// beside the page's own.
#[derive(Debug, Clone, Serialize)]
pub struct SharedView {
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
