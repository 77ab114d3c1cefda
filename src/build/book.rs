//! The printable guide: its section numbers, its sections, and the markers that stand for
//! their HTML while its template is applied.

use crate::build::chrome::Chrome;
use crate::build::pages::{IdCheck, PageHtml, embedded_checklists, page_sources, put_file_pieces, put_page};
use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::markdown::{self, Rendered};
use crate::model::{Page, Route, Site, routes};
use crate::output::Sink;
use crate::render::{Prepared, Templates};
use crate::strings::Strings;
use crate::view::*;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt::Write as _;

/// What stands for the printable guide's section `i` while its template is applied.
pub(crate) fn print_marker(i: usize) -> String {
    format!("{PRINT_MARKER}{i}\u{1}")
}

pub(crate) const PRINT_MARKER: &str = "\u{1}print-section-";

/// The printable guide as a book: each page's anchor on the combined page and its section
/// number. A top-level page, or the first page of a section, opens a chapter ("3"); the other
/// pages of that section are numbered within it ("3.2").
pub(crate) struct Book {
    /// By route: (anchor, number, opens a chapter).
    sections: HashMap<String, (String, String, bool)>,
    base_url: String,
}

impl Book {
    pub(crate) fn new(site: &Site) -> Book {
        let numbers = book_numbers(site.pages.iter().map(|p| (p.section.as_deref(), p.is_index)));
        let sections = site
            .pages
            .iter()
            .zip(numbers)
            .map(|(page, (number, chapter))| (page.route.as_str().to_string(), (page_anchor(page), number, chapter)))
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
    pub(crate) fn link(&self, html: &str) -> String {
        let mut out = String::with_capacity(html.len() + html.len() / 16);
        let mut rest = html;
        let links = memchr::memmem::Finder::new("<a ");
        while let Some(at) = links.find(rest.as_bytes()) {
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
pub(crate) fn book_numbers<'s>(pages: impl Iterator<Item = (Option<&'s str>, bool)>) -> Vec<(String, bool)> {
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

/// Where a page's section starts on the combined page.
fn page_anchor(page: &Page) -> String {
    format!("page-{}", page.id.as_str().replace('/', "-"))
}

impl Book {
    /// A page's (anchor, number, opens a chapter) in the book; a page the book does not list
    /// opens an unnumbered chapter.
    fn place(&self, page: &Page) -> (String, String, bool) {
        self.sections
            .get(page.route.as_str())
            .cloned()
            .unwrap_or_else(|| (page_anchor(page), String::new(), true))
    }
}

/// A page's section of the printable guide without its HTML: its title, anchor and number.
fn section_head(page: &Page, book: &Book) -> PrintSectionView {
    let (anchor, number, chapter) = book.place(page);
    PrintSectionView {
        title: page.title.clone(),
        number,
        chapter,
        html: String::new(),
        anchor,
        severity: page.severity.map(LevelView::from),
    }
}

/// A page's own HTML as its section of the printable guide: links point into the book (see
/// [`Book::link`]), and ids are prefixed so they stay unique on the combined page.
fn section_body(page: &Page, html: &str, to: &Route, book: &Book, words: &Strings) -> String {
    let (anchor, number, _) = book.place(page);
    let mut moved = markdown::relocate(html, &page.route, to, &format!("{anchor}-"));
    // A page names its scrollable tables "Table 1", "Table 2"…; on the combined page those
    // names repeat, so each gets its section's number. (Author text cannot hold this attribute:
    // its quotes are escaped.)
    let table = format!("aria-label=\"{}", words.fill("table_label", &[("number", "")]));
    if memchr::memmem::find(moved.as_bytes(), table.as_bytes()).is_some() {
        let in_section = words.fill("table_label_in_section", &[("section", &number), ("number", "")]);
        moved = moved.replace(&table, &format!("aria-label=\"{in_section}"));
    }
    book.link(&moved)
}

/// The printable guide's own view: its title and what all its sections embed.
pub(crate) fn print_view(chrome: &Chrome, config: &Config, site: &Site, rendered: &[Rendered]) -> PageView {
    let words = chrome.templates.strings();
    let embedded = embedded_checklists(rendered);
    PageView::PrintGuide(PrintGuide {
        core: chrome.with_nav(chrome.bare_core(
            "print",
            &Route::new(routes::PRINT_GUIDE),
            &words.fill("print_title", &[("title", &config.title)]),
            words.get("print_description"),
            !embedded.is_empty(),
        )),
        // The build has no clock: the book is dated by its most recently reviewed page.
        reviewed: site.pages.iter().filter_map(|p| p.reviewed.clone()).max(),
        embedded_checklists: embedded,
    })
}

/// What the printable guide is made from: every page with its rendering and its kept HTML.
pub(crate) struct Sections<'a> {
    pub site: &'a Site,
    pub rendered: &'a [Rendered],
    pub page_html: &'a PageHtml,
    pub templates: &'a Templates,
}

/// Sections whose HTML is made side by side before they are written out in order.
const SECTIONS_AT_ONCE: usize = 64;

impl Sections<'_> {
    /// The HTML of the sections of pages `range`, in order. Each page is rendered once, for its
    /// own address; its section is that HTML moved to the guide's address, followed by the
    /// page's own list of sources.
    fn bodies(&self, range: std::ops::Range<usize>, book: &Book) -> Result<Vec<String>, Diagnostic> {
        let words = self.templates.strings();
        let print_guide = Route::new(routes::PRINT_GUIDE);
        range
            .into_par_iter()
            .map(|i| {
                let page = &self.site.pages[i];
                let html = self.page_html.get(i, &print_guide.output_path())?;
                let sources = page_sources(self.site, page, &self.rendered[i], Some(self.templates));
                Ok(if sources.is_empty() {
                    section_body(page, &html, &print_guide, book, words)
                } else {
                    section_body(page, &format!("{html}{sources}"), &print_guide, book, words)
                })
            })
            .collect()
    }
}

/// Writes the printable guide, by far the largest page.
///
/// The template is applied to the sections with a marker for each one's HTML: its work then
/// does not grow with the guide's text (a 100,000-page guide is over its budget otherwise).
/// The page is then written piece by piece, each section's HTML made when its turn comes, so
/// the guide is never held whole. A template that does not write each section's HTML once, in
/// order, as it is, gets the sections themselves.
pub(crate) fn write(
    sections: &Sections,
    print_view: &PageView,
    chrome: &Chrome,
    sink: &dyn Sink,
) -> Option<Diagnostic> {
    let print_guide = Route::new(routes::PRINT_GUIDE);
    let print_path = print_guide.output_path();
    let book = Book::new(sections.site);
    let pages = &sections.site.pages;
    let listed = pages.len();
    let render = |sections: Vec<Prepared>, expected_len| {
        chrome.templates.render_listing(
            listed,
            print_view,
            &chrome.shared(&print_guide),
            vec![("print_sections", Prepared::list(sections))],
            expected_len,
        )
    };
    let heads: Vec<PrintSectionView> = pages
        .iter()
        .enumerate()
        .map(|(i, page)| PrintSectionView {
            html: print_marker(i),
            ..section_head(page, &book)
        })
        .collect();
    let skeleton = match render(heads.iter().map(Prepared::new).collect(), 64 * 1024 + listed * 400) {
        Ok(skeleton) => skeleton,
        Err(d) => return Some(d),
    };
    let Some(between) = cut_at_markers(&skeleton, listed) else {
        let bodies = match sections.bodies(0..listed, &book) {
            Ok(bodies) => bodies,
            Err(d) => return Some(d),
        };
        let expected_len = bodies.iter().map(String::len).sum::<usize>() + 64 * 1024 + listed * 400;
        let whole = heads
            .into_iter()
            .zip(bodies)
            .map(|(head, html)| Prepared::new(&PrintSectionView { html, ..head }))
            .collect();
        return put_page(sink, print_path, render(whole, expected_len));
    };
    drop(heads);
    let mut ids = IdCheck::default();
    let mut problem = None;
    let mut make = |range: std::ops::Range<usize>| sections.bodies(range, &book);
    // A section that cannot be made, or an id given twice, ends the file there; the build then
    // fails with that problem, so the cut file is never kept.
    let mut pieces = PrintPieces {
        between: &between,
        next: 0,
        ready: std::collections::VecDeque::new(),
        make: &mut make,
    }
    .map_while(|piece| match piece.and_then(|piece| ids.check(piece, &print_path)) {
        Ok(piece) => Some(piece),
        Err(d) => {
            problem = Some(d);
            None
        }
    });
    let written = put_file_pieces(sink, print_path.clone(), &mut pieces);
    drop(pieces);
    problem.or(written)
}

/// The skeleton cut at each of the `count` markers, in order: `count + 1` pieces, or None when
/// the template did not write every marker exactly once and in order.
fn cut_at_markers(skeleton: &[u8], count: usize) -> Option<Vec<&[u8]>> {
    let text = std::str::from_utf8(skeleton).ok()?;
    if text.matches(PRINT_MARKER).count() != count {
        return None;
    }
    let mut pieces = Vec::with_capacity(count + 1);
    let mut rest = text;
    for i in 0..count {
        let marker = print_marker(i);
        let at = rest.find(&marker)?;
        pieces.push(&rest.as_bytes()[..at]);
        rest = &rest[at + marker.len()..];
    }
    pieces.push(rest.as_bytes());
    Some(pieces)
}

/// The printable guide's bytes in order: the skeleton's pieces with each section's HTML
/// between them, the sections made [`SECTIONS_AT_ONCE`] at a time.
struct PrintPieces<'a, 'm> {
    between: &'a [&'a [u8]],
    /// The next section to hand out.
    next: usize,
    ready: std::collections::VecDeque<String>,
    make: &'m mut dyn FnMut(std::ops::Range<usize>) -> Result<Vec<String>, Diagnostic>,
}

impl Iterator for PrintPieces<'_, '_> {
    type Item = Result<Vec<u8>, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        let sections = self.between.len() - 1;
        if self.next > sections {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let mut piece = self.between[i].to_vec();
        if i == sections {
            return Some(Ok(piece));
        }
        if self.ready.is_empty() {
            match (self.make)(i..(i + SECTIONS_AT_ONCE).min(sections)) {
                Ok(bodies) => self.ready.extend(bodies),
                Err(d) => return Some(Err(d)),
            }
        }
        piece.extend_from_slice(self.ready.pop_front().unwrap_or_default().as_bytes());
        Some(Ok(piece))
    }
}

#[cfg(test)]
mod tests {
    use super::{Book, IdCheck, book_numbers, cut_at_markers, print_marker};
    use std::collections::HashMap;

    #[test]
    fn an_id_given_in_two_pieces_of_the_guide_is_found() {
        let mut ids = IdCheck::default();
        let first = ids.check(b"<h2 id=\"page-a-b-c\">A</h2>".to_vec(), "print/index.html");
        assert!(first.is_ok());
        assert!(ids.check(b"<p id=\"other\">".to_vec(), "print/index.html").is_ok());
        let again = ids.check(b"<h3 id='page-a-b-c'>C</h3>".to_vec(), "print/index.html");
        let d = again.expect_err("the second piece repeats an id of the first");
        assert_eq!(d.code, "E091");
        assert!(d.message.contains("page-a-b-c"), "{}", d.message);
    }

    #[test]
    fn the_skeleton_is_cut_only_when_each_marker_is_written_once_in_order() {
        let (m0, m1) = (print_marker(0), print_marker(1));
        let skeleton = format!("<a>{m0}</a><b>{m1}</b>");
        let cut = cut_at_markers(skeleton.as_bytes(), 2);
        assert_eq!(cut, Some(vec![&b"<a>"[..], &b"</a><b>"[..], &b"</b>"[..]]));
        // Left out, written twice, out of order, or changed by a filter: the template is
        // applied to the sections themselves instead.
        assert_eq!(cut_at_markers(m0.as_bytes(), 2), None);
        assert_eq!(cut_at_markers(format!("{m0}{m1}{m1}").as_bytes(), 2), None);
        assert_eq!(cut_at_markers(format!("{m1}{m0}").as_bytes(), 2), None);
        assert_eq!(cut_at_markers(format!("{m0}{}", m1.to_uppercase()).as_bytes(), 2), None);
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
}
