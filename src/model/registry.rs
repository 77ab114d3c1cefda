//! The sources and risks registries that pages and tables cite.

use super::*;

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

/// The sources and risks that pages and tables refer to, by id.
#[derive(Default)]
pub(super) struct Registry {
    pub(super) sources: BTreeMap<String, Basis>,
    pub(super) risks: BTreeMap<String, Risk>,
    pub(super) has_sources_file: bool,
    /// The file failed to load: references into it are not reported a second time.
    pub(super) sources_broken: bool,
    pub(super) risks_broken: bool,
}

impl Registry {
    /// The sources named in `ids`; unknown ones are reported.
    pub(super) fn basis<T>(
        &self,
        b: &mut Builder,
        file: &Loaded<T>,
        offset: usize,
        ids: &[Spanned<String>],
    ) -> Vec<Basis> {
        let located: Vec<(&str, Location)> = ids
            .iter()
            .map(|id| (id.get_ref().as_str(), file.at_offset(offset + id.span().start)))
            .collect();
        self.basis_at(b, located)
    }

    /// The sources named, each with where it is named; unknown ones are reported.
    pub(super) fn basis_at(&self, b: &mut Builder, ids: Vec<(&str, Location)>) -> Vec<Basis> {
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
    pub(super) fn risk(&self, b: &mut Builder, location: Location, id: &str) -> Option<&Risk> {
        let found = self.risks.get(id);
        if found.is_none() && !self.risks_broken {
            b.error("E046", location, format!("unknown risk `{}`", id.escape_debug()))
                .help = Some("risks are listed in content/risks.toml".into());
        }
        found
    }
}

pub(super) fn no_basis(b: &mut Builder, location: Location, what: String) {
    b.error("E045", location, format!("{what} has no basis"))
        .help = Some(
        "name the sources it rests on, e.g. basis = [\"source-id\"] (an id of content/sources.toml), or take the level from content/risks.toml with risk = \"…\""
            .into(),
    );
}

pub(super) fn build_sources(b: &mut Builder, file: Loaded<load::RawSources>) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    let mut ids = Ids::new("source id").pointing_to_first(None);
    for raw in &file.raw.source {
        let location = file.at(raw.id.span());
        if !ids.claim(b, raw.id.get_ref(), &location) {
            continue;
        }
        let word = raw.kind.get_ref();
        let help = "a source kind is source-section, upstream or assessment";
        let kind = SourceKind::parse(word);
        let Some(kind) = b.known(kind, file.at(raw.kind.span()), ("source kind", word), help) else {
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

pub(super) fn build_risks(b: &mut Builder, file: Loaded<load::RawRisks>, refs: &Registry) -> Vec<Risk> {
    let mut risks: Vec<Risk> = Vec::new();
    let mut ids = Ids::new("risk id");
    let link = |s: &Spanned<String>| LinkRef {
        target: s.get_ref().clone(),
        location: file.at(s.span()),
    };
    for raw in &file.raw.risk {
        let location = file.at(raw.id.span());
        if !ids.claim(b, raw.id.get_ref(), &location) {
            continue;
        }
        let mut ratings = BTreeMap::new();
        for (platform, rating) in raw.rating.get_ref() {
            let Some(p) = b.platform(file.at(rating.span()), platform, "unknown platform") else {
                continue;
            };
            let r = rating.get_ref();
            let (word, help) = (r.level.get_ref(), "a level is critical, high, medium, low or none");
            let level = b.known(
                Level::parse(word),
                file.at(r.level.span()),
                ("rating level", word),
                help,
            );
            let Some(level) = level else {
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
pub(super) fn warn_unused_sources(
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
