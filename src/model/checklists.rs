//! Checklists with their groups, items and steps.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecklistKind {
    Predeploy,
    Recovery,
    Other,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub id: ChecklistId,
    pub route: Route,
    pub path: String,
    pub title: String,
    pub kind: ChecklistKind,
    pub platforms: Vec<Platform>,
    pub intro: Text,
    pub ordered: bool,
    pub groups: Vec<Group>,
}

impl Checklist {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.groups.iter().flat_map(|g| g.items.iter())
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: ItemId,
    pub text: Text,
    pub detail: Text,
    pub code: String,
    pub platforms: Vec<Platform>,
    pub steps: Vec<Step>,
    pub audits: Vec<Audit>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: StepId,
    pub text: Text,
    pub audits: Vec<Audit>,
}

pub(super) fn build_checklists(
    b: &mut Builder,
    loaded: Vec<Loaded<load::RawChecklist>>,
) -> BTreeMap<ChecklistId, Checklist> {
    let mut checklists = BTreeMap::new();
    for file in loaded {
        let raw = &file.raw;
        let stem = file
            .source
            .rel
            .trim_start_matches("checklists/")
            .trim_end_matches(".toml");
        let id = raw.id.get_ref();
        if !b.check_id(id, file.at(raw.id.span()), "checklist id") {
            continue;
        }
        if id != stem {
            b.error(
                "E038",
                file.at(raw.id.span()),
                format!("checklist id `{id}` differs from its file name `{stem}`"),
            );
            continue;
        }
        let kind = match raw.kind.as_ref().map(|k| k.get_ref().as_str()) {
            Some("predeploy") => ChecklistKind::Predeploy,
            Some("recovery") => ChecklistKind::Recovery,
            None => ChecklistKind::Other,
            Some(other) => {
                let span = raw.kind.as_ref().map_or(0..0, |k| k.span());
                b.unknown(
                    file.at(span),
                    "checklist kind",
                    other,
                    "a checklist kind is predeploy or recovery",
                );
                ChecklistKind::Other
            }
        };
        let platforms = b.platforms(&file, &raw.platforms);
        let mut item_ids = Ids::new("item id")
            .within(format!("checklist `{id}`"))
            .pointing_to_first(Some("item ids keep saved progress, so each must be unique"));
        let mut groups = Vec::new();
        for g in &raw.group {
            let mut items = Vec::new();
            for it in &g.item {
                let location = file.at(it.id.span());
                if !item_ids.claim(b, it.id.get_ref(), &location) {
                    continue;
                }
                items.push(build_item(b, &file, it));
            }
            if items.is_empty() {
                b.problems.push(Diagnostic::warning(
                    "W031",
                    file.at(g.title.span()),
                    "checklist group has no items",
                ));
            }
            groups.push(Group {
                title: g.title.get_ref().clone(),
                items,
            });
        }
        if item_ids.is_empty() {
            b.error("E036", file.at(raw.id.span()), format!("checklist `{id}` has no items"));
        }
        let id = ChecklistId(id.clone());
        let route = Route::new(&format!("{}{}", routes::CHECKLISTS, id));
        let intro = Builder::text(&file, raw.intro.get_ref(), raw.intro.span());
        checklists.insert(
            id.clone(),
            Checklist {
                id,
                route,
                path: file.source.path.clone(),
                title: raw.title.clone(),
                kind,
                platforms,
                intro,
                ordered: raw.ordered,
                groups,
            },
        );
    }
    checklists
}

/// One item with its steps; step ids are unique within the item.
fn build_item(b: &mut Builder, file: &Loaded<load::RawChecklist>, it: &load::RawItem) -> Item {
    let mut steps = Vec::new();
    let mut step_ids = Ids::new("step id").within(format!("item `{}`", it.id.get_ref()));
    for s in &it.step {
        if !step_ids.claim(b, s.id.get_ref(), &file.at(s.id.span())) {
            continue;
        }
        steps.push(Step {
            id: StepId(s.id.get_ref().clone()),
            text: Builder::text(file, s.text.get_ref(), s.text.span()),
            audits: b.audits(file, &s.audit),
        });
    }
    let item_platforms = b.platforms(file, &it.platforms);
    Item {
        id: ItemId(it.id.get_ref().clone()),
        text: Builder::text(file, it.text.get_ref(), it.text.span()),
        detail: Builder::text(file, it.detail.get_ref(), it.detail.span()),
        code: it.code.clone(),
        platforms: item_platforms,
        steps,
        audits: b.audits(file, &it.audit),
    }
}
