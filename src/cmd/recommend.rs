//! `riskguide recommend`: the questionnaire on the terminal, through the same evaluator as the site.

use super::{CONTENT_ERRORS, Code, OK, USAGE, load_config, print_diagnostics};
use riskguide::compile::{Report, report};
use riskguide::model::{Effect, Platform, Questionnaire};
use riskguide::pipeline;
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
    // Optional questions may stay unanswered (they count as neutral); the others are needed.
    let missing: Vec<usize> = (0..q.questions.len())
        .filter(|i| chosen[*i].is_none() && q.questions.get(*i).is_some_and(|qq| !qq.optional))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: {} of {} required questions still need an answer:",
            missing.len(),
            q.questions.iter().filter(|qq| !qq.optional).count()
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

fn signed(n: i64) -> String {
    if n > 0 { format!("+{n}") } else { n.to_string() }
}

fn cost_text(r: &Report, p: Platform) -> String {
    r.costs
        .get(&p)
        .map_or(String::new(), |c| format!(", ${}-{} a month", c.min, c.max))
}

fn print_human(q: &Questionnaire, r: &Report) {
    let name = |p: Platform| q.platform_name(p).to_string();
    let label = |qid: &str, oid: &str| {
        q.questions
            .iter()
            .find(|question| question.id.as_str() == qid)
            .and_then(|question| question.options.iter().find(|o| o.id.as_str() == oid))
            .map_or(String::new(), |o| format!("  ({})", o.label))
    };
    match r.platform {
        Some(w) => say!("Recommendation: {}", name(w)),
        None => say!("Recommendation: none of the platforms fits yet"),
    }
    let scores: Vec<String> = q
        .tie_break
        .iter()
        .map(|p| match r.scores.get(p).copied().flatten() {
            Some(s) => format!("{} {s}{}", name(*p), cost_text(r, *p)),
            None => format!("{} excluded{}", name(*p), cost_text(r, *p)),
        })
        .collect();
    say!("Scores: {}", scores.join(" · "));
    let score = |p: Platform| r.scores.get(&p).copied().flatten().unwrap_or(0);
    if let (Some(w), Some(ru)) = (r.platform, r.runner_up) {
        let gap = score(w).saturating_sub(score(ru));
        let order: Vec<&str> = q.tie_break.iter().map(|p| q.platform_name(*p)).collect();
        if gap == 0 {
            say!(
                "Tie with {}: a tie goes to the first in this order: {}.",
                name(ru),
                order.join(", then ")
            );
        } else if r.close_call {
            say!("Close call: {} is only {gap} behind.", name(ru));
        } else {
            say!("Runner-up: {}, {gap} behind.", name(ru));
        }
    }
    if !r.unanswered.is_empty() {
        say!(
            "Not answered (counted as neutral; answering them sharpens the result): {}",
            r.unanswered.join(", ")
        );
    }
    if !r.blockers.is_empty() {
        say!("\nWhat stands in the way:");
        for (p, list) in &r.blockers {
            let how = if r.excluded.contains_key(p) {
                "ruled out"
            } else {
                "scores too low"
            };
            say!("  {} ({how}):", name(*p));
            for reason in list {
                let f = &reason.fired;
                say!("    {}={}: {} ({})", f.question, f.option, f.text, reason.link);
            }
        }
    } else if !r.excluded.is_empty() {
        say!("\nRuled out:");
        for (p, list) in &r.excluded {
            say!("  {}:", name(*p));
            for reason in list {
                let f = &reason.fired;
                say!("    {}={}: {} ({})", f.question, f.option, f.text, reason.link);
            }
        }
    }
    for p in [r.platform, r.runner_up].into_iter().flatten() {
        let role = if Some(p) == r.platform { "" } else { ", the runner-up," };
        say!("\nWhy {}{role} scored {}:", name(p), score(p));
        for reason in r.reasons.iter().filter(|x| x.fired.platform == p) {
            if let Effect::Delta(n) = reason.fired.effect {
                say!("  {:>3} {} ({})", signed(n), reason.fired.text, reason.link);
            }
        }
    }
    if r.platform.is_some() {
        say!("\nWhat would change it:");
    } else {
        say!("\nThe smallest changes that would let a platform fit:");
    }
    if r.flips.is_empty() {
        say!("  no single change of answer would.");
    }
    for f in &r.flips {
        let to = f.platform.map_or("no platform fits".to_string(), name);
        say!(
            "  --answer {}={} → {to}{}",
            f.question,
            f.option,
            label(&f.question, &f.option)
        );
    }
    if !r.follow_up.is_empty() {
        say!("\nFollow-up:");
        for f in &r.follow_up {
            let mark = if f.action.fix_first { "fix first: " } else { "" };
            match &f.link {
                Some(link) => say!("  - {mark}{} ({link})", f.action.text),
                None => say!("  - {mark}{}", f.action.text),
            }
        }
    }
    if !r.checklists.is_empty() {
        say!("\nChecklists:");
        for c in &r.checklists {
            say!("  {}", c.url);
        }
    }
    say!("\nShare: {}", r.share);
}
