//! The printable guide: its section numbers, its sections, and the markers that stand for
//! their HTML while its template is applied.

use crate::build::chrome::Chrome;
use crate::build::pages::{PageHtml, embedded_checklists, page_sources, put_page};
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

/// The printable guide with each section's marker replaced by its HTML, or None when the
/// template did not write every marker exactly once and in order.
pub(crate) fn fill_markers(skeleton: &[u8], bodies: &[String], expected_len: usize) -> Option<Vec<u8>> {
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
    pub(crate) fn link(&self, html: &str) -> String {
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

/// One page as a section of the printable guide: its own HTML with links pointing into the book
/// (see [`Book::link`]), and its ids prefixed so they stay unique on the combined page.
pub(crate) fn print_section(page: &Page, html: &str, to: &Route, book: &Book, words: &Strings) -> PrintSectionView {
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

/// The printable guide's own view: its title and what all its sections embed.
pub(crate) fn print_view(chrome: &Chrome, config: &Config, site: &Site, rendered: &[Rendered]) -> PageView {
    let words = chrome.templates.strings();
    let print_guide = Route::new(routes::PRINT_GUIDE);
    let mut print_view = chrome.page_view(
        "print",
        &print_guide,
        &words.fill("print_title", &[("title", &config.title)]),
        words.get("print_description"),
    );
    print_view.embedded_checklists = embedded_checklists(rendered);
    // The build has no clock: the book is dated by its most recently reviewed page.
    print_view.reviewed = site.pages.iter().filter_map(|p| p.reviewed.clone()).max();
    print_view
}

/// The printable guide's sections, converted to template values right away, so their HTML
/// is held once, not as strings and then again as values. Each page is rendered once, for its
/// own address; its section is that HTML moved to the guide's address.
pub(crate) fn sections(
    site: &Site,
    rendered: &[Rendered],
    page_html: &PageHtml,
    templates: &Templates,
) -> Result<Vec<PrintSectionView>, Diagnostic> {
    let words = templates.strings();
    let print_guide = Route::new(routes::PRINT_GUIDE);
    let book = Book::new(site);
    site.pages
        .par_iter()
        .zip(rendered)
        .enumerate()
        .map(|(i, (page, own))| {
            let html = page_html.get(i, &print_guide.output_path())?;
            // In the printable guide, each section ends with its own list of sources.
            let sources = page_sources(site, page, own, Some(templates));
            let section = if sources.is_empty() {
                print_section(page, &html, &print_guide, &book, words)
            } else {
                print_section(page, &format!("{html}{sources}"), &print_guide, &book, words)
            };
            Ok(section)
        })
        .collect()
}

/// Writes the printable guide, by far the largest page.
pub(crate) fn write(
    printed: Result<Vec<PrintSectionView>, Diagnostic>,
    print_view: &PageView,
    chrome: &Chrome,
    templates: &Templates,
    sink: &dyn Sink,
) -> Option<Diagnostic> {
    let print_guide = Route::new(routes::PRINT_GUIDE);
    let print_path = print_guide.output_path();
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
            print_view,
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
    put_page(sink, print_path, html)
}

#[cfg(test)]
mod tests {
    use super::{Book, book_numbers, fill_markers, print_marker};
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
}
