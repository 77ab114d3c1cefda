//! `riskguide new DIR`: a minimal guide (a page, a table, a checklist, a two-question
//! questionnaire) with the shipped templates and styles, ready to build and check clean. The
//! platforms it compares are the ones named on the command line; the files that refer to them
//! are written for that list.

use super::{Code, OK, USAGE};
use riskguide::model::{PLATFORM_COUNT, is_valid_id};
use std::fmt::Write;
use std::path::Path;

/// The platforms of a new guide when `--platforms` is not given: two generic ones, for the
/// author to rename.
pub const DEFAULT_PLATFORMS: &str = "self-hosted,managed";

include!(concat!(env!("OUT_DIR"), "/skeleton.rs"));

const SITE: &str = r#"title = "My risk guide"
description = "What can go wrong, and how to choose where to run it."
base_url = "https://example.org/"
language = "en"
output_dir = "public"
version = "0.1"
search = true
"#;

const RISKS_INDEX: &str = r#"+++
title = "Risks"
description = "Every risk this guide covers."
weight = 10
reviewed = 2026-01-01
+++

Each page describes one risk: what happens, why it matters, and what to do.
"#;

const SOURCES: &str = r#"# What every rating rests on: a section of your source document, an upstream document
# (with the date you last read it) or your own assessment (with its reason).

[[source]]
id = "vendor-docs"
kind = "upstream"
title = "The service's hardening guide"
url = "https://example.org/hardening"
checked = 2026-01-01

[[source]]
id = "our-reading"
kind = "assessment"
title = "Our reading of the platform"
rationale = "Rated by how the platform is reached by default, before any fix."
"#;

/// The platform ids from `--platforms`, checked: 2 to 6 distinct valid ids.
pub fn parse_platforms(list: &str) -> Result<Vec<String>, String> {
    let ids: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    if let Some(bad) = ids.iter().find(|id| !is_valid_id(id)) {
        return Err(format!("`{}` is not a valid platform id", bad.escape_debug()));
    }
    if let Some((_, dup)) = ids.iter().enumerate().find(|(i, id)| ids[..*i].contains(id)) {
        return Err(format!("platform `{dup}` is named twice"));
    }
    if !PLATFORM_COUNT.contains(&ids.len()) {
        return Err(format!(
            "{} given; a guide compares {} to {} platforms",
            ids.len(),
            PLATFORM_COUNT.start(),
            PLATFORM_COUNT.end()
        ));
    }
    Ok(ids)
}

/// A starting name for a platform id (`self-hosted` → `Self-hosted`), for the author to replace.
fn starting_name(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

fn quoted_list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The content files of the skeleton, written for these platforms (at least two). The second
/// platform carries the example risk, so the table shows both a rated risk and an assessment.
fn content_files(ids: &[String]) -> Vec<(&'static str, String)> {
    let all = quoted_list(ids);
    let exposed = &ids[1];
    vec![
        ("site.toml", SITE.to_string()),
        ("content/platforms.toml", platforms_file(ids)),
        ("content/index.md", home_page(&all)),
        ("content/risks/index.md", RISKS_INDEX.to_string()),
        ("content/risks/exposure.md", risk_page(exposed)),
        ("content/tables/platforms.toml", platforms_table(ids, exposed)),
        ("content/sources.toml", SOURCES.to_string()),
        ("content/risks.toml", risks_file(exposed)),
        ("content/checklists/predeploy.toml", checklist_file(&all)),
        ("content/questionnaire.toml", questionnaire_file(ids)),
    ]
}

/// Each platform with a starting name, the home page as its section and the one checklist.
fn platforms_file(ids: &[String]) -> String {
    let mut platforms = String::from(
        "# The platforms this guide compares, in the order tables, chips and scores show them.\n\
         # `name` is shown on pages and links, `short` on chips; the questionnaire links the name\n\
         # to `page` and offers `checklists` with its recommendation.\n",
    );
    for id in ids {
        let name = starting_name(id);
        let _ = write!(
            platforms,
            "\n[[platform]]\nid = \"{id}\"\nname = \"{name}\"\nshort = \"{name}\"\npage = \"/\"\nchecklists = [\"predeploy\"]\n"
        );
    }
    platforms
}

fn home_page(all: &str) -> String {
    format!(
        r#"+++
title = "My risk guide"
description = "Start here: the platforms, their risks, and how to choose."
reviewed = 2026-01-01
platforms = {all}
+++

This guide compares where to run a service and what can go wrong on each platform.

## At a glance {{#at-a-glance}}

```table
platforms
```

Read about [the main risk](/risks/exposure/), answer the [questionnaire](/questionnaire/), then
work through the [pre-deploy checklist](/checklists/predeploy/).
"#
    )
}

fn risk_page(exposed: &str) -> String {
    format!(
        r#"+++
title = "Exposed admin port"
description = "A management port reachable from the internet."
risks = ["exposed-port"]
weight = 10
reviewed = 2026-01-01
platforms = ["{exposed}"]
+++

## What happens {{#what-happens}}

A service that listens on every interface can be found by scanners within hours.

## What to do {{#what-to-do}}

Bind it to loopback and check from another machine:

```bash
curl --max-time 5 http://YOUR_SERVER:8080/health
```
"#
    )
}

/// One row per platform: the exposed one rated from the risk register, the others assessed.
fn platforms_table(ids: &[String], exposed: &str) -> String {
    let mut table = String::from(
        "caption = \"Platforms at a glance\"\n\n[[column]]\nkey = \"platform\"\nlabel = \"Platform\"\nkind = \"platform\"\n\n\
         [[column]]\nkey = \"exposure\"\nlabel = \"Network exposure\"\nkind = \"rating\"\n",
    );
    for id in ids {
        let exposure = if id == exposed {
            "{ risk = \"exposed-port\", text = \"[Public address](/risks/exposure/)\" }"
        } else {
            "{ level = \"low\", text = \"Not reachable from the internet by default\", basis = [\"our-reading\"] }"
        };
        let _ = write!(table, "\n[[row]]\nplatform = \"{id}\"\nexposure = {exposure}\n");
    }
    table
}

fn risks_file(exposed: &str) -> String {
    format!(
        r#"# Each risk, rated once per platform; tables and pages take their levels from here.

[[risk]]
id = "exposed-port"
title = "Exposed admin port"
page = "/risks/exposure/#what-happens"
rating.{exposed} = {{ level = "high", basis = ["vendor-docs"], note = "Public address" }}
"#
    )
}

fn checklist_file(all: &str) -> String {
    format!(
        r#"id = "predeploy"
title = "Before you deploy"
kind = "predeploy"
platforms = {all}
intro = "Tick each item as you go; progress is saved in your browser."

[[group]]
title = "Access"

[[group.item]]
id = "loopback-bind"
text = "The admin port listens on loopback only"
detail = "See [exposed admin port](/risks/exposure/#what-to-do)."

[[group.item]]
id = "strong-token"
text = "A long random token protects the admin API"

[[group.item.step]]
id = "generated"
text = "Generated with a password manager or `openssl rand -hex 32`"
"#
    )
}

/// Two questions: where to run it (each option favours its platform) and how sensitive the
/// data is (private data rules out the last platform, so every outcome stays reachable).
fn questionnaire_file(ids: &[String]) -> String {
    let (first, last) = (&ids[0], &ids[ids.len() - 1]);
    let mut questionnaire = format!(
        r#"title = "Which platform fits?"
intro = "Two questions; the answer is worked out in your browser and nothing is sent anywhere."
tie_break = {all}
close_call_gap = 1

[[question]]
id = "hosting"
prompt = "Where would you rather run it?"
"#,
        all = quoted_list(ids)
    );
    for id in ids {
        let name = starting_name(id);
        let _ = write!(
            questionnaire,
            "\n[[question.option]]\nid = \"{id}\"\nlabel = \"{name}\"\neffects = {{ {id} = 2 }}\n\
             reasons = [{{ platform = \"{id}\", text = \"You prefer it.\", link = \"/#at-a-glance\" }}]\n"
        );
    }
    let mut private_effects = Vec::new();
    let mut private_reasons = String::new();
    for id in ids {
        let (effect, text) = if id == last {
            ("\"exclude\"", "A third party would hold private data.")
        } else {
            ("1", "Private data stays under your control.")
        };
        private_effects.push(format!("{id} = {effect}"));
        let _ = writeln!(
            private_reasons,
            "  {{ platform = \"{id}\", text = \"{text}\", link = \"/#at-a-glance\" }},"
        );
    }
    let _ = write!(
        questionnaire,
        r#"
[[question]]
id = "data"
prompt = "How sensitive is the data?"

[[question.option]]
id = "public"
label = "Public only"
effects = {{ {last} = 1 }}
reasons = [{{ platform = "{last}", text = "Nothing private is at stake.", link = "/#at-a-glance" }}]

[[question.option]]
id = "private"
label = "Private"
effects = {{ {effects} }}
reasons = [
{private_reasons}]
follow_up = [{{ text = "Work through the pre-deploy checklist", link = "/checklists/predeploy/" }}]

[[persona]]
id = "careful"
name = "Careful owner"
summary = "Private data, on hardware of their choosing."
answers = {{ hosting = "{first}", data = "private" }}
expect = "{first}"
"#,
        effects = private_effects.join(", ")
    );
    questionnaire
}

pub fn run(dir: &Path, platforms: &str) -> Code {
    let ids = match parse_platforms(platforms) {
        Ok(ids) => ids,
        Err(message) => {
            eprintln!("error: --platforms: {message}");
            return USAGE;
        }
    };
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!(
            "error: {} exists and is not empty; choose a new directory",
            dir.display()
        );
        return USAGE;
    }
    let content = content_files(&ids);
    let text_files = content.iter().map(|(p, t)| (*p, t.as_bytes()));
    for (path, bytes) in text_files.chain(SKELETON_FILES.iter().copied()) {
        let target = dir.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, bytes));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", target.display());
            return USAGE;
        }
    }
    println!("Created a new guide in {}.", dir.display());
    println!(
        "Next: riskguide serve --root {}   (or: riskguide build --root {})",
        dir.display(),
        dir.display()
    );
    OK
}
