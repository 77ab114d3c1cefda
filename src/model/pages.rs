//! Routes, pages and the navigation built from their places under `content/`.

use super::*;

/// A site-absolute route such as `/risks/exposure/`; always starts and ends with `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Route(pub(super) String);

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

/// The route of a page from its path under `content/`, if the path is valid.
pub(super) fn page_route(rel: &str) -> Option<Route> {
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

pub(super) fn build_pages(b: &mut Builder, loaded: Vec<Loaded<load::RawPage>>, refs: &Registry) -> Vec<Page> {
    loaded
        .into_iter()
        .filter_map(|file| build_page(b, file, refs))
        .collect()
}

type PageFile = Loaded<load::RawPage>;

/// One page from its file: route and section from its path, the rest from its front matter.
fn build_page(b: &mut Builder, file: PageFile, refs: &Registry) -> Option<Page> {
    let rel = file.source.rel.trim_end_matches(".md");
    let segments = path_segments(b, &file, rel)?;
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
            b.unknown(
                at(s.span()),
                "severity",
                s.get_ref(),
                "severity is critical, high, medium or low",
            );
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
    let (risks, from_risks) = page_risks(b, refs, &file, &platforms, &mut basis);
    check_stated_severity(b, &file, severity, from_risks);
    let severity = severity.or(from_risks);
    Some(Page {
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
    })
}

/// The page path's segments under `content/`; each must be a valid name.
fn path_segments<'a>(b: &mut Builder, file: &PageFile, rel: &'a str) -> Option<Vec<&'a str>> {
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
        return None;
    }
    Some(segments)
}

/// The page's risks, each rated on one of its platforms; their basis joins the page's, and the
/// worst of their levels is returned with them.
fn page_risks(
    b: &mut Builder,
    refs: &Registry,
    file: &PageFile,
    platforms: &[Platform],
    basis: &mut Vec<Basis>,
) -> (Vec<RiskId>, Option<Level>) {
    let front = &file.raw.front;
    let offset = file.raw.front_offset;
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
            .help = Some("rate it for the page's platforms in content/risks.toml, or fix the page's platforms".into());
        }
        // A page about several platforms takes each risk's worst level; a page about
        // some of them, the worst on those.
        for (platform, rating) in &risk.ratings {
            if platforms.is_empty() || platforms.contains(platform) {
                merge_basis(basis, &rating.basis);
                if rating.level != Level::None {
                    from_risks = Some(from_risks.map_or(rating.level, |l| l.min(rating.level)));
                }
            }
        }
        risks.push(risk.id.clone());
    }
    (risks, from_risks)
}

/// A severity written in front matter must agree with the page's risks, or have a basis.
fn check_stated_severity(b: &mut Builder, file: &PageFile, severity: Option<Level>, from_risks: Option<Level>) {
    let front = &file.raw.front;
    let at = |span: std::ops::Range<usize>| file.at_offset(file.raw.front_offset + span.start);
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
}

/// Top-level sections in weight order: a section is a directory with an `index.md`, or a top-level page.
pub(super) fn build_nav(pages: &[Page]) -> Vec<(usize, Vec<usize>)> {
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
