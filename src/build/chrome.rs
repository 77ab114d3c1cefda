//! The sidebar and the links every page shares (`Chrome`): written once per depth, with
//! each page swapping in its own current link.

use crate::assets::{AssetManifest, Fingerprinted};
use crate::build::special::has_audits;
use crate::diagnostics::Diagnostic;
use crate::model::{self, Page, Route, Site, routes};
use crate::render::{Prepared, Templates};
use crate::view::*;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// The partial templates that write the sidebar: a section, and one link of an open section.
pub(crate) const NAV_SECTION_TEMPLATE: &str = "nav-section.html";
pub(crate) const NAV_LINK_TEMPLATE: &str = "nav-link.html";

/// The most sections one sidebar lists. A guide with more has its sections split into groups
/// of about equal size, none larger: a page's sidebar lists the sections of its own group and
/// one link for each other group, so it grows by one entry per hundred sections rather than by
/// one per section.
pub(crate) const SIDEBAR_SECTIONS: usize = 100;

/// The sidebar with every section closed, as the pages at one depth that list the same group
/// see it: each page puts its own open sections in place of the closed ones, so the closed ones
/// are written, and made into template values, once per depth and group rather than once per
/// page.
pub(crate) struct ClosedSidebar {
    /// Every entry written, one per line.
    html: String,
    /// Where each entry (by its place in the sidebar) lies in `html`.
    spans: Vec<Range<usize>>,
    /// Every entry as data: a list in sidebar order.
    data: Prepared,
    /// Each listed section's place in the sidebar, by its index into `site.nav`.
    place: HashMap<usize, usize>,
}

/// An open section as written for the pages at one depth, no child current, and where each
/// child's link lies in it: a page whose link is there swaps in its own current link instead
/// of writing the section again. The same goes for its data.
pub(crate) struct OpenSection {
    link: Prepared,
    children: Vec<Prepared>,
    html: String,
    /// `None` when the section template does not print each `child.html` once, in order; the
    /// section is then written whole for each page.
    links: Option<Vec<Range<usize>>>,
}

/// An open section (index into `site.nav`) as seen from the pages at one depth, and whether
/// its landing page is the page showing it.
pub(crate) type OpenAt = (usize, usize, bool);

/// One entry of a sidebar: a section (index into `site.nav`), or a group of sections (index
/// into [`Chrome`]'s groups) standing in one link for all of them.
#[derive(Clone, Copy)]
enum Entry {
    Section(usize),
    Group(usize),
}

/// Navigation, assets and links shared by every page view.
pub(crate) struct Chrome<'a> {
    site: &'a Site,
    manifest: &'a AssetManifest,
    pub(crate) templates: &'a Templates,
    search: Option<&'a Fingerprinted>,
    /// The first page at each route.
    page_at: HashMap<&'a Route, usize>,
    /// The navigation sections (indexes into `site.nav`) each route opens.
    opens: HashMap<&'a Route, Vec<usize>>,
    /// The sections with a landing page (indexes into `site.nav`), in sidebar order.
    order: Vec<usize>,
    /// `order` cut into the groups a sidebar lists one at a time (see [`SIDEBAR_SECTIONS`]).
    groups: Vec<Range<usize>>,
    /// Each navigation section's group, by its index into `site.nav`.
    group_of_section: Vec<Option<usize>>,
    /// The closed sidebar, written, by the depth of the page showing it and its group.
    closed: Mutex<HashMap<(usize, usize), Arc<ClosedSidebar>>>,
    open: Mutex<HashMap<OpenAt, Arc<OpenSection>>>,
    /// What the pages at one depth share, by depth.
    shared: Mutex<HashMap<usize, Prepared>>,
    /// The first error of the sidebar's templates.
    nav_error: Mutex<Option<Diagnostic>>,
}

impl<'a> Chrome<'a> {
    pub(crate) fn new(
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
        let order: Vec<usize> = (0..site.nav.len()).filter(|&k| section_of(site, k).is_some()).collect();
        let groups = sidebar_groups(order.len());
        let mut group_of_section = vec![None; site.nav.len()];
        for (g, places) in groups.iter().enumerate() {
            for &k in &order[places.clone()] {
                group_of_section[k] = Some(g);
            }
        }
        Chrome {
            site,
            manifest,
            templates,
            search,
            page_at,
            opens,
            order,
            groups,
            group_of_section,
            closed: Mutex::new(HashMap::new()),
            open: Mutex::new(HashMap::new()),
            shared: Mutex::new(HashMap::new()),
            nav_error: Mutex::new(None),
        }
    }

    /// The page at a route, if there is one.
    pub(crate) fn page_at(&self, route: &Route) -> Option<&'a Page> {
        self.page_at.get(route).and_then(|&i| self.site.pages.get(i))
    }

    /// The navigation sections a route opens (indexes into `site.nav`).
    pub(crate) fn opens(&self, route: &Route) -> &[usize] {
        self.opens.get(route).map_or(&[][..], Vec::as_slice)
    }

    /// The group whose sections the sidebar at `route` lists: that of the section the route
    /// opens (a page is in one section, its first directory's), or the first group.
    fn group_of(&self, route: &Route) -> usize {
        let group = |&k: &usize| self.group_of_section.get(k).copied().flatten();
        self.opens(route).iter().find_map(group).unwrap_or(0)
    }

    /// The sidebar's entries when it lists the sections of `group`: those sections, each
    /// other group as one entry where it falls.
    fn entries(&self, group: usize) -> Vec<Entry> {
        let mut entries = Vec::with_capacity(SIDEBAR_SECTIONS + self.groups.len());
        for (g, places) in self.groups.iter().enumerate() {
            if g == group {
                entries.extend(self.order[places.clone()].iter().map(|&k| Entry::Section(k)));
            } else {
                entries.push(Entry::Group(g));
            }
        }
        entries
    }

    /// The link standing for group `g`: to its first section, titled by its first and last.
    fn group_link(&self, g: usize, route: &Route) -> LinkView {
        let landing = |n: usize| {
            self.order
                .get(n)
                .and_then(|&k| section_of(self.site, k))
                .map(|(p, _)| p)
        };
        let places = self.groups.get(g).cloned().unwrap_or_default();
        let (Some(first), Some(last)) = (landing(places.start), landing(places.end.saturating_sub(1))) else {
            return LinkView::default();
        };
        let title = self.templates.strings().fill(
            "nav_group",
            &[("first", first.title.as_str()), ("last", last.title.as_str())],
        );
        LinkView {
            title,
            href: Self::href(route, &first.route),
            ..LinkView::default()
        }
    }

    /// A closed sidebar entry as seen from `route`.
    fn closed_entry(&self, entry: Entry, route: &Route) -> Option<NavSectionView> {
        let link = match entry {
            Entry::Section(k) => {
                let (landing, _) = section_of(self.site, k)?;
                self.link(landing, route)
            }
            Entry::Group(g) => self.group_link(g, route),
        };
        Some(NavSectionView {
            link,
            open: false,
            children: Vec::new(),
            group: matches!(entry, Entry::Group(_)),
        })
    }

    /// The pages of a section's children (indexes into `site.pages`).
    pub(crate) fn pages(&self, children: &'a [usize]) -> impl Iterator<Item = &'a Page> + 'a {
        let site = self.site;
        children.iter().filter_map(move |&c| site.pages.get(c))
    }

    /// Every entry of the sidebar as seen from `route`.
    pub(crate) fn nav_sections(&self, route: &Route) -> Vec<NavSectionView> {
        let opens = self.opens(route);
        self.entries(self.group_of(route))
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Section(k) if opens.contains(&k) => {
                    let (landing, children) = section_of(self.site, k)?;
                    Some(self.open_view(landing, children, route))
                }
                _ => self.closed_entry(entry, route),
            })
            .collect()
    }

    /// Section `landing` open, with its children's links, as seen from `route`.
    fn open_view(&self, landing: &Page, children: &'a [usize], route: &Route) -> NavSectionView {
        NavSectionView {
            link: self.link(landing, route),
            open: true,
            children: self.pages(children).map(|p| self.link(p, route)).collect(),
            group: false,
        }
    }

    /// The sidebar written from its sections, one per line.
    pub(crate) fn write_nav(&self, sections: &[NavSectionView]) -> String {
        let written: Vec<String> = sections.iter().map(|s| self.write_section(s)).collect();
        written.join("\n")
    }

    /// A section written by the site's templates: each child's link by `nav-link.html`, then
    /// the section by `nav-section.html`. Without the section template, the sidebar is empty.
    pub(crate) fn write_section(&self, section: &NavSectionView) -> String {
        let links: Vec<String> = section.children.iter().map(|link| self.write_link(link)).collect();
        self.write_section_with(section, &links)
    }

    /// A section written with these as its children's `html`.
    pub(crate) fn write_section_with(&self, section: &NavSectionView, links: &[String]) -> String {
        let view = NavSectionPart {
            link: &section.link,
            open: section.open,
            group: section.group,
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
    pub(crate) fn write_link(&self, link: &LinkView) -> String {
        self.written(
            self.templates
                .render_part(NAV_LINK_TEMPLATE, "link", &Prepared::new(link)),
        )
    }

    /// The output of a sidebar template; its first error is kept for [`Chrome::nav_problem`].
    pub(crate) fn written(&self, rendered: Option<Result<String, Diagnostic>>) -> String {
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
    pub(crate) fn nav_problem(&self) -> Option<Diagnostic> {
        self.nav_error.lock().ok().and_then(|mut first| first.take())
    }

    /// The sidebar of the page at `route`, written and as data. Links are relative, so a
    /// section reads the same on every page at the same depth: closed sections are written
    /// once per depth and group, open ones once per depth with no child current, and a page
    /// only writes its own, current, link.
    pub(crate) fn page_nav(&self, route: &Route) -> (String, Prepared) {
        let site = self.site;
        let closed = self.closed_sidebar(route);
        let mut open: Vec<(usize, usize)> = self
            .opens(route)
            .iter()
            .filter_map(|k| closed.place.get(k).map(|&n| (n, *k)))
            .collect();
        // In sidebar order, each once: the spans below are cut out left to right.
        open.sort_unstable();
        open.dedup();
        let mut html = String::with_capacity(closed.html.len() + 8 * 1024);
        let mut data = Vec::with_capacity(open.len());
        let mut from = 0;
        for (n, k) in open {
            // A section with a place in the sidebar has a span, and a landing page.
            let (Some(span), Some((landing, children))) = (closed.spans.get(n), section_of(site, k)) else {
                continue;
            };
            html.push_str(&closed.html[from..span.start]);
            data.push((n, self.push_open_section(&mut html, k, landing, children, route)));
            from = span.end;
        }
        html.push_str(&closed.html[from..]);
        (html, Prepared::patched(&closed.data, data))
    }

    /// Writes open section `k` as the page at `route` sees it, and returns it as data.
    pub(crate) fn push_open_section(
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
            (Some(_), None) => html.push_str(&self.write_section(&self.open_view(landing, children, route))),
        }
        if let Some((j, link)) = current {
            links[j] = Prepared::new(&link);
        }
        Prepared::map(vec![
            ("link", open.link.clone()),
            ("open", Prepared::new(&true)),
            ("children", Prepared::list(links)),
            ("group", Prepared::new(&false)),
        ])
    }

    /// Section `k`, open, as the pages at the depth of `route` see it, none of its children
    /// current.
    pub(crate) fn open_section(
        &self,
        k: usize,
        landing: &Page,
        children: &'a [usize],
        route: &Route,
    ) -> Arc<OpenSection> {
        let key = (k, route.depth(), landing.route == *route);
        cached(&self.open, key, || self.write_open_section(landing, children, route))
    }

    pub(crate) fn write_open_section(&self, landing: &Page, children: &'a [usize], route: &Route) -> Arc<OpenSection> {
        let mut section = self.open_view(landing, children, route);
        for link in &mut section.children {
            link.current = false;
        }
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

    /// The sidebar with every section closed, as seen from pages at the depth of `route` that
    /// list the same group.
    pub(crate) fn closed_sidebar(&self, route: &Route) -> Arc<ClosedSidebar> {
        let group = self.group_of(route);
        cached(&self.closed, (route.depth(), group), || {
            let mut html = String::new();
            let (mut spans, mut data, mut place) = (Vec::new(), Vec::new(), HashMap::new());
            for entry in self.entries(group) {
                let Some(mut section) = self.closed_entry(entry, route) else {
                    continue;
                };
                // Closed sections are never the current page's own.
                section.link.current = false;
                if !spans.is_empty() {
                    html.push('\n');
                }
                let start = html.len();
                html.push_str(&self.write_section(&section));
                if let Entry::Section(k) = entry {
                    place.insert(k, spans.len());
                }
                spans.push(start..html.len());
                data.push(Prepared::new(&section));
            }
            Arc::new(ClosedSidebar {
                html,
                spans,
                data: Prepared::list(data),
                place,
            })
        })
    }

    pub(crate) fn href(from: &Route, to: &Route) -> String {
        from.relative_to(to.as_str().trim_start_matches('/'))
    }

    pub(crate) fn link(&self, page: &Page, from: &Route) -> LinkView {
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

    /// `core` (from [`Chrome::bare_core`]) with the sidebar of its page written in.
    pub(crate) fn with_nav(&self, mut core: PageCore) -> PageCore {
        let route = Route::new(&core.route);
        core.nav = self.nav_sections(&route);
        core.nav_html = self.write_nav(&core.nav);
        core
    }

    /// What the pages at the depth of `route` share, as a template value made once per depth.
    pub(crate) fn shared(&self, route: &Route) -> Prepared {
        cached(&self.shared, route.depth(), || Prepared::new(&self.shared_view(route)))
    }

    pub(crate) fn shared_view(&self, route: &Route) -> SharedView {
        let site = self.site;
        let generated = |r: &str| {
            site.routes
                .contains(&Route::new(r))
                .then(|| Self::href(route, &Route::new(r)))
        };
        SharedView {
            earlier: EarlierNames::default(),
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

    /// What every page has, without its sidebar: [`Chrome::with_nav`] adds it, or the caller
    /// gives it as a prepared part ([`Chrome::page_nav`]) or writes its own.
    pub(crate) fn bare_core(
        &self,
        kind: &'static str,
        route: &Route,
        title: &str,
        description: &str,
        shows_checklists: bool,
    ) -> PageCore {
        let config = &self.site.config;
        PageCore {
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
            shows_checklists,
            nav: Vec::new(),
            nav_html: String::new(),
        }
    }

    pub(crate) fn card(&self, list: &model::Checklist, from: &Route) -> ChecklistCardView {
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
    pub(crate) fn checklist_views(&self, from: &Route, html: Option<&ChecklistHtml>) -> Vec<ChecklistView> {
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
pub(crate) type ChecklistHtml<'a> = dyn Fn(&model::Checklist, &Route) -> String + 'a;

/// The 404 page is served at any depth, so its links start from the site's base path.
pub(crate) fn absolutize_shared(view: &mut SharedView, base: &str) {
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

/// `count` sidebar places cut into the fewest groups of at most [`SIDEBAR_SECTIONS`], as equal
/// in size as they can be (the first ones one larger where they cannot all be).
fn sidebar_groups(count: usize) -> Vec<Range<usize>> {
    let groups = count.div_ceil(SIDEBAR_SECTIONS).max(1);
    let (size, larger) = (count / groups, count % groups);
    let mut start = 0;
    (0..groups)
        .map(|g| {
            let len = size + usize::from(g < larger);
            start += len;
            start - len..start
        })
        .collect()
}

/// Navigation section `k`'s landing page and child indexes, when it has a landing page.
fn section_of(site: &Site, k: usize) -> Option<(&Page, &[usize])> {
    let section = site.nav.get(k)?;
    site.pages.get(section.page).map(|p| (p, section.children.as_slice()))
}

/// The value cached under `key`, made first if there is none. It is made outside the lock, so
/// the other threads are not held up while a section is written; two threads may then make
/// the same value once each, and both are equal.
pub(crate) fn cached<K: std::hash::Hash + Eq, V: Clone>(
    cache: &Mutex<HashMap<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
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
pub(crate) fn absolutize(href: &mut String, base: &str) {
    if let Some(rest) = href.strip_prefix("./") {
        *href = format!("{base}{rest}");
    } else if !href.starts_with('/') && !href.contains("://") {
        *href = format!("{base}{href}");
    }
}

/// Stands in for child `j`'s link while an open section is written for a whole depth. NUL is
/// not in any template or text, and `<` is escaped wherever the template does not print the
/// link as it is.
pub(crate) fn link_marker(j: usize) -> String {
    format!("\u{0}<{j}>\u{0}")
}

/// The section written with markers, cut at them: the text before the first, between each two
/// and after the last. `None` unless each of the `count` markers is there once, in order, and
/// nothing else looks like one.
pub(crate) fn cut_at_markers(html: &str, count: usize) -> Option<Vec<&str>> {
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

#[cfg(test)]
mod tests {
    use super::{SIDEBAR_SECTIONS, cut_at_markers, link_marker, sidebar_groups};

    #[test]
    fn sections_are_cut_into_the_fewest_groups_of_at_most_the_limit_as_equal_as_they_can_be() {
        // One group, however few: every place in it.
        for count in [0, 7, SIDEBAR_SECTIONS] {
            assert_eq!(sidebar_groups(count).as_slice(), std::slice::from_ref(&(0..count)));
        }
        assert_eq!(sidebar_groups(SIDEBAR_SECTIONS + 1), [0..51, 51..101]);
        assert_eq!(sidebar_groups(251), [0..84, 84..168, 168..251]);
        for count in [1, 99, 100, 101, 199, 200, 201, 999, 1000, 1001, 12_345] {
            let groups = sidebar_groups(count);
            assert_eq!(groups.len(), count.div_ceil(SIDEBAR_SECTIONS), "{count}");
            // Contiguous, covering every place once, none over the limit, sizes one apart at most.
            assert_eq!(groups.first().map(|g| g.start), Some(0));
            assert_eq!(groups.last().map(|g| g.end), Some(count));
            assert!(groups.windows(2).all(|w| w[0].end == w[1].start), "{count}: {groups:?}");
            let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(*most <= SIDEBAR_SECTIONS && most - least <= 1, "{count}: {sizes:?}");
        }
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
