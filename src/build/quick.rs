//! One content page rendered again over the last good build, for `serve`: when an edit to a
//! page's Markdown changes nothing another page reads, that page alone can be shown at once
//! while the whole site is rebuilt behind it.
//!
//! What other pages read from a page's file: its front matter (title, description, route,
//! section, weight, platforms, severity and its basis, risks, reviewed date: the sidebar, the
//! home page, checklists and the printable guide's numbering), its heading ids (other pages'
//! link checks, the home page's risk order), its headings (the printable guide's contents), the
//! severity lead-ins under its headings (the rating checks), the tables and checklists it
//! embeds and the pages it links (the sources' "used on" lists and the unused-item warnings),
//! and its problems (the overlay). An edit leaving all of them as they were touches only the
//! page itself, the printable guide's copy of its text and the search index; the last two wait
//! for the full rebuild.

use crate::assets::{AssetManifest, Fingerprinted};
use crate::build::chrome::Chrome;
use crate::build::pages;
use crate::config::Config;
use crate::discover::{self, SourceFile};
use crate::highlight::Highlighter;
use crate::load;
use crate::markdown::{self, Context, EmbedKind, Rendered, Source};
use crate::model::{AnchorIndex, LinkResolver, Page, Route, Site};
use crate::output::{Collect, OutputSet};
use crate::render::Templates;
use std::collections::BTreeSet;

/// What a good full build leaves for rendering one of its pages again: the site model, its
/// templates, asset manifest and search index, and the ids and anchors the pages were checked
/// against.
pub struct LastBuild {
    pub(crate) config: Config,
    pub(crate) site: Site,
    pub(crate) templates: Templates,
    pub(crate) manifest: AssetManifest,
    pub(crate) search_index: Option<Fingerprinted>,
    pub(crate) reserved_ids: BTreeSet<String>,
    pub(crate) anchors: AnchorIndex,
    pub(crate) static_files: BTreeSet<String>,
}

/// A page rendered again over the last build.
#[derive(Debug)]
pub struct QuickPage {
    pub route: String,
    /// The page's file alone, under its output path.
    pub output: OutputSet,
}

impl LastBuild {
    /// The page whose source is `path` (relative to the site root, `content/a/b.md`) rendered
    /// again from its file as it is now, when the edit changed nothing but the page itself.
    /// `None` when the file is not a page of this build, cannot be read, is unchanged, changes
    /// anything another page reads, or renders with any problem: the whole site must be
    /// rebuilt then. A page given back stays this build's page from then on.
    pub fn render_page(&mut self, path: &str, highlighter: &Highlighter) -> Option<QuickPage> {
        let i = self.site.pages.iter().position(|p| p.source.path == path)?;
        let old = &self.site.pages[i];
        let text = discover::read_text(&self.config.root, &self.config.root.join(path)).ok()?;
        if text == old.source.text || !same_front_matter(old, &text) {
            return None;
        }
        let edited = SourceFile {
            text,
            ..old.source.clone()
        };
        let rendered = self.render_both(i, &edited, highlighter)?;
        // The edit touches the page alone: it becomes this build's page for its template.
        let kept = std::mem::replace(&mut self.site.pages[i].source, edited);
        let written = self.write_page(i, rendered);
        if written.is_none() {
            self.site.pages[i].source = kept;
        }
        written
    }

    /// The page's new Markdown rendered, when it reads to other pages exactly as the old did
    /// and has the same problems (warnings only).
    fn render_both(&self, i: usize, edited: &SourceFile, highlighter: &Highlighter) -> Option<Rendered> {
        let page = &self.site.pages[i];
        let new_body = edited.text.get(page.body_offset..)?;
        let resolver = LinkResolver {
            routes: &self.site.routes,
            unchecked: &self.site.unchecked_routes,
            anchors: &self.anchors,
            static_files: &self.static_files,
        };
        let plain_embed = |_: EmbedKind, _: &str, _: &Route| None;
        let markup = |piece: &markdown::Markup| self.templates.markup(piece);
        let inner = Context {
            resolver: &resolver,
            highlighter,
            embed: &plain_embed,
            markup: &markup,
            reserved_ids: &self.reserved_ids,
        };
        let embed = |kind: EmbedKind, id: &str, from: &Route| {
            pages::embed_html(&self.site, Some(&self.templates), &inner, kind, id, from)
        };
        let ctx = Context { embed: &embed, ..inner };
        let render = |file_text: &str, body: &str| {
            let source = Source {
                path: &page.source.path,
                file_text,
                offset: page.body_offset,
                markdown: body,
            };
            markdown::render(&source, &page.route, &ctx)
        };
        let before = render(&page.source.text, page.body());
        let after = render(&edited.text, new_body);
        // The last build had no errors, so the same problems are warnings only, and the
        // overlay's list stays right.
        let same_for_others = after.diagnostics.clone().into_sorted() == before.diagnostics.clone().into_sorted()
            && before.toc == after.toc
            && before.internal_links == after.internal_links
            && before.external_links == after.external_links
            && before.embeds == after.embeds
            && markdown::outline(page.body(), &self.reserved_ids) == markdown::outline(new_body, &self.reserved_ids)
            && markdown::heading_lead_ins(page.body()) == markdown::heading_lead_ins(new_body);
        same_for_others.then_some(after)
    }

    /// The `i`th page written with its template and sidebar, as the full build writes it.
    fn write_page(&self, i: usize, mut rendered: Rendered) -> Option<QuickPage> {
        let chrome = Chrome::new(&self.site, &self.manifest, &self.templates, self.search_index.as_ref());
        let html = std::mem::take(&mut rendered.html);
        let page = &self.site.pages[i];
        let file = pages::page_file(
            &self.site,
            i,
            &rendered,
            html,
            &chrome,
            &self.templates,
            &self.reserved_ids,
        );
        let sink = Collect::default();
        // `page_file` has checked the page's ids.
        if pages::put_checked(&sink, page.route.output_path(), file).is_some() {
            return None;
        }
        Some(QuickPage {
            route: page.route.to_string(),
            output: sink.into_set(),
        })
    }
}

/// Whether `text` parses as a page with the same front matter, byte for byte, as `page`'s file:
/// then every field of the page the model builds from it is the same.
fn same_front_matter(page: &Page, text: &str) -> bool {
    let end = page.body_offset;
    if text.get(..end) != page.source.text.get(..end) {
        return false;
    }
    let file = SourceFile {
        text: text.to_string(),
        ..page.source.clone()
    };
    let (loaded, problems) = load::parse(vec![file]);
    problems.is_empty() && loaded.failed.is_empty() && loaded.pages.len() == 1 && loaded.pages[0].raw.body_offset == end
}
