//! Which generated pages exist and their views (checklists, sources, the checklist index and
//! its printable form, the questionnaire and the plan), the questionnaire's rules, the anchor
//! index links are checked against, and code samples to warm the highlighter with.

use crate::build::chrome::Chrome;
use crate::build::pages::{checklist_markup, embed_html};
use crate::compile::{self, ChecklistPlace};
use crate::diagnostics::Diagnostics;
use crate::discover::{FileKind, SourceFile};
use crate::markdown::{self, Context, EmbedKind};
use crate::model::{self, AnchorIndex, Page, Platform, Route, Site, routes};
use crate::render::Templates;
use crate::view::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Code to compile grammars for while the site loads: the first block of each language in the
/// first pages, which finds the languages a guide uses, and Bash for checklist commands.
pub(crate) fn code_samples(files: &[SourceFile]) -> Vec<(String, String)> {
    let mut samples = BTreeMap::new();
    for file in files.iter().filter(|f| f.kind == FileKind::Page).take(64) {
        markdown::code_samples(&file.text, &mut samples);
    }
    if files
        .iter()
        .any(|f| f.kind == FileKind::Checklist && f.text.contains("code"))
    {
        samples
            .entry("bash".to_string())
            .or_insert_with(|| "true\n".to_string());
    }
    samples.into_iter().collect()
}

/// Every anchor a link may name: page headings, checklist items, questionnaire questions.
pub(crate) fn anchor_index(site: &Site, reserved_ids: &BTreeSet<String>) -> AnchorIndex {
    let outlines: Vec<BTreeSet<String>> = site
        .pages
        .par_iter()
        .map(|page| {
            markdown::outline(page.body(), reserved_ids)
                .into_iter()
                .map(|h| h.id)
                .collect()
        })
        .collect();
    let mut anchors = AnchorIndex::new();
    for (page, ids) in site.pages.iter().zip(outlines) {
        anchors.insert(page.route.clone(), ids);
    }
    for list in site.checklists.values() {
        anchors.insert(list.route.clone(), compile::checklist_anchors(list).collect());
    }
    if !site.sources.is_empty() {
        let ids = site.sources.iter().map(|s| format!("source-{}", s.id)).collect();
        anchors.insert(Route::new(routes::SOURCES), ids);
    }
    if let Some(q) = &site.questionnaire {
        let mut set: BTreeSet<String> = q.questions.iter().map(|qq| format!("q-{}", qq.id)).collect();
        set.insert("result".into());
        set.insert("matrix".into());
        anchors.insert(Route::new(routes::QUESTIONNAIRE), set);
    }
    anchors
}

pub(crate) fn questionnaire_view(
    q: &model::Questionnaire,
    rules_json: String,
    intro_html: String,
    names: &dyn Fn(Platform) -> String,
) -> QuestionnaireView {
    let questions = q
        .questions
        .iter()
        .enumerate()
        .map(|(n, question)| QuestionView {
            id: question.id.to_string(),
            number: n + 1,
            optional: question.optional,
            prompt: question.prompt.clone(),
            help: question.help.clone(),
            options: question
                .options
                .iter()
                .map(|o| OptionView {
                    id: o.id.to_string(),
                    label: o.label.clone(),
                    effects: q
                        .all()
                        .iter()
                        .map(|p| {
                            let shown = match o.effects.get(p) {
                                Some(model::Effect::Delta(d)) if *d > 0 => format!("+{d}"),
                                Some(model::Effect::Delta(d)) => format!("\u{2212}{}", d.abs()),
                                Some(model::Effect::Exclude(_)) => "excluded".to_string(),
                                None => String::new(),
                            };
                            (p.id(), shown)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let personas = q
        .personas
        .iter()
        .map(|p| {
            let answers: Vec<Option<usize>> = p.answers.iter().map(|a| Some(*a)).collect();
            PersonaView {
                id: p.id.to_string(),
                name: p.name.clone(),
                summary: p.summary.clone(),
                fragment: compile::fragment(q, &answers),
                expect: p.expect.map(|e| PlatformView::new(e, &names(e))),
            }
        })
        .collect();
    QuestionnaireView {
        intro_html,
        questions,
        personas,
        platforms: q.tie_break.iter().map(|p| PlatformView::new(*p, &names(*p))).collect(),
        costs: q
            .platforms
            .iter()
            .filter_map(|p| p.cost.map(|c| (p.platform.id(), cost_text(c))))
            .collect(),
        min_score: q.min_score,
        rules_json,
    }
}

/// A monthly cost range as the page shows it: `$13–20 a month`.
pub(crate) fn cost_text(cost: model::Cost) -> String {
    if cost.min == cost.max {
        format!("${} a month", cost.min)
    } else {
        format!("${}\u{2013}{} a month", cost.min, cost.max)
    }
}

/// The questionnaire's rules for the browser, the plan's shorter rules, and its introduction.
pub(crate) type QuestionnaireRules = (String, String, String);

/// The questionnaire's compiled rules, with the problems its audit finds.
pub(crate) fn questionnaire_rules(
    site: &Site,
    inner: &Context,
    problems: &mut Diagnostics,
) -> Option<QuestionnaireRules> {
    let mut questionnaire_rules = None;
    if let Some(q) = &site.questionnaire {
        let titles = site
            .checklists
            .values()
            .map(|c| (c.id.clone(), (c.title.clone(), c.route.clone())))
            .collect();
        let rules = compile::rules(q, &Route::new(routes::QUESTIONNAIRE), inner, &titles, problems);
        let intro = markdown::render_block(&q.intro, &Route::new(routes::QUESTIONNAIRE), inner, problems);
        problems.extend(compile::audit(q));
        let plan_json = compile::json_for_html(&rules.for_plan());
        questionnaire_rules = Some((compile::json_for_html(&rules.for_questionnaire()), plan_json, intro));
    }
    questionnaire_rules
}

/// The generated pages' views, each with its output path: the checklists' own pages, the
/// sources, the checklist index and its printable form, the questionnaire and the plan.
pub(crate) fn special_views(
    site: &Site,
    chrome: &Chrome,
    templates: &Templates,
    inner: &Context,
    used_on: &BTreeMap<model::SourceId, Vec<&Page>>,
    checklist_pages: BTreeMap<model::ChecklistId, String>,
    questionnaire_rules: Option<QuestionnaireRules>,
) -> Vec<(String, PageView)> {
    let words = templates.strings();
    let names = |p: Platform| site.platform_name(p).to_string();
    let short_names = |p: Platform| site.platform_short(p).to_string();
    // A generated page with its sidebar, titled and described by the strings
    // `{key}_title` and `{key}_description`.
    let worded_core = |kind: &'static str, route: &Route, key: &str, shows_checklists: bool| {
        let (title, description) = (format!("{key}_title"), format!("{key}_description"));
        chrome.with_nav(chrome.bare_core(
            kind,
            route,
            words.get(&title),
            words.get(&description),
            shows_checklists,
        ))
    };
    let mut views: Vec<(String, PageView)> = Vec::new();
    for checklist in site.checklists.values() {
        let mut card = chrome.card(checklist, &checklist.route);
        card.href = String::new();
        let view = ChecklistPage {
            core: chrome.with_nav(chrome.bare_core("checklist", &checklist.route, &checklist.title, "", true)),
            checklist: ChecklistView {
                card,
                html: checklist_pages.get(&checklist.id).cloned().unwrap_or_default(),
            },
        };
        views.push((checklist.route.output_path(), PageView::Checklist(view)));
    }
    if !site.sources.is_empty() {
        let route = Route::new(routes::SOURCES);
        let core = worded_core("page", &route, "sources_page", false);
        let html = templates
            .partial(
                "partials/source-index.html",
                "sources",
                &compile::source_index_view(site, &route, used_on),
            )
            .unwrap_or_default();
        views.push((route.output_path(), PageView::Sources(sources_page(core, html))));
    }
    let hub = Route::new(routes::CHECKLISTS);
    let view = ChecklistsPage {
        core: worded_core("checklists", &hub, "checklists", false),
        checklists: chrome.checklist_views(&hub, None),
    };
    views.push((hub.output_path(), PageView::ChecklistIndex(view)));
    let print_lists = Route::new(routes::PRINT_CHECKLISTS);
    let embedded = |c: &model::Checklist, from: &Route| {
        embed_html(site, Some(templates), inner, EmbedKind::Checklist, c.id.as_str(), from).unwrap_or_default()
    };
    let checklists = chrome.checklist_views(&print_lists, Some(&embedded));
    let view = ChecklistsPage {
        core: worded_core(
            "print-checklists",
            &print_lists,
            "print_checklists",
            any_html(&checklists),
        ),
        checklists,
    };
    views.push((print_lists.output_path(), PageView::PrintChecklists(view)));
    if let (Some(q), Some((rules_json, plan_json, intro_html))) = (&site.questionnaire, questionnaire_rules) {
        let qroute = Route::new(routes::QUESTIONNAIRE);
        let qview = questionnaire_view(q, rules_json, intro_html, &names);
        let view = Questionnaire {
            core: chrome.with_nav(chrome.bare_core(
                "questionnaire",
                &qroute,
                &q.title,
                words.get("questionnaire_description"),
                false,
            )),
            questionnaire: qview.clone(),
        };
        views.push((qroute.output_path(), PageView::Questionnaire(view)));
        let plan = Route::new(routes::PLAN);
        let brief = |c: &model::Checklist, from: &Route| {
            let list = compile::checklist_view(
                c,
                from,
                inner,
                ChecklistPlace::Plan,
                &short_names,
                &mut Diagnostics::new(),
            );
            checklist_markup(Some(templates), &list, &mut Diagnostics::new())
        };
        let checklists = chrome.checklist_views(&plan, Some(&brief));
        let view = Plan {
            core: worded_core("plan", &plan, "plan", any_html(&checklists)),
            questionnaire: QuestionnaireView {
                rules_json: plan_json,
                ..qview
            },
            checklists,
        };
        views.push((plan.output_path(), PageView::Plan(view)));
    }
    views
}

/// Whether any of the checklists is written out on the page, not only its card.
fn any_html(checklists: &[ChecklistView]) -> bool {
    checklists.iter().any(|c| !c.html.is_empty())
}

/// The page of all sources: a content page with no rating, contents or neighbours.
fn sources_page(core: PageCore, html: String) -> SourcesPage {
    SourcesPage {
        page: ContentPage {
            core,
            toc: Vec::new(),
            severity: None,
            severity_basis: String::new(),
            reviewed: None,
            platforms: Vec::new(),
            section: None,
            prev: None,
            next: None,
            sources_html: String::new(),
            embedded_checklists: Vec::new(),
        },
        html,
    }
}
