//! Which pages and anchors exist: the anchor index links are checked against, the
//! questionnaire and plan views, and code samples to warm the highlighter with.

use crate::compile::{self};
use crate::discover::{FileKind, SourceFile};
use crate::markdown::{self};
use crate::model::{self, AnchorIndex, Platform, Route, Site, routes};
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
