//! Render: the minijinja environment (strict undefined, autoescape for `.html`) and
//! page views → HTML bytes.
//!
//! Templates are read once from `templates/` when the environment is set up; afterwards
//! rendering does no I/O. Templates see `view` structs only, and `strings`, the words of the
//! site's language ([`crate::strings`]).
//!
//! Partials (`templates/partials/…`) write the pieces of markup that Rust assembles from data:
//! a checklist with its toolbar, a page's sources. A guide may override each; riskguide's own
//! copy is added to the one environment when the guide has none, so a guide written before a
//! partial existed still builds. Every template is parsed once, when the site is loaded.

use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::discover::{outside_root, read_limited, readable_file, relative, walk};
use crate::markdown::write_escaped_attr;
use crate::strings::Strings;
use crate::view::PageView;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{Environment, UndefinedBehavior, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The work one render of a template may do, in minijinja's fuel: about one unit per
/// instruction and per 64 bytes of data made. Every page of the shipped guide renders with
/// 15,000; two nested `range(100000)` loops, which would run for hours, stop within about a
/// second, and no render can build more than about 256 MiB of strings.
pub const TEMPLATE_FUEL: u64 = 4_000_000;

/// What a page that lists every page of the guide (the printable guide) may spend per page on
/// top of [`TEMPLATE_FUEL`]: its loops grow with the guide, so a fixed budget would refuse a big
/// enough guide however plain its template. The shipped template spends about 200 per page.
pub const FUEL_PER_LISTED_PAGE: u64 = 1_000;

/// Templates every site needs; other page kinds fall back to `page.html`.
pub const REQUIRED: [&str; 1] = ["page.html"];

/// A list with some items replaced: see [`Prepared::patched`].
#[derive(Debug)]
struct Patched {
    list: Value,
    replaced: Vec<(usize, Value)>,
}

impl Object for Patched {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    // The engine turns a negative index into one from the start before asking.
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let at = key.as_usize()?;
        match self.replaced.iter().find(|(place, _)| *place == at) {
            Some((_, item)) => Some(item.clone()),
            None => self.list.get_item(key).ok().filter(|item| !item.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.list.len().unwrap_or(0))
    }
}

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

    /// `list` (a [`Prepared::list`]) with the items at some places replaced, seen by templates
    /// as a list like any other. Nothing of `list` is copied: a long list shared by many pages,
    /// each changing a few items (the sidebar's sections), costs each page only its changes.
    pub fn patched(list: &Prepared, replaced: Vec<(usize, Prepared)>) -> Self {
        Prepared(Value::from_object(Patched {
            list: list.0.clone(),
            replaced: replaced.into_iter().map(|(at, part)| (at, part.0)).collect(),
        }))
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

/// A partial's name and riskguide's own copy of it.
macro_rules! partial {
    ($file:literal) => {
        (
            concat!("partials/", $file),
            include_str!(concat!("../templates/partials/", $file)),
        )
    };
}

/// The partials riskguide writes its markup with, and its own copy of each.
pub const PARTIALS: [(&str, &str); 13] = [
    partial!("image.html"),
    partial!("code.html"),
    partial!("heading.html"),
    partial!("callout.html"),
    partial!("task.html"),
    partial!("markdown-table.html"),
    partial!("markdown-table-cell.html"),
    partial!("basis.html"),
    partial!("table.html"),
    partial!("checklist.html"),
    partial!("sources.html"),
    partial!("source-item.html"),
    partial!("source-index.html"),
];

pub struct Templates {
    /// Tells one set of templates from another in the per-thread memory of written markup.
    id: usize,
    env: Environment<'static>,
    strings: Strings,
    /// The fixed ids the templates write (`main`, `search-input`…), which content may not take.
    ids: std::collections::BTreeSet<String>,
}

/// Reads every template under `dir` and compiles it, with the words of `language`. Returns
/// the templates and the warnings about them.
pub fn load(dir: &Path, root: &Path, language: &str) -> Result<(Templates, Diagnostics), Diagnostics> {
    let (strings, mut problems) = crate::strings::load(root, language);
    let mut env = environment();
    let strings = strings.unwrap_or_else(Strings::english);
    add_words(&mut env, &strings);
    let Some(mut ids) = add_templates(&mut env, dir, root, &mut problems) else {
        return Err(problems);
    };
    for (name, fallback) in PARTIALS {
        if env.get_template(name).is_err() {
            ids.extend(literal_ids(fallback).map(str::to_string));
            if let Err(e) = env.add_template(name, fallback) {
                problems.push(template_error(&e, name));
            }
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
        static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok((Templates { id, env, strings, ids }, problems))
    }
}

/// An environment with riskguide's settings, filters and formatter, and no templates yet.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(TEMPLATE_FUEL));
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
    // Text between tags needs only `&`, `<` and `>` escaped: `{{ title|text }}` writes it so.
    env.add_filter("text", |value: Value| {
        if value.is_safe() {
            value
        } else {
            Value::from_safe_string(crate::markdown::escape_text(&value.to_string()))
        }
    });
    // `{{ strings.key|fill(name=value) }}` writes the words with each `{name}` replaced by the
    // value, escaped unless it is already markup.
    env.add_filter("fill", |text: Value, values: minijinja::value::Kwargs| {
        let mut filled = Vec::new();
        for name in values.args() {
            let value: Value = values.get(name)?;
            let mut escaped = String::new();
            match value.as_str().filter(|_| !value.is_safe()) {
                Some(plain) => write_escaped_attr(&mut escaped, plain)
                    .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))?,
                None => escaped = value.to_string(),
            }
            filled.push((name, escaped));
        }
        let pairs: Vec<(&str, &str)> = filled.iter().map(|(name, value)| (*name, value.as_str())).collect();
        Ok(Value::from_safe_string(crate::strings::fill(&text.to_string(), &pairs)))
    });
    env
}

/// The site's words as the `strings` global, and `script_strings` for the scripts' words.
fn add_words(env: &mut Environment<'static>, strings: &Strings) {
    // The words are written like template text: markup in them is kept.
    env.add_global(
        "strings",
        Value::from(
            strings
                .words()
                .iter()
                .map(|(key, words)| (key.clone(), Value::from_safe_string(words.clone())))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
    );
    // `script_strings("site", "checklist")` or `script_strings(["site", "checklist"])`: the words
    // those scripts show (the keys starting with `js_site_` and `js_checklist_`, without `js_`),
    // as compact JSON for `<script type="application/json">`. A page gets only the words of the
    // scripts it loads.
    let for_scripts: Vec<(String, String)> = strings
        .words()
        .iter()
        .filter(|(key, _)| key.starts_with("js_"))
        .map(|(key, words)| (key.clone(), words.clone()))
        .collect();
    env.add_function("script_strings", move |scripts: minijinja::value::Rest<Value>| {
        let mut names = Vec::new();
        for value in scripts.iter() {
            match value.as_str() {
                Some(name) => names.push(name.to_string()),
                None => names.extend(value.try_iter()?.filter_map(|v| v.as_str().map(str::to_string))),
            }
        }
        let chosen: std::collections::BTreeMap<&str, &str> = for_scripts
            .iter()
            .filter(|(key, _)| {
                names
                    .iter()
                    .any(|s| key[3..].strip_prefix(s.as_str()).is_some_and(|r| r.starts_with('_')))
            })
            .map(|(key, words)| (&key[3..], words.as_str()))
            .collect();
        Ok(Value::from_safe_string(crate::compile::json_for_html(&chosen)))
    });
}

/// Compiles every template under `dir` into `env`, reporting those that cannot be read or
/// parsed, and returns the fixed ids they write; `None` when `dir` cannot hold the templates.
fn add_templates(
    env: &mut Environment<'static>,
    dir: &Path,
    root: &Path,
    problems: &mut Diagnostics,
) -> Option<std::collections::BTreeSet<String>> {
    let mut ids = std::collections::BTreeSet::new();
    if !dir.is_dir() {
        problems.push(
            Diagnostic::error(
                "E080",
                Location::file("templates"),
                "the site has no templates/ directory",
            )
            .with_help("`riskguide new DIR` writes a complete set of templates"),
        );
        return None;
    }
    if let Some(outside) = outside_root(root, dir, "templates") {
        problems.push(outside);
        return None;
    }
    for entry in walk(dir, 4).into_iter().flatten() {
        let name = relative(dir, entry.path());
        let location = Location::file(format!("templates/{name}"));
        if !readable_file(root, &entry, location.clone(), problems) {
            continue;
        }
        let text = read_limited(root, entry.path())
            .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "template is not UTF-8".to_string()));
        match text {
            Ok(text) => {
                ids.extend(literal_ids(&text).map(str::to_string));
                if let Err(e) = env.add_template_owned(name.clone(), text) {
                    problems.push(template_error(&e, &name));
                }
            }
            Err(e) => problems.push(Diagnostic::error("E011", location, e)),
        }
    }
    Some(ids)
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
    template_error_within(e, fallback, TEMPLATE_FUEL)
}

fn template_error_within(e: &minijinja::Error, fallback: &str, fuel: u64) -> Diagnostic {
    let name = e.name().unwrap_or(fallback);
    let location = Location::at(
        format!("templates/{name}"),
        e.line().unwrap_or(0),
        usize::from(e.line().is_some()),
    );
    if e.kind() == minijinja::ErrorKind::OutOfFuel {
        return Diagnostic::error(
            "E083",
            location,
            format!("template did more than {fuel} units of work rendering one page"),
        )
        .with_help("a loop here runs too long or builds too much text");
    }
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

/// The ids a template writes as plain text (`id="main"`), leaving out those it builds from
/// values (`id="q-{{ q.id }}"`): a page is checked for those after it is rendered.
pub fn literal_ids(template: &str) -> impl Iterator<Item = &str> {
    template.match_indices("id=\"").filter_map(move |(at, _)| {
        let before = template[..at].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            return None;
        }
        let value = &template[at + 4..];
        let value = &value[..value.find('"')?];
        (!value.is_empty() && !value.contains(['{', '}', '<', '>', '&', ' '])).then_some(value)
    })
}

/// The first id an HTML page gives twice, if any: two elements with one id let content stand
/// in for the element a script looks up. Reads tags as the HTML of a build is written
/// (attribute values quoted or plain; comments, `<script>` and `<style>` bodies skipped).
pub fn duplicate_id(html: &str) -> Option<&str> {
    // Reading every tag costs far more than looking for `id=`; almost every page has no
    // duplicate, and a page whose `id=` values all differ has none (see `id_values_repeat`).
    if id_values_repeat(html) {
        duplicate_id_in_tags(html)
    } else {
        None
    }
}

/// Whether any two `id=` in `html` that follow a space, a slash or a quote have one value.
/// Every id attribute [`duplicate_id_in_tags`] reads is such an `id=` with the value read the
/// same way, so when this is false no id is given twice. It may be true without a duplicate
/// id (`id=` in a comment or a script), and then the tags are read.
fn id_values_repeat(html: &str) -> bool {
    let bytes = html.as_bytes();
    let mut seen = foldhash::HashSet::default();
    memchr::memchr_iter(b'=', bytes).any(|at| {
        let attribute_start = at >= 3
            && bytes[at - 2..at].eq_ignore_ascii_case(b"id")
            && (matches!(bytes[at - 3], b'/' | b'"' | b'\'') || bytes[at - 3].is_ascii_whitespace());
        attribute_start && !seen.insert(attribute_value(html, at + 1).0)
    })
}

/// The value of an attribute whose `=` ends just before `start`, quoted or plain, and where
/// the tag goes on after it. An unclosed quote runs to the end of `html`.
fn attribute_value(html: &str, start: usize) -> (&str, usize) {
    let bytes = html.as_bytes();
    match bytes.get(start) {
        Some(&quote @ (b'"' | b'\'')) => {
            let end = memchr::memchr(quote, &bytes[start + 1..]).map_or(html.len(), |e| start + 1 + e);
            (&html[start + 1..end], (end + 1).min(html.len()))
        }
        _ => {
            let end = bytes[start..]
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>')
                .map_or(html.len(), |e| start + e);
            (&html[start..end], end)
        }
    }
}

/// [`duplicate_id`] reading every tag: the ids of elements, not `id=` in comments, scripts,
/// styles or text.
fn duplicate_id_in_tags(html: &str) -> Option<&str> {
    let mut seen = foldhash::HashSet::default();
    repeated_id(html, |id| seen.insert(id))
}

/// The first id of `html`'s tags that `is_new` says was seen before: [`duplicate_id`] across
/// several pieces of one page, with `is_new` remembering the ids of the pieces before.
pub fn repeated_id<'h>(html: &'h str, mut is_new: impl FnMut(&'h str) -> bool) -> Option<&'h str> {
    let bytes = html.as_bytes();
    // The end of the run of bytes from `from` that `stop` does not match.
    let run_end = |from: usize, stop: fn(u8) -> bool| {
        bytes[from..]
            .iter()
            .position(|&b| stop(b))
            .map_or(bytes.len(), |e| from + e)
    };
    let mut i = 0;
    while let Some(open) = memchr::memchr(b'<', &bytes[i..]) {
        i += open + 1;
        if bytes[i..].starts_with(b"!--") {
            i = memchr::memmem::find(&bytes[i..], b"-->").map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        let name_end = run_end(i, |b| b.is_ascii_whitespace() || b == b'>' || b == b'/');
        let name = &bytes[i..name_end];
        i = name_end;
        // Attributes up to the end of the tag.
        loop {
            i = run_end(i, |b| !(b.is_ascii_whitespace() || b == b'/'));
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let attr_end = run_end(i, |b| b.is_ascii_whitespace() || b == b'=' || b == b'>');
            let attr = &bytes[i..attr_end];
            i = attr_end;
            if bytes.get(i) != Some(&b'=') {
                continue;
            }
            let (value, after) = attribute_value(html, i + 1);
            i = after;
            if attr.eq_ignore_ascii_case(b"id") && !is_new(value) {
                return Some(value);
            }
        }
        // A script or style runs to its closing tag, written in lower case.
        let close: &[u8] = if name.eq_ignore_ascii_case(b"script") {
            b"</script"
        } else if name.eq_ignore_ascii_case(b"style") {
            b"</style"
        } else {
            continue;
        };
        i = memchr::memmem::find(&bytes[i..], close).map_or(bytes.len(), |at| i + at);
    }
    None
}

/// Pieces of Markdown whose written markup each thread remembers before it starts over, and
/// the longest piece (as JSON) remembered: code blocks, which rarely repeat, are written anew.
const MARKUP_MEMO_PIECES: usize = 4096;
const MARKUP_MEMO_KEY: usize = 512;

/// Markup by partial and piece (as JSON), for the templates with this id.
type MarkupMemo = (usize, HashMap<String, (String, String)>);

thread_local! {
    static MARKUP_MEMO: std::cell::RefCell<MarkupMemo> = std::cell::RefCell::new((usize::MAX, HashMap::new()));
}

impl Templates {
    /// The words of the site's language.
    pub fn strings(&self) -> &Strings {
        &self.strings
    }

    /// Renders the partial `name` with its one variable, `var`, set to `data`: the markup of a
    /// piece Rust assembled as data.
    pub fn partial<S: serde::Serialize>(&self, name: &str, var: &str, data: &S) -> Result<String, Diagnostic> {
        let template = self.env.get_template(name).map_err(|e| template_error(&e, name))?;
        let context = Value::from(std::collections::BTreeMap::from([(
            var,
            Value::from(minijinja::value::Serde(data)),
        )]));
        template.render(context).map_err(|e| template_error(&e, name))
    }

    /// Writes a piece of a page's Markdown with its partial: the HTML before the piece's
    /// content and after it (see [`crate::markdown::CONTENT`]). A partial that fails writes
    /// nothing; [`Templates::check_markup`] reports why.
    ///
    /// A partial is a function of what it sees (its filters and functions read no clock, no
    /// file and no state), and pages repeat pieces (the same headings, tasks and table cells):
    /// each thread remembers what a small piece was written as and writes it once.
    pub fn markup(&self, piece: &crate::markdown::Markup) -> (String, String) {
        let (name, var) = piece.partial();
        // A code block is written anew: its key would be the whole block, which rarely repeats.
        let small = !matches!(piece, crate::markdown::Markup::Code { .. });
        let key = small
            .then(|| serde_json::to_string(piece).ok())
            .flatten()
            .filter(|json| json.len() <= MARKUP_MEMO_KEY)
            .map(|json| format!("{name}\n{json}"));
        if let Some(key) = &key {
            let remembered = MARKUP_MEMO.with(|memo| {
                let memo = memo.borrow();
                (memo.0 == self.id).then(|| memo.1.get(key).cloned()).flatten()
            });
            if let Some(written) = remembered {
                return written;
            }
        }
        let html = self.partial(name, var, piece).unwrap_or_default();
        let written = match html.split_once(crate::markdown::CONTENT) {
            Some((open, close)) => (open.to_string(), close.to_string()),
            None => (html, String::new()),
        };
        if let Some(key) = key {
            MARKUP_MEMO.with(|memo| {
                let mut memo = memo.borrow_mut();
                if memo.0 != self.id || memo.1.len() >= MARKUP_MEMO_PIECES {
                    *memo = (self.id, HashMap::new());
                }
                memo.1.insert(key, written.clone());
            });
        }
        written
    }

    /// Renders each Markdown partial once with sample data, so an error in one is reported
    /// (with its line) rather than leaving its pieces out of the pages.
    pub fn check_markup(&self) -> Diagnostics {
        use crate::markdown::{CONTENT, Markup};
        let mut problems = Diagnostics::new();
        let samples = [
            Markup::Heading {
                level: 2,
                id: "a",
                class: String::new(),
                self_link: true,
                html: CONTENT,
            },
            Markup::Callout {
                kind: "note",
                html: CONTENT,
            },
            Markup::Task { done: true },
            Markup::Image { src: "a.png", alt: "" },
            Markup::Code { lang: "", html: "" },
            Markup::Table {
                number: 1,
                html: CONTENT,
            },
            Markup::TableCell {
                tag: "th",
                align: "left",
                html: CONTENT,
            },
        ];
        for piece in &samples {
            let (name, var) = piece.partial();
            if let Err(problem) = self.partial(name, var, piece) {
                problems.push(problem);
            }
        }
        problems
    }

    /// The fixed ids the templates write.
    pub fn ids(&self) -> &std::collections::BTreeSet<String> {
        &self.ids
    }

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
        self.render_in(&self.env, TEMPLATE_FUEL, view, shared, parts, expected_len)
    }

    /// [`Templates::render_with`] for a page that lists `listed` pages of the guide: its budget
    /// grows by [`FUEL_PER_LISTED_PAGE`] for each.
    pub fn render_listing(
        &self,
        listed: usize,
        view: &PageView,
        shared: &Prepared,
        parts: Vec<(&'static str, Prepared)>,
        expected_len: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let fuel = TEMPLATE_FUEL.saturating_add(FUEL_PER_LISTED_PAGE.saturating_mul(listed as u64));
        // Fuel belongs to the environment; one copy with a bigger budget serves this page.
        let mut env = self.env.clone();
        env.set_fuel(Some(fuel));
        self.render_in(&env, fuel, view, shared, parts, expected_len)
    }

    fn render_in(
        &self,
        env: &Environment<'static>,
        fuel: u64,
        view: &PageView,
        shared: &Prepared,
        parts: Vec<(&'static str, Prepared)>,
        expected_len: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let name = self.template_for(view.core().kind);
        let template = env
            .get_template(&name)
            .map_err(|e| template_error_within(&e, &name, fuel))?;
        // The last map wins: `parts` hides the view's fields of the same name.
        let context = minijinja::value::merge_maps([
            shared.0.clone(),
            Value::from(minijinja::value::Serde(view)),
            Prepared::map(parts).0,
        ]);
        let mut out = Vec::with_capacity(expected_len);
        template
            .render_captured_to(context, &mut out)
            .map_err(|e| template_error_within(&e, &name, fuel))?;
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
        env.set_fuel(Some(TEMPLATE_FUEL));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patched_list_reads_as_the_list_with_its_items_replaced() {
        let items = |words: &[&str]| Prepared::list(words.iter().map(Prepared::new).collect());
        let patched = Prepared::patched(&items(&["a", "b", "c"]), vec![(1, Prepared::new(&"B"))]);
        let plain = items(&["a", "B", "c"]);
        let template = "{{ x|length }} {{ x[0] }}{{ x[1] }}{{ x[-1] }}{{ x[-2] }} [{{ x[3] }}] {{ x }} \
            {% for i in x %}{{ i }}{% if loop.last %}!{% endif %}{% endfor %} {{ x|join(',') }} \
            {{ x|reverse|join }} {% if x %}some{% else %}none{% endif %} {{ 'B' in x }} {{ x[1:] }}";
        let render = |x: &Prepared| {
            Environment::new()
                .render_str(template, minijinja::context! { x => x.0.clone() })
                .unwrap()
        };
        assert_eq!(render(&patched), render(&plain));
        assert_eq!(
            render(&patched),
            "3 aBcB [] ['a', 'B', 'c'] aBc! a,B,c cBa some True ['B', 'c']"
        );
        let empty = Prepared::patched(&items(&[]), Vec::new());
        assert_eq!(render(&empty), render(&items(&[])));
        assert!(render(&empty).contains(" none "));
    }

    #[test]
    fn finds_an_id_given_twice_in_tags_only() {
        assert_eq!(duplicate_id("<h2 id=\"a\">x</h2><p id=a>"), Some("a"));
        assert_eq!(duplicate_id("<main id='main'><h2 class=x ID=\"main\">"), Some("main"));
        let clean = "<!-- <p id=\"x\"> --><p id=\"x\">id=\"x\" in text</p>\
            <script type=\"application/json\" id=\"r\">{\"id=\\\"x\\\"\": 1}</script>\
            <pre><code>id=\"x\"</code></pre><input id=\"y\" disabled><b id=\"z\"/>";
        assert_eq!(duplicate_id(clean), None);
        assert_eq!(duplicate_id("<p id=\"\"><p id=\"b\"><p id=\"b\">"), Some("b"));
    }

    #[test]
    fn ids_in_text_comments_and_scripts_are_read_only_when_an_id_value_repeats() {
        // Each `id=` value differs: no tag needs reading.
        assert!(!id_values_repeat("<p id=a><p Id='b' data-id=a><p/id=c>id=d"));
        // `data-id` and `aid` are other attributes; values end at a space or `>` unless quoted.
        assert!(!id_values_repeat("<p id=a data-id=a aid=a><p id=\"a b\"><p id=c>a>"));
        assert!(id_values_repeat("<p id=a><!-- id=a -->"));
        assert_eq!(duplicate_id("<p id=a><!-- id=a -->"), None);
        assert!(id_values_repeat("<p id=\"a\"><p class=x\tID='a'>"));
        assert_eq!(duplicate_id("<p id=\"a\"><p class=x\tID='a'>"), Some("a"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Any id the tag reader finds twice is found by the quick look for repeated `id=`
        /// values, so the quick look never hides a duplicate.
        #[test]
        fn the_quick_look_for_ids_never_misses_a_duplicate(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "<p", "<script", "</script>", "<STYLE", "</style>", ">", "/", " ", "\t", "\n", "=",
                    "'", "\"", "a", "id=a", "ID='a'", "Id=\"a\"", "iD=a b", "data-id=a", "<!--", "-->",
                ][..]),
                0..16,
            )
        ) {
            let html = pieces.concat();
            proptest::prop_assert_eq!(duplicate_id(&html), duplicate_id_in_tags(&html));
        }
    }

    /// The shipped templates, with the words of `language`.
    fn shipped(language: &str) -> Templates {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
        let (templates, warnings) = load(&root.join("templates"), &root, language).unwrap();
        assert_eq!(warnings.warning_count(), 0);
        templates
    }

    #[test]
    fn basis_markers_link_each_source_once_with_a_label_in_the_sites_language() {
        let basis = [crate::markdown::BasisView {
            number: 3,
            id: "guide-c".into(),
            title: "Egress \"C\"".into(),
        }];
        assert_eq!(
            shipped("en").partial("partials/basis.html", "basis", &basis).unwrap(),
            "<sup class=\"basis\"><a href=\"#source-guide-c\" aria-label=\"Source 3: Egress &quot;C&quot;\">[3]</a></sup>"
        );
        assert!(
            shipped("fr")
                .partial("partials/basis.html", "basis", &basis)
                .unwrap()
                .contains("aria-label=\"Source 3 : Egress &quot;C&quot;\"")
        );
        let none: [crate::markdown::BasisView; 0] = [];
        assert_eq!(
            shipped("en").partial("partials/basis.html", "basis", &none).unwrap(),
            ""
        );
    }

    #[test]
    fn a_guide_without_partials_gets_riskguides_own() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("templates")).unwrap();
        std::fs::write(root.join("templates/page.html"), "{{ strings.nav_overview }}").unwrap();
        let (templates, _) = load(&root.join("templates"), &root, "fr").unwrap();
        for (name, _) in PARTIALS {
            assert!(templates.env.get_template(name).is_ok(), "{name}");
        }
        assert_eq!(templates.strings().get("nav_overview"), "Vue d’ensemble");
    }

    #[test]
    fn fill_escapes_plain_values_and_keeps_markup() {
        let templates = shipped("en");
        let out = templates
            .env
            .render_str(
                "{{ \"<a href='{href}'>{n}</a>\"|safe|fill(href='a\"b', n=2) }}",
                minijinja::context! {},
            )
            .unwrap();
        assert_eq!(out, "<a href='a&quot;b'>2</a>");
        // A value that holds a mark of its own (a title with `{b}` in it) is not filled again.
        let out = templates
            .env
            .render_str("{{ \"{a} {b}\"|fill(a='{b}', b='x') }}", minijinja::context! {})
            .unwrap();
        assert_eq!(out, "{b} x");
    }

    #[test]
    fn literal_ids_leave_out_ids_built_from_values() {
        let ids: Vec<&str> = literal_ids("<main id=\"main\"><p id=\"q-{{ q.id }}\" data-id=\"x\">").collect();
        assert_eq!(ids, ["main"]);
    }
}
