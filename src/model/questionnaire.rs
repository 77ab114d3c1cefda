//! The questionnaire: questions with their effects, the scoring's settings, and personas.

use super::*;

/// What one answer does to one platform: points, or a blocker that rules it out.
/// In JSON a whole number or the word `"exclude"`, as in `questionnaire.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Effect {
    Delta(i64),
    Exclude(ExcludeWord),
}

/// The word that stands for a blocker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExcludeWord {
    #[serde(rename = "exclude")]
    Exclude,
}

impl Effect {
    pub const EXCLUDE: Effect = Effect::Exclude(ExcludeWord::Exclude);

    pub fn is_exclude(self) -> bool {
        matches!(self, Effect::Exclude(_))
    }
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub platform: Platform,
    pub text: String,
    pub link: LinkRef,
}

#[derive(Debug, Clone)]
pub struct FollowUp {
    pub text: String,
    /// Where the action is explained: the checklist item's anchor when `item` is set.
    pub link: Option<LinkRef>,
    /// The checklist item this action ticks, `checklist-id/item-id`.
    pub item: Option<String>,
    pub platform: Option<Platform>,
    /// Listed first: the answer behind it is a problem to fix before deploying.
    pub fix_first: bool,
}

#[derive(Debug, Clone)]
pub struct AnswerOption {
    pub id: OptionId,
    pub label: String,
    pub effects: BTreeMap<Platform, Effect>,
    pub reasons: Vec<Reason>,
    pub follow_up: Vec<FollowUp>,
    /// For a budget answer: the monthly spend it allows.
    pub max_monthly_usd: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: QuestionId,
    pub prompt: String,
    pub help: String,
    /// Unanswered, it counts as neutral and does not hold the result back.
    pub optional: bool,
    pub options: Vec<AnswerOption>,
}

#[derive(Debug, Clone)]
pub struct Persona {
    pub id: PersonaId,
    pub name: String,
    pub summary: String,
    /// One option index per question, in question order.
    pub answers: Vec<usize>,
    /// The expected recommendation; `None` expects "no platform fits yet".
    pub expect: Option<Platform>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub path: String,
    pub title: String,
    pub intro: Text,
    pub tie_break: Vec<Platform>,
    pub close_call_gap: i64,
    /// A platform scoring below this is not recommended.
    pub min_score: Option<i64>,
    pub costs_link: Option<LinkRef>,
    /// The declared platforms it compares, in declared order (the site's list, kept here so
    /// the evaluator needs only the questionnaire); each has a `page`.
    pub platforms: Vec<PlatformDecl>,
    pub questions: Vec<Question>,
    pub personas: Vec<Persona>,
}

impl Questionnaire {
    pub fn platform(&self, platform: Platform) -> Option<&PlatformDecl> {
        self.platforms.iter().find(|p| p.platform == platform)
    }
    pub fn platform_name(&self, platform: Platform) -> &str {
        self.platform(platform).map_or(platform.id(), |p| p.name.as_str())
    }
    /// Every declared platform, in declared order.
    pub fn all(&self) -> Vec<Platform> {
        self.platforms.iter().map(|p| p.platform).collect()
    }
}

pub(super) fn build_questionnaire(
    b: &mut Builder,
    file: Loaded<load::RawQuestionnaire>,
    pages: &[Page],
    checklists: &BTreeMap<ChecklistId, Checklist>,
) -> Option<Questionnaire> {
    let raw = &file.raw;
    let before = b.problems.error_count();
    let all = b.all_platforms();
    let tie_break = build_tie_break(b, &file, &all);
    let close_call_gap = *raw.close_call_gap.get_ref();
    if !(0..=1000).contains(&close_call_gap) {
        b.error(
            "E039",
            file.at(raw.close_call_gap.span()),
            "close_call_gap must be between 0 and 1000",
        );
    }
    let min_score = raw.min_score.as_ref().map(|m| *m.get_ref());
    if let Some(m) = &raw.min_score
        && !(-1000..=1000).contains(m.get_ref())
    {
        b.error("E039", file.at(m.span()), "min_score must be between -1000 and 1000");
    }
    let platforms = platforms_with_pages(b, &file);
    let questions = build_questions(b, &file, (checklists, &all), &platforms);
    let personas = build_personas(b, &file, &questions);
    check_link_coverage(b, &questions, pages, checklists, &all);
    let intro = Builder::text(&file, raw.intro.get_ref(), raw.intro.span());
    // Outside the declared range (already E066), the audit's per-platform masks do not apply.
    if b.problems.error_count() > before || !PLATFORM_COUNT.contains(&all.len()) {
        return None;
    }
    Some(Questionnaire {
        path: file.source.path.clone(),
        title: raw.title.clone(),
        intro,
        tie_break,
        close_call_gap,
        min_score,
        costs_link: raw.costs_link.as_ref().map(|s| link_ref(&file, s)),
        platforms,
        questions,
        personas,
    })
}

type QuestionnaireFile = Loaded<load::RawQuestionnaire>;

fn link_ref(file: &QuestionnaireFile, s: &Spanned<String>) -> LinkRef {
    LinkRef {
        target: s.get_ref().clone(),
        location: file.at(s.span()),
    }
}

fn parse_platform(b: &mut Builder, file: &QuestionnaireFile, s: &Spanned<String>) -> Option<Platform> {
    b.platform(file.at(s.span()), s.get_ref(), "unknown platform")
}

/// The order that settles a tie; it must name every platform once.
fn build_tie_break(b: &mut Builder, file: &QuestionnaireFile, all: &[Platform]) -> Vec<Platform> {
    let raw = &file.raw;
    let mut tie_break = Vec::new();
    for s in raw.tie_break.get_ref() {
        if let Some(p) = parse_platform(b, file, s) {
            if tie_break.contains(&p) {
                b.error(
                    "E035",
                    file.at(s.span()),
                    format!("platform `{}` appears twice in tie_break", p.id()),
                );
            }
            tie_break.push(p);
        }
    }
    if all.iter().any(|p| !tie_break.contains(p)) {
        let ids: Vec<&str> = all.iter().map(|p| p.id()).collect();
        b.error(
            "E039",
            file.at(raw.tie_break.span()),
            format!("tie_break must name every platform once: {}", ids.join(", ")),
        );
    }
    tie_break
}

/// The declared platforms, each of which needs a `page` for the questionnaire to link its name
/// to. A `[platform.X]` table left in the questionnaire from before these moved to
/// `content/platforms.toml` is reported with where its keys now go.
fn platforms_with_pages(b: &mut Builder, file: &QuestionnaireFile) -> Vec<PlatformDecl> {
    if let Some(old) = &file.raw.platform {
        for (id, table) in old.get_ref() {
            let keys: Vec<String> = table
                .get_ref()
                .keys()
                .map(|k| format!("`{}`", k.escape_debug()))
                .collect();
            let keys = match keys.split_last() {
                None => "its keys".to_string(),
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            };
            b.error(
                "E022",
                file.at(table.span()),
                format!(
                    "[platform.{}] no longer belongs in the questionnaire: a platform's page, checklists and cost are declared with it in content/platforms.toml",
                    id.escape_debug()
                ),
            )
            .help = Some(format!(
                "move {keys} into the [[platform]] table with id = \"{}\" in content/platforms.toml",
                id.escape_debug()
            ));
        }
        // Its keys are reported as misplaced; saying each platform lacks a page would repeat it.
        return b.declared.clone();
    }
    let without_page: Vec<(Platform, Location)> = b
        .declared
        .iter()
        .filter(|d| d.page.is_none())
        .map(|d| (d.platform, d.location.clone()))
        .collect();
    for (platform, location) in without_page {
        b.error(
            "E039",
            location,
            format!(
                "platform `{}` has no `page`; the questionnaire links its name to the guide's section about it",
                platform.id()
            ),
        )
        .help = Some("add page = \"/…/\" to its [[platform]] table in content/platforms.toml".into());
    }
    b.declared.clone()
}

/// The questions with their options; a question needs at least two options.
fn build_questions(
    b: &mut Builder,
    file: &QuestionnaireFile,
    lists: (&BTreeMap<ChecklistId, Checklist>, &[Platform]),
    platforms: &[PlatformDecl],
) -> Vec<Question> {
    let mut questions = Vec::new();
    let mut question_ids = Ids::new("question id");
    for q in &file.raw.question {
        let qloc = file.at(q.id.span());
        if !question_ids.claim(b, q.id.get_ref(), &qloc) {
            continue;
        }
        let mut options = Vec::new();
        let mut option_ids = Ids::new("option id").within(format!("question `{}`", q.id.get_ref()));
        for o in &q.option {
            let oloc = file.at(o.id.span());
            if !option_ids.claim(b, o.id.get_ref(), &oloc) {
                continue;
            }
            options.push(build_option(b, file, (q, o), oloc, lists, platforms));
        }
        if options.len() < 2 {
            b.error(
                "E036",
                qloc.clone(),
                format!("question `{}` needs at least two options", q.id.get_ref()),
            );
        }
        questions.push(Question {
            id: QuestionId(q.id.get_ref().clone()),
            prompt: q.prompt.clone(),
            help: q.help.clone(),
            optional: q.optional,
            options,
        });
    }
    if questions.is_empty() {
        b.error(
            "E036",
            Location::at(&file.source.path, 1, 1),
            "the questionnaire has no questions",
        );
    }
    questions
}

/// One answer option: its effects, the reason for each, its follow-ups and its budget.
fn build_option(
    b: &mut Builder,
    file: &QuestionnaireFile,
    (q, o): (&load::RawQuestion, &load::RawOption),
    oloc: Location,
    lists: (&BTreeMap<ChecklistId, Checklist>, &[Platform]),
    platforms: &[PlatformDecl],
) -> AnswerOption {
    let effects = build_effects(b, file, o);
    let reasons = build_reasons(b, file, o, &effects, &oloc);
    let follow_up = build_follow_ups(b, file, o, lists);
    let max_monthly_usd = o.max_monthly_usd.as_ref().map(|m| *m.get_ref());
    if let Some(m) = &o.max_monthly_usd {
        let ids = (q.id.get_ref().as_str(), o.id.get_ref().as_str());
        check_budget(b, file.at(m.span()), ids, *m.get_ref(), &effects, platforms);
    }
    AnswerOption {
        id: OptionId(o.id.get_ref().clone()),
        label: o.label.clone(),
        effects,
        reasons,
        follow_up,
        max_monthly_usd,
    }
}

/// What choosing the option does to each platform; a zero effect is left out.
fn build_effects(b: &mut Builder, file: &QuestionnaireFile, o: &load::RawOption) -> BTreeMap<Platform, Effect> {
    let mut effects = BTreeMap::new();
    for (key, value) in o.effects.get_ref() {
        let Some(platform) = b.platform(file.at(o.effects.span()), key, "effect on unknown platform") else {
            continue;
        };
        let effect = match value.get_ref() {
            RawEffect::Delta(0) => continue,
            // A range, not `abs()`: the smallest i64 has no absolute value.
            RawEffect::Delta(n) if (-1000..=1000).contains(n) => Effect::Delta(*n),
            RawEffect::Delta(_) => {
                b.error(
                    "E039",
                    file.at(value.span()),
                    "an effect must be between -1000 and 1000",
                );
                continue;
            }
            RawEffect::Word(w) if w == "exclude" => Effect::EXCLUDE,
            RawEffect::Word(w) => {
                b.unknown(
                    file.at(value.span()),
                    "effect",
                    w,
                    "an effect is a whole number or \"exclude\"",
                );
                continue;
            }
        };
        effects.insert(platform, effect);
    }
    effects
}

/// The reason for each effect, so the reader sees why an answer moved a platform.
fn build_reasons(
    b: &mut Builder,
    file: &QuestionnaireFile,
    o: &load::RawOption,
    effects: &BTreeMap<Platform, Effect>,
    oloc: &Location,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    for r in &o.reasons {
        let Some(platform) = parse_platform(b, file, &r.platform) else {
            continue;
        };
        if !effects.contains_key(&platform) {
            b.problems.push(Diagnostic::warning(
                "W032",
                file.at(r.platform.span()),
                format!(
                    "reason for `{}` but option `{}` has no effect on it",
                    platform.id(),
                    o.id.get_ref()
                ),
            ));
        }
        reasons.push(Reason {
            platform,
            text: r.text.clone(),
            link: link_ref(file, &r.link),
        });
    }
    for platform in effects.keys() {
        if !reasons.iter().any(|r| r.platform == *platform) {
            b.error(
                "E041",
                oloc.clone(),
                format!(
                    "option `{}` changes `{}` but gives no reason for it",
                    o.id.get_ref(),
                    platform.id()
                ),
            )
            .help = Some(format!(
                "add {{ platform = \"{}\", text = \"…\", link = \"/…/\" }} to reasons",
                platform.id()
            ));
        }
    }
    reasons
}

/// What to do after choosing the option, each pointing at a checklist item or a page.
fn build_follow_ups(
    b: &mut Builder,
    file: &QuestionnaireFile,
    o: &load::RawOption,
    lists: (&BTreeMap<ChecklistId, Checklist>, &[Platform]),
) -> Vec<FollowUp> {
    let mut follow_up = Vec::new();
    for f in &o.follow_up {
        let platform = f.platform.as_ref().and_then(|p| parse_platform(b, file, p));
        let item_link = f
            .item
            .as_ref()
            .and_then(|item| checklist_item_link(b, file, item, platform, lists));
        if f.item.is_some() && f.link.is_some() {
            b.error(
                "E039",
                file.at(f.text.span()),
                "a follow-up names a checklist `item` or a `link`, not both",
            );
        }
        follow_up.push(FollowUp {
            text: f.text.get_ref().clone(),
            link: item_link.or_else(|| f.link.as_ref().map(|l| link_ref(file, l))),
            item: f.item.as_ref().map(|i| i.get_ref().clone()),
            platform,
            fix_first: f.fix_first,
        });
    }
    follow_up
}

/// The example readers, each with an answer to every question and the platform expected to win.
fn build_personas(b: &mut Builder, file: &QuestionnaireFile, questions: &[Question]) -> Vec<Persona> {
    let mut personas = Vec::new();
    let mut persona_ids = Ids::new("persona id");
    for p in &file.raw.persona {
        let ploc = file.at(p.id.span());
        if !persona_ids.claim(b, p.id.get_ref(), &ploc) {
            continue;
        }
        for key in p.answers.get_ref().keys() {
            if !questions.iter().any(|q| q.id.as_str() == key) {
                b.error(
                    "E040",
                    file.at(p.answers.span()),
                    format!(
                        "persona `{}` answers a missing question `{}`",
                        p.id.get_ref(),
                        key.escape_debug()
                    ),
                );
            }
        }
        let mut answers = Vec::new();
        for q in questions {
            match p.answers.get_ref().get(q.id.as_str()) {
                Some(answer) => match q.options.iter().position(|o| o.id.as_str() == answer.get_ref()) {
                    Some(i) => answers.push(i),
                    None => {
                        b.error(
                            "E040",
                            file.at(answer.span()),
                            format!(
                                "question `{}` has no option `{}`",
                                q.id,
                                answer.get_ref().escape_debug()
                            ),
                        )
                        .help = Some(format!(
                            "options: {}",
                            q.options.iter().map(|o| o.id.as_str()).collect::<Vec<_>>().join(", ")
                        ));
                    }
                },
                None => {
                    b.error(
                        "E040",
                        file.at(p.answers.span()),
                        format!("persona `{}` does not answer question `{}`", p.id.get_ref(), q.id),
                    );
                }
            }
        }
        let expect = if p.expect.get_ref() == "none" {
            None
        } else {
            let Some(platform) = parse_platform(b, file, &p.expect) else {
                continue;
            };
            Some(platform)
        };
        personas.push(Persona {
            id: PersonaId(p.id.get_ref().clone()),
            name: p.name.clone(),
            summary: p.summary.clone(),
            answers,
            expect,
            location: ploc,
        });
    }
    personas
}

/// The link to a follow-up's checklist item (`checklist-id/item-id`), after checking that the
/// item exists and that its checklist applies to the follow-up's platform.
pub(super) fn checklist_item_link(
    b: &mut Builder,
    file: &Loaded<load::RawQuestionnaire>,
    item: &Spanned<String>,
    platform: Option<Platform>,
    (checklists, all): (&BTreeMap<ChecklistId, Checklist>, &[Platform]),
) -> Option<LinkRef> {
    let at = file.at(item.span());
    let Some((cid, iid)) = item.get_ref().split_once('/') else {
        b.error(
            "E039",
            at,
            format!(
                "follow-up item `{}` is not `checklist-id/item-id`",
                item.get_ref().escape_debug()
            ),
        );
        return None;
    };
    let Some(list) = checklists.get(&ChecklistId(cid.to_string())) else {
        b.missing_checklist(
            cid,
            at,
            format!("follow-up names a missing checklist `{}`", cid.escape_debug()),
        );
        return None;
    };
    if !list.items().any(|i| i.id.as_str() == iid) {
        b.error(
            "E040",
            at,
            format!("checklist `{cid}` has no item `{}`", iid.escape_debug()),
        );
        return None;
    }
    match platform {
        Some(p) if !list.platforms.is_empty() && !list.platforms.contains(&p) => {
            b.error(
                "E063",
                at,
                format!(
                    "follow-up for `{}` names checklist `{cid}`, which does not cover `{}`",
                    p.id(),
                    p.id()
                ),
            );
            None
        }
        None if !list.platforms.is_empty() && all.iter().any(|p| !list.platforms.contains(p)) => {
            b.error(
                "E063",
                at,
                format!("a follow-up for every platform names checklist `{cid}`, which does not cover them all"),
            )
            .help = Some("give the follow-up a `platform`, one follow-up per platform".into());
            None
        }
        _ => Some(LinkRef {
            target: format!("{}{}/#{iid}", routes::CHECKLISTS, cid),
            location: file.at(item.span()),
        }),
    }
}

/// A budget answer's effects must follow from the platforms' monthly costs: a platform whose
/// cheapest setup costs more than the budget is excluded, one that fits only in its cheaper
/// setups loses points, one that always fits is left alone.
pub(super) fn check_budget(
    b: &mut Builder,
    at: Location,
    (question, option): (&str, &str),
    budget: i64,
    effects: &BTreeMap<Platform, Effect>,
    platforms: &[PlatformDecl],
) {
    for info in platforms {
        let Some(cost) = info.cost else { continue };
        let effect = effects.get(&info.platform).copied();
        let (fits, want) = if cost.min > budget {
            (effect.is_some_and(Effect::is_exclude), "\"exclude\"")
        } else if cost.max > budget {
            (matches!(effect, Some(Effect::Delta(n)) if n < 0), "a negative effect")
        } else {
            (effect.is_none(), "no effect")
        };
        if !fits {
            let p = info.platform.id();
            b.error(
                "E065",
                at.clone(),
                format!(
                    "option `{option}` of `{question}` allows ${budget} a month and `{p}` costs ${}-${}: it needs {want} on `{p}`",
                    cost.min, cost.max
                ),
            );
        }
    }
}

/// Every questionnaire reason, and every follow-up for one platform, must link to a page (or
/// checklist) whose `platforms` include that platform; a follow-up for every platform, to one
/// that covers them all. Otherwise a reader following the reason lands on another platform's
/// advice.
pub(super) fn check_link_coverage(
    b: &mut Builder,
    questions: &[Question],
    pages: &[Page],
    checklists: &BTreeMap<ChecklistId, Checklist>,
    all: &[Platform],
) {
    let covers = |target: &str| -> Option<&[Platform]> {
        let path = target.split(['#', '?']).next().unwrap_or("");
        let route = Route::new(path);
        pages
            .iter()
            .find(|p| p.route == route)
            .map(|p| p.platforms.as_slice())
            .or_else(|| {
                // A checklist without `platforms` applies to every platform.
                checklists.values().find(|c| c.route == route).map(|c| {
                    if c.platforms.is_empty() {
                        all
                    } else {
                        c.platforms.as_slice()
                    }
                })
            })
    };
    let check = |b: &mut Builder, link: &LinkRef, platform: Option<Platform>, what: &str| {
        if !link.target.starts_with('/') {
            return;
        }
        // A link to a missing page is reported by link resolution (E042), not here.
        let Some(covered) = covers(&link.target) else {
            return;
        };
        let ok = match platform {
            Some(p) => covered.contains(&p),
            None => all.iter().all(|p| covered.contains(p)),
        };
        if !ok {
            let wanted = platform.map_or("every platform".to_string(), |p| format!("`{}`", p.id()));
            let listed: Vec<&str> = covered.iter().map(|p| p.id()).collect();
            b.error(
                "E063",
                link.location.clone(),
                format!(
                    "{what} for {wanted} links to `{}`, a page about {}",
                    link.target,
                    if listed.is_empty() {
                        "no platform".to_string()
                    } else {
                        listed.join(", ")
                    }
                ),
            )
            .help =
                Some("link to the section of the guide about that platform (its page's `platforms` list it)".into());
        }
    };
    for question in questions {
        for option in &question.options {
            for r in &option.reasons {
                check(b, &r.link, Some(r.platform), "a reason");
            }
            for f in option.follow_up.iter().filter(|f| f.item.is_none()) {
                if let Some(link) = &f.link {
                    check(b, link, f.platform, "a follow-up");
                }
            }
        }
    }
}
