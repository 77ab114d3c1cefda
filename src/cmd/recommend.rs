//! `riskguide recommend`: the questionnaire on the terminal, through the same evaluator as the site.

use super::{CONTENT_ERRORS, Code, OK, USAGE, load_config, print_diagnostics};
use riskguide::compile::{evaluate, flips, fragment};
use riskguide::model::{Effect, Platform, Questionnaire};
use riskguide::pipeline;
use serde_json::{Value, json};
use std::path::Path;

pub fn run(root: &Path, answers: &[String], as_json: bool) -> Code {
    let config = match load_config(root) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let site = match pipeline::load_site(&config) {
        Ok((site, _)) => site,
        Err(list) => {
            print_diagnostics(&config.root, &list);
            return CONTENT_ERRORS;
        }
    };
    let Some(q) = site.questionnaire.as_ref() else {
        eprintln!("error: this site has no content/questionnaire.toml");
        return USAGE;
    };
    let chosen = match parse_answers(q, answers) {
        Ok(c) => c,
        Err(message) => {
            tell!("error: {message}");
            return USAGE;
        }
    };
    let missing: Vec<usize> = (0..q.questions.len()).filter(|i| chosen[*i].is_none()).collect();
    if !missing.is_empty() {
        eprintln!(
            "error: {} of {} questions still need an answer:",
            missing.len(),
            q.questions.len()
        );
        for question in missing.iter().filter_map(|i| q.questions.get(*i)) {
            tell!("\n  --answer {}=OPTION   {}", question.id, question.prompt);
            for o in &question.options {
                tell!("      {:<18} {}", o.id.as_str(), o.label);
            }
        }
        return USAGE;
    }
    let result = report(q, &chosen, &config.base_url);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
    } else {
        print_human(q, &result);
    }
    OK
}

fn parse_answers(q: &Questionnaire, answers: &[String]) -> Result<Vec<Option<usize>>, String> {
    let mut chosen: Vec<Option<usize>> = vec![None; q.questions.len()];
    for answer in answers {
        let Some((qid, oid)) = answer.split_once('=') else {
            return Err(format!("`{answer}` is not QUESTION=OPTION"));
        };
        let Some(qi) = q.questions.iter().position(|question| question.id.as_str() == qid) else {
            let valid: Vec<&str> = q.questions.iter().map(|question| question.id.as_str()).collect();
            return Err(format!("unknown question `{qid}`; questions are: {}", valid.join(", ")));
        };
        let question = &q.questions[qi];
        let Some(oi) = question.options.iter().position(|o| o.id.as_str() == oid) else {
            let valid: Vec<&str> = question.options.iter().map(|o| o.id.as_str()).collect();
            return Err(format!(
                "question `{qid}` has no option `{oid}`; options are: {}",
                valid.join(", ")
            ));
        };
        if let Some(before) = chosen[qi]
            .filter(|b: &usize| *b != oi)
            .and_then(|b: usize| question.options.get(b))
        {
            return Err(format!(
                "question `{qid}` is answered twice: `{}` and `{oid}`",
                before.id
            ));
        }
        chosen[qi] = Some(oi);
    }
    Ok(chosen)
}

/// The result as the JSON object of DESIGN §7 (plus runner-up, flips, follow-ups).
pub fn report(q: &Questionnaire, answers: &[Option<usize>], base_url: &str) -> Value {
    let e = evaluate(q, answers);
    let url = |link: &str| format!("{}{}", base_url, link.trim_start_matches('/'));
    let winner = e.winner();
    let scores: serde_json::Map<String, Value> = Platform::ALL
        .iter()
        .map(|p| {
            (
                p.id().to_string(),
                if e.excluded.contains_key(p) {
                    Value::Null
                } else {
                    json!(e.scores[p])
                },
            )
        })
        .collect();
    let mut reasons = Vec::new();
    let mut excluded: serde_json::Map<String, Value> = serde_json::Map::new();
    let mut follow_up = Vec::new();
    for (qi, question) in q.questions.iter().enumerate() {
        let Some(option) = answers[qi].and_then(|oi| question.options.get(oi)) else {
            continue;
        };
        for r in &option.reasons {
            let effect = match option.effects.get(&r.platform) {
                Some(Effect::Delta(n)) => json!(n),
                Some(Effect::Exclude) => json!("exclude"),
                None => json!(0),
            };
            let entry = json!({"question": question.id, "option": option.id, "platform": r.platform, "effect": effect, "text": r.text, "link": r.link.target, "url": url(&r.link.target)});
            if matches!(option.effects.get(&r.platform), Some(Effect::Exclude))
                && let Some(list) = excluded
                    .entry(r.platform.id())
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
            {
                list.push(entry.clone());
            }
            reasons.push(entry);
        }
        for f in &option.follow_up {
            if f.platform.is_none() || f.platform == winner {
                follow_up.push(json!({"question": question.id, "text": f.text, "link": f.link.as_ref().map(|l| l.target.clone()), "platform": f.platform}));
            }
        }
    }
    let flips: Vec<Value> = flips(q, answers)
        .into_iter()
        .map(|f| json!({"question": q.questions[f.question].id, "option": q.questions[f.question].options[f.option].id, "platform": f.platform}))
        .collect();
    let checklists: Vec<Value> = winner
        .and_then(|w| q.platform(w))
        .map(|info| {
            info.checklists
                .iter()
                .map(|c| json!({"id": c, "url": url(&format!("/checklists/{c}/"))}))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "platform": winner,
        "name": winner.map(|w| q.platform_name(w)),
        "scores": scores,
        "excluded": excluded,
        "close_call": e.close_call,
        "runner_up": e.runner_up(),
        "reasons": reasons,
        "flips": flips,
        "follow_up": follow_up,
        "checklists": checklists,
        "share": format!("{}questionnaire/#{}", base_url, fragment(q, answers)),
    })
}

fn print_human(q: &Questionnaire, r: &Value) {
    let platform = |id: &Value| id.as_str().and_then(Platform::parse);
    let name = |id: &Value| platform(id).map_or("none", |p| q.platform_name(p)).to_string();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    say!("Recommendation: {}", name(&r["platform"]));
    let scores: Vec<String> = q
        .tie_break
        .iter()
        .map(|p| match r["scores"][p.id()].as_i64() {
            Some(s) => format!("{} {s}", q.platform_name(*p)),
            None => format!("{} excluded", q.platform_name(*p)),
        })
        .collect();
    say!("Scores: {}", scores.join(" · "));
    let (winner, runner_up) = (platform(&r["platform"]), platform(&r["runner_up"]));
    if let (Some(w), Some(ru)) = (winner, runner_up) {
        let gap = r["scores"][w.id()]
            .as_i64()
            .unwrap_or(0)
            .saturating_sub(r["scores"][ru.id()].as_i64().unwrap_or(0));
        let order: Vec<&str> = q.tie_break.iter().map(|p| q.platform_name(*p)).collect();
        if gap == 0 {
            say!(
                "Tie with {}: a tie goes to the first in this order: {}.",
                q.platform_name(ru),
                order.join(", then ")
            );
        } else if r["close_call"].as_bool() == Some(true) {
            say!("Close call: {} is only {gap} behind.", q.platform_name(ru));
        } else {
            say!("Runner-up: {}, {gap} behind.", q.platform_name(ru));
        }
    }
    if let Some(excluded) = r["excluded"].as_object().filter(|m| !m.is_empty()) {
        say!("\nRuled out:");
        for (p, list) in excluded {
            say!("  {}:", name(&json!(p)));
            for reason in list.as_array().into_iter().flatten() {
                let (qid, oid) = (text(&reason["question"]), text(&reason["option"]));
                say!("    {qid}={oid}: {} ({})", text(&reason["text"]), text(&reason["link"]));
            }
        }
    }
    for p in [winner, runner_up].into_iter().flatten() {
        let role = if Some(p) == winner { "" } else { ", the runner-up," };
        say!(
            "\nWhy {}{role} scored {}:",
            q.platform_name(p),
            r["scores"][p.id()].as_i64().unwrap_or(0)
        );
        let mine = r["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| platform(&x["platform"]) == Some(p));
        for reason in mine {
            let effect = reason["effect"].as_i64().unwrap_or(0);
            let shown = if effect > 0 {
                format!("+{effect}")
            } else {
                effect.to_string()
            };
            say!("  {shown:>3} {} ({})", text(&reason["text"]), text(&reason["link"]));
        }
    }
    let flips = r["flips"].as_array().cloned().unwrap_or_default();
    say!("\nWhat would change it:");
    if flips.is_empty() {
        say!("  no single change of answer would.");
    }
    for f in &flips {
        let (qid, oid) = (text(&f["question"]), text(&f["option"]));
        let label = q
            .questions
            .iter()
            .find(|question| question.id.as_str() == qid)
            .and_then(|question| question.options.iter().find(|o| o.id.as_str() == oid))
            .map_or(String::new(), |o| format!("  ({})", o.label));
        say!("  --answer {qid}={oid} → {}{label}", name(&f["platform"]));
    }
    let follow: Vec<&Value> = r["follow_up"].as_array().into_iter().flatten().collect();
    if !follow.is_empty() {
        say!("\nFollow-up:");
        for f in follow {
            match f["link"].as_str() {
                Some(link) => say!("  - {} ({link})", text(&f["text"])),
                None => say!("  - {}", text(&f["text"])),
            }
        }
    }
    let lists: Vec<String> = r["checklists"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| text(&c["url"]))
        .collect();
    if !lists.is_empty() {
        say!("\nChecklists:");
        for url in lists {
            say!("  {url}");
        }
    }
    say!("\nShare: {}", text(&r["share"]));
}
