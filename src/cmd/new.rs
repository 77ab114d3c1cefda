//! `riskguide new DIR`: a minimal guide (a page, a table, a checklist, a two-question
//! questionnaire) with the shipped templates and styles, ready to build and check clean.

use super::{Code, OK, USAGE};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/skeleton.rs"));

const SITE: &str = r#"title = "My risk guide"
description = "What can go wrong, and how to choose where to run it."
base_url = "https://example.org/"
language = "en"
output_dir = "public"
version = "0.1"
search = true
"#;

const HOME: &str = r#"+++
title = "My risk guide"
description = "Start here: the platforms, their risks, and how to choose."
reviewed = 2026-01-01
platforms = ["mac", "vps", "mw"]
+++

This guide compares where to run a service and what can go wrong on each platform.

## At a glance {#at-a-glance}

```table
platforms
```

Read about [the main risk](/risks/exposure/), answer the [questionnaire](/questionnaire/), then
work through the [pre-deploy checklist](/checklists/predeploy/).
"#;

const RISKS_INDEX: &str = r#"+++
title = "Risks"
description = "Every risk this guide covers."
weight = 10
reviewed = 2026-01-01
+++

Each page describes one risk: what happens, why it matters, and what to do.
"#;

const RISK: &str = r#"+++
title = "Exposed admin port"
description = "A management port reachable from the internet."
risks = ["exposed-port"]
weight = 10
reviewed = 2026-01-01
platforms = ["vps"]
+++

## What happens {#what-happens}

A service that listens on every interface can be found by scanners within hours.

## What to do {#what-to-do}

Bind it to loopback and check from another machine:

```bash
curl --max-time 5 http://YOUR_SERVER:8080/health
```
"#;

const TABLE: &str = r#"caption = "Platforms at a glance"

[[column]]
key = "platform"
label = "Platform"
kind = "platform"

[[column]]
key = "exposure"
label = "Network exposure"
kind = "rating"

[[row]]
platform = "mac"
exposure = { level = "low", text = "Behind the home router", basis = ["our-reading"] }

[[row]]
platform = "vps"
exposure = { risk = "exposed-port", text = "[Public address](/risks/exposure/)" }

[[row]]
platform = "mw"
exposure = { level = "medium", text = "Managed by the provider", basis = ["our-reading"] }
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

const RISKS: &str = r#"# Each risk, rated once per platform; tables and pages take their levels from here.

[[risk]]
id = "exposed-port"
title = "Exposed admin port"
page = "/risks/exposure/#what-happens"
rating.vps = { level = "high", basis = ["vendor-docs"], note = "Public address" }
"#;

const CHECKLIST: &str = r#"id = "predeploy"
title = "Before you deploy"
kind = "predeploy"
platforms = ["mac", "vps", "mw"]
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
"#;

const QUESTIONNAIRE: &str = r#"title = "Which platform fits?"
intro = "Two questions; the answer is worked out in your browser and nothing is sent anywhere."
tie_break = ["mac", "vps", "mw"]
close_call_gap = 1

[platform.mac]
name = "Computer at home"
page = "/"
checklists = ["predeploy"]

[platform.vps]
name = "Rented server"
page = "/risks/exposure/"
checklists = ["predeploy"]

[platform.mw]
name = "Managed platform"
page = "/"
checklists = ["predeploy"]

[[question]]
id = "hosting"
prompt = "Where would you rather run it?"

[[question.option]]
id = "home"
label = "On hardware I own"
effects = { mac = 2 }
reasons = [{ platform = "mac", text = "You keep physical control.", link = "/#at-a-glance" }]

[[question.option]]
id = "server"
label = "On a server I administer"
effects = { vps = 2 }
reasons = [{ platform = "vps", text = "You run it, on a public address.", link = "/risks/exposure/" }]

[[question.option]]
id = "managed"
label = "Somewhere I never have to administer"
effects = { mw = 2 }
reasons = [{ platform = "mw", text = "The provider runs the infrastructure.", link = "/#at-a-glance" }]

[[question]]
id = "data"
prompt = "How sensitive is the data?"

[[question.option]]
id = "public"
label = "Public only"
effects = { mw = 1 }
reasons = [{ platform = "mw", text = "Nothing private is at stake.", link = "/#at-a-glance" }]

[[question.option]]
id = "private"
label = "Private"
effects = { mac = 1, vps = 1, mw = "exclude" }
reasons = [
  { platform = "mac", text = "Private data stays on your hardware.", link = "/#at-a-glance" },
  { platform = "vps", text = "You control the server.", link = "/risks/exposure/" },
  { platform = "mw", text = "A third party would hold private data.", link = "/#at-a-glance" },
]
follow_up = [{ text = "Work through the pre-deploy checklist", link = "/checklists/predeploy/" }]

[[persona]]
id = "hobbyist"
name = "Hobbyist"
summary = "A public demo bot."
answers = { hosting = "managed", data = "public" }
expect = "mw"
"#;

const CONTENT: &[(&str, &str)] = &[
    ("site.toml", SITE),
    ("content/index.md", HOME),
    ("content/risks/index.md", RISKS_INDEX),
    ("content/risks/exposure.md", RISK),
    ("content/tables/platforms.toml", TABLE),
    ("content/sources.toml", SOURCES),
    ("content/risks.toml", RISKS),
    ("content/checklists/predeploy.toml", CHECKLIST),
    ("content/questionnaire.toml", QUESTIONNAIRE),
];

pub fn run(dir: &Path) -> Code {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!(
            "error: {} exists and is not empty; choose a new directory",
            dir.display()
        );
        return USAGE;
    }
    let text_files = CONTENT.iter().map(|(p, t)| (*p, t.as_bytes()));
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
