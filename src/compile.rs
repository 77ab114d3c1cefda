//! Compile: checklists and the questionnaire → render-ready HTML fragments and data.
//!
//! Holds the one questionnaire evaluator, shared by the build (its rules go to the browser as
//! JSON), `riskguide recommend` and `riskguide check`'s audit. Emits no page HTML around the
//! fragments (templates do that) and does no I/O.

use crate::diagnostics::Diagnostics;
use crate::markdown::{self, Context, escape_attr, escape_text};
use crate::model::{Checklist, Route};
use serde::Serialize;
use std::fmt::Write;

mod questionnaire;
pub use questionnaire::*;

/// The HTML of one checklist, ready for the interactive script and for print.
/// `own_page` gives items their bare ids as anchors; elsewhere they are prefixed by the checklist id.
pub fn checklist_html(
    list: &Checklist,
    from: &Route,
    ctx: &Context,
    own_page: bool,
    diagnostics: &mut Diagnostics,
) -> String {
    let cid = list.id.as_str();
    let anchor = |item: &str| {
        if own_page {
            item.to_string()
        } else {
            format!("{cid}--{item}")
        }
    };
    let total = list.items().count();
    let mut html = String::new();
    let _ = write!(
        html,
        "<section class=\"checklist\" data-checklist=\"{cid}\" aria-label=\"{title}\">\
<div class=\"checklist-bar\"><p class=\"progress-line\"><span class=\"progress-text\" data-progress=\"0/{total}\" role=\"status\" aria-live=\"polite\">0 of {total} done</span>\
<progress value=\"0\" max=\"{total}\" aria-hidden=\"true\"></progress></p>\
<div class=\"checklist-tools no-print\" hidden><button type=\"button\" data-action=\"print\">Print</button>\
<button type=\"button\" data-action=\"export\">Export progress</button>\
<label class=\"button\">Import progress<input type=\"file\" accept=\"application/json,.json\" data-action=\"import\" class=\"visually-hidden\"></label>\
<button type=\"button\" data-action=\"reset\">Reset</button></div>\
<p class=\"checklist-status\" role=\"alert\" hidden></p>\
<p class=\"nojs-only nojs-note no-print\">JavaScript is off, so ticks here are not saved. \
Print this page or the <a href=\"{print}\">printable checklists</a> to work on paper.</p></div>",
        title = escape_attr(&list.title),
        print = from.relative_to(crate::model::routes::PRINT_CHECKLISTS.trim_start_matches('/'))
    );
    let intro = markdown::render_block(&list.intro, from, ctx, diagnostics);
    if !intro.is_empty() {
        let _ = write!(html, "<div class=\"checklist-intro\">{intro}</div>");
    }
    let list_tag = if list.ordered { "ol" } else { "ul" };
    let mut number = 0;
    for group in &list.groups {
        if list.groups.len() > 1 || !group.title.is_empty() {
            let _ = write!(html, "<h2 class=\"group-title\">{}</h2>", escape_text(&group.title));
        }
        let start = if list.ordered && number > 0 {
            format!(" start=\"{}\"", number + 1)
        } else {
            String::new()
        };
        let _ = write!(html, "<{list_tag} class=\"items\"{start}>");
        for item in &group.items {
            number += 1;
            let iid = item.id.as_str();
            let key = format!("{cid}/{iid}");
            let text = markdown::render_inline(&item.text, from, ctx, diagnostics);
            // The "not applicable" control is added by the script: without it, it could not work.
            let _ = write!(
                html,
                "<li class=\"item\" id=\"{a}\"><label class=\"item-label\"><input type=\"checkbox\" data-item-id=\"{key}\"><span>{text}</span></label>",
                a = anchor(iid)
            );
            if !item.platforms.is_empty() {
                let names: Vec<&str> = item.platforms.iter().map(|p| p.default_name()).collect();
                let _ = write!(html, "<p class=\"item-platforms\">Applies to: {}</p>", names.join(", "));
            }
            let detail = markdown::render_block(&item.detail, from, ctx, diagnostics);
            if !detail.is_empty() {
                let _ = write!(html, "<div class=\"item-detail\">{detail}</div>");
            }
            if !item.code.is_empty() {
                let code = ctx
                    .highlighter
                    .highlight("bash", &item.code)
                    .unwrap_or_else(|| escape_text(&item.code));
                let _ = write!(
                    html,
                    "<pre class=\"code\" data-lang=\"bash\" tabindex=\"0\"><code>{code}</code></pre>"
                );
            }
            if !item.steps.is_empty() {
                html.push_str("<ul class=\"steps\">");
                for step in &item.steps {
                    let stext = markdown::render_inline(&step.text, from, ctx, diagnostics);
                    let _ = write!(
                        html,
                        "<li><label><input type=\"checkbox\" data-item-id=\"{key}/{}\"><span>{stext}</span></label></li>",
                        step.id
                    );
                }
                html.push_str("</ul>");
            }
            html.push_str("</li>");
        }
        let _ = write!(html, "</{list_tag}>");
    }
    html.push_str("</section>\n");
    html
}

/// The anchors a checklist's own page offers: one per item.
pub fn checklist_anchors(list: &Checklist) -> impl Iterator<Item = String> + '_ {
    list.items().map(|i| i.id.as_str().to_string())
}

/// JSON made safe to sit inside `<script type="application/json">`: no `<`, `>` or `&` survive.
pub fn json_for_html<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn effects_read_and_write_as_in_questionnaire_toml() {
        use crate::model::Effect;
        let effects: Vec<Effect> = serde_json::from_str(r#"[2, -1, "exclude"]"#).unwrap();
        assert_eq!(effects, [Effect::Delta(2), Effect::Delta(-1), Effect::EXCLUDE]);
        assert_eq!(serde_json::to_string(&effects).unwrap(), r#"[2,-1,"exclude"]"#);
        assert!(serde_json::from_str::<Effect>(r#""excluded""#).is_err());
    }

    #[test]
    fn json_for_html_cannot_close_the_script() {
        let v = json!({"t": "</script><script>alert(1)</script>&"});
        let s = json_for_html(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    }
}
