//! Render: the minijinja environment (strict undefined, autoescape for `.html`) and
//! page views → HTML bytes.
//!
//! Templates are read once from `templates/` when the environment is set up; afterwards
//! rendering does no I/O. Templates see `view` structs only.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{read_limited, readable_file, relative, resolves_inside};
use crate::markdown::write_escaped_attr;
use crate::view::PageView;
use minijinja::{Environment, UndefinedBehavior, Value};
use std::path::Path;

/// Templates every site needs; other page kinds fall back to `page.html`.
pub const REQUIRED: [&str; 1] = ["page.html"];

/// A part of a view converted to a template value once, to be shared by many pages.
#[derive(Clone, Debug)]
pub struct Prepared(Value);

impl Prepared {
    pub fn new<T: serde::Serialize>(part: &T) -> Self {
        Prepared(Value::from(minijinja::value::Serde(part)))
    }

    pub fn list(parts: Vec<Prepared>) -> Self {
        Prepared(Value::from(parts.into_iter().map(|p| p.0).collect::<Vec<_>>()))
    }

    /// HTML that templates output as it is.
    pub fn html(html: String) -> Self {
        Prepared(Value::from_safe_string(html))
    }

    /// A map of prepared parts, seen by templates like a struct with these fields.
    pub fn map(fields: Vec<(&'static str, Prepared)>) -> Self {
        Prepared(Value::from(
            fields
                .into_iter()
                .map(|(key, part)| (key, part.0))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ))
    }
}

pub struct Templates {
    env: Environment<'static>,
}

/// Reads every template under `dir` and compiles it.
pub fn load(dir: &Path, root: &Path) -> Result<Templates, Diagnostics> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(syntax());
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") || name.ends_with(".xml") || name.ends_with(".svg") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    // Marking markup that is already safe copies nothing: a page's HTML and sidebar are passed
    // as safe values, and templates still write `|safe` after them.
    env.add_filter("safe", |value: Value| {
        if value.is_safe() {
            value
        } else {
            Value::from_safe_string(value.to_string())
        }
    });
    env.set_formatter(|out, state, value| {
        // minijinja also escapes `/`; the five characters below are all that matters inside
        // text and double-quoted attributes, and paths stay readable and small.
        let plain = value
            .as_str()
            .filter(|_| !value.is_safe() && matches!(state.auto_escape(), minijinja::AutoEscape::Html));
        match plain {
            Some(text) => write_escaped_attr(out, text)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())),
            None => minijinja::escape_formatter(out, state, value),
        }
    });
    let mut problems = Diagnostics::new();
    if !dir.is_dir() {
        problems.push(
            Diagnostic::error(
                "E080",
                Location::file("templates"),
                "the site has no templates/ directory",
            )
            .with_help("`riskguide new DIR` writes a complete set of templates"),
        );
        return Err(problems);
    }
    if !resolves_inside(root, dir) {
        problems.push(Diagnostic::error(
            "E012",
            Location::file("templates"),
            "templates/ leads outside the site root",
        ));
        return Err(problems);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .max_depth(4)
        .into_iter()
        .flatten()
    {
        let name = relative(dir, entry.path());
        let location = Location::file(format!("templates/{name}"));
        match readable_file(root, &entry, location.clone()) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(refused) => {
                problems.push(refused);
                continue;
            }
        }
        let text = read_limited(entry.path())
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "template is not UTF-8".to_string()));
        match text {
            Ok(text) => {
                if let Err(e) = env.add_template_owned(name.clone(), text) {
                    problems.push(template_error(&e, &name));
                }
            }
            Err(e) => problems.push(Diagnostic::error("E011", location, e)),
        }
    }
    for required in REQUIRED {
        if env.get_template(required).is_err() && !problems.has_errors() {
            problems.push(Diagnostic::error(
                "E081",
                Location::file(format!("templates/{required}")),
                "required template is missing",
            ));
        }
    }
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(Templates { env })
    }
}

/// A block tag on a line of its own leaves no blank line or indentation in the output.
fn syntax() -> minijinja::syntax::SyntaxConfig {
    minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .expect("the default delimiters are valid")
}

fn template_error(e: &minijinja::Error, fallback: &str) -> Diagnostic {
    let name = e.name().unwrap_or(fallback);
    let location = Location::at(
        format!("templates/{name}"),
        e.line().unwrap_or(0),
        usize::from(e.line().is_some()),
    );
    let mut message = e.to_string();
    if let Some(detail) = e.detail().filter(|d| !message.contains(d)) {
        message = format!("{message}: {detail}");
    }
    Diagnostic::error(
        "E082",
        location,
        message.lines().next().unwrap_or("template error").to_string(),
    )
}

impl Templates {
    /// The template for a kind of page: `<kind>.html`, else `page.html`.
    fn template_for(&self, kind: &str) -> String {
        let name = format!("{kind}.html");
        if self.env.get_template(&name).is_ok() {
            name
        } else {
            "page.html".to_string()
        }
    }

    /// Renders `view` beside `shared` (what the pages at its depth share) and with some of its
    /// fields taken from `parts` instead (the page's HTML, moved rather than copied): parts
    /// prepared once can be shared by many pages, and big ones are converted only once.
    /// `expected_len` sizes the buffer, so a big page is not copied as it grows.
    pub fn render_with(
        &self,
        view: &PageView,
        shared: &Prepared,
        parts: Vec<(&'static str, Prepared)>,
        expected_len: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let name = self.template_for(view.kind);
        let template = self.env.get_template(&name).map_err(|e| template_error(&e, &name))?;
        // The last map wins: `parts` hides the view's fields of the same name.
        let context = minijinja::value::merge_maps([
            shared.0.clone(),
            Value::from(minijinja::value::Serde(view)),
            Prepared::map(parts).0,
        ]);
        let mut out = Vec::with_capacity(expected_len);
        template
            .render_captured_to(context, &mut out)
            .map_err(|e| template_error(&e, &name))?;
        Ok(out)
    }

    /// Renders a partial template with one variable, `name` being a prepared part, if the site
    /// has that template.
    pub fn render_part(&self, template: &str, name: &str, part: &Prepared) -> Option<Result<String, Diagnostic>> {
        let found = self.env.get_template(template).ok()?;
        let context = Value::from(std::collections::BTreeMap::from([(name, part.0.clone())]));
        Some(found.render(context).map_err(|e| template_error(&e, template)))
    }

    /// Renders the site's plain-text template `name`, or riskguide's own `fallback` when the
    /// site has none (so a guide written before the template existed still gets the file).
    pub fn render_text_or<S: serde::Serialize>(
        &self,
        name: &str,
        fallback: &str,
        context: &S,
    ) -> Result<String, Diagnostic> {
        if let Some(rendered) = self.render_text(name, context) {
            return rendered;
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(syntax());
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.add_template(name, fallback)
            .and_then(|()| env.get_template(name))
            .and_then(|t| t.render(minijinja::value::Serde(context)))
            .map_err(|e| template_error(&e, name))
    }

    /// Renders a plain-text template (like `_headers`) if the site has it.
    pub fn render_text<S: serde::Serialize>(&self, name: &str, context: &S) -> Option<Result<String, Diagnostic>> {
        let template = self.env.get_template(name).ok()?;
        Some(
            template
                .render(minijinja::value::Serde(context))
                .map_err(|e| template_error(&e, name)),
        )
    }
}
