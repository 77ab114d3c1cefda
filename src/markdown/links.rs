//! Links and images: checked through the [`LinkResolver`](crate::model::LinkResolver), written
//! relative to the page, and noted as the page's internal and external links.

use super::Markup;
use super::adapter::Adapter;
use super::events::plain_text;
use crate::model::{LinkError, Resolved};
use pulldown_cmark::{Event, LinkType, Tag};
use std::ops::Range;

impl Adapter<'_, '_> {
    /// The link's start rewritten with its checked, relative address; `None` when the link is
    /// refused (it is reported, and its text is kept without the link).
    pub(super) fn link<'e>(&mut self, link: &Tag<'e>, range: &Range<usize>) -> Option<Event<'e>> {
        let Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        } = link
        else {
            return None;
        };
        let url = if matches!(link_type, LinkType::Email) {
            format!("mailto:{dest_url}")
        } else {
            dest_url.to_string()
        };
        match self.ctx.resolver.href(self.from, &url) {
            Ok(href) => {
                match self.ctx.resolver.resolve(self.from, &url) {
                    Ok(Resolved::External(_)) => self.out.external_links.push(url.clone()),
                    Ok(Resolved::Internal { route, .. }) => {
                        self.out.internal_links.insert(route);
                    }
                    _ => {}
                }
                Some(Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: href.into(),
                    title: title.clone(),
                    id: id.clone(),
                }))
            }
            Err(e) => {
                self.link_error(range, &e);
                None
            }
        }
    }

    /// Writes an image (`inner` is its alt text) through `partials/image.html` when it is a
    /// file of the site.
    pub(super) fn image(
        &mut self,
        dest_url: &str,
        inner: &[(Event, Range<usize>)],
        range: &Range<usize>,
        out: &mut Vec<Event>,
    ) {
        let alt = plain_text(inner);
        if alt.trim().is_empty() {
            self.warn("W030", range, "image has no alt text".into());
        }
        match self.ctx.resolver.resolve(self.from, dest_url) {
            Ok(Resolved::Static(file)) => {
                let src = self.from.relative_to(&file);
                let (image, _) = (self.ctx.markup)(&Markup::Image { src: &src, alt: &alt });
                out.push(Event::Html(image.into()));
            }
            Ok(_) => self.error(
                "E043",
                range,
                "images must be files of the site's static/ directory".into(),
                Some("nothing is loaded from another origin"),
            ),
            Err(e) => self.link_error(range, &e),
        }
    }

    pub(super) fn link_error(&mut self, range: &Range<usize>, error: &LinkError) {
        let help = match error {
            LinkError::Scheme(_) => Some("links may use http, https, mailto, or point inside the site"),
            LinkError::MissingRoute(_) => Some("internal links are site routes such as /risks/exposure/"),
            LinkError::MissingAnchor { .. } => Some("give the target heading an id: ## Title {#anchor}"),
            LinkError::Malformed(_) => None,
        };
        self.error("E042", range, error.to_string(), help);
    }
}
