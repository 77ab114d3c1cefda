//! The platforms a guide compares, as declared in `content/platforms.toml`.

use super::*;

/// One of the platforms the guide declares in `content/platforms.toml`. It orders by its place
/// in that list, so every table, chip and score comes out in the declared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    index: u8,
    id: &'static str,
}

impl Platform {
    /// The declared platform at `index` (its place in the list) with this id.
    pub fn new(index: usize, id: &str) -> Platform {
        Platform {
            index: u8::try_from(index).unwrap_or(u8::MAX),
            id: intern(id),
        }
    }
    pub fn id(self) -> &'static str {
        self.id
    }
    /// Its place in the declared list (0-based).
    pub fn index(self) -> usize {
        usize::from(self.index)
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

/// Platform ids live for the whole run so that [`Platform`] stays `Copy`; each distinct id is
/// stored once, however often `serve` rebuilds.
pub(super) fn intern(id: &str) -> &'static str {
    static IDS: std::sync::OnceLock<std::sync::Mutex<BTreeSet<&'static str>>> = std::sync::OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = ids.get(id) {
        return known;
    }
    let leaked: &'static str = Box::leak(id.to_string().into_boxed_str());
    ids.insert(leaked);
    leaked
}

/// A declared platform: its id, the names pages and chips show, and what the guide says about
/// it as a whole: its section, its checklists and its cost.
#[derive(Debug, Clone)]
pub struct PlatformDecl {
    pub platform: Platform,
    pub name: String,
    pub short: String,
    /// Where its `id` is declared: problems with the platform as a whole are reported there.
    pub location: Location,
    /// The guide's section about it; the questionnaire links the platform's name there.
    pub page: Option<LinkRef>,
    /// The checklists the questionnaire offers when it recommends the platform.
    pub checklists: Vec<ChecklistId>,
    /// Its monthly hosting cost, where the guide gives one.
    pub cost: Option<Cost>,
}

/// A platform's monthly hosting cost range, whole US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub min: i64,
    pub max: i64,
}

/// How many platforms a guide compares: a comparison needs two; more than six no longer fits
/// the questionnaire's matrix or a chip row.
pub const PLATFORM_COUNT: std::ops::RangeInclusive<usize> = 2..=6;

type PlatformsFile = Loaded<load::RawPlatforms>;

/// The declared platforms, in file order, without their checklists (those are known later:
/// [`attach_checklists`]). A list outside [`PLATFORM_COUNT`] is reported but kept, so
/// references to its platforms are still checked.
pub(super) fn build_platforms(b: &mut Builder, file: &PlatformsFile) -> Vec<PlatformDecl> {
    let raw = &file.raw.platform;
    let mut declared: Vec<PlatformDecl> = Vec::new();
    let mut ids = Ids::new("platform id").pointing_to_first(None);
    for decl in raw.get_ref() {
        let location = file.at(decl.id.span());
        let id = decl.id.get_ref();
        if !ids.claim(b, id, &location) {
            continue;
        }
        for (field, value) in [("name", &decl.name), ("short", &decl.short)] {
            if value.trim().is_empty() {
                b.error(
                    "E034",
                    location.clone(),
                    format!("platform `{id}`: {field} must not be empty"),
                );
            }
        }
        declared.push(PlatformDecl {
            platform: Platform::new(declared.len(), id),
            name: decl.name.clone(),
            short: decl.short.clone(),
            location,
            page: decl.page.as_ref().map(|page| LinkRef {
                target: page.get_ref().clone(),
                location: file.at(page.span()),
            }),
            checklists: Vec::new(),
            cost: decl.cost.as_ref().and_then(|cost| build_cost(b, file, id, cost)),
        });
    }
    if !PLATFORM_COUNT.contains(&raw.get_ref().len()) {
        b.error(
            "E066",
            file.at(raw.span()),
            format!(
                "{} [[platform]] tables; a guide compares {} to {} platforms",
                raw.get_ref().len(),
                PLATFORM_COUNT.start(),
                PLATFORM_COUNT.end()
            ),
        )
        .help = Some(if raw.get_ref().len() < *PLATFORM_COUNT.start() {
            "add a [[platform]] table with id, name and short for each platform compared".into()
        } else {
            "compare fewer platforms in one guide".into()
        });
    }
    declared
}

fn build_cost(b: &mut Builder, file: &PlatformsFile, id: &str, cost: &Spanned<load::RawCost>) -> Option<Cost> {
    let (min, max) = (cost.get_ref().min, cost.get_ref().max);
    if (0..=100_000).contains(&min) && (min..=100_000).contains(&max) {
        return Some(Cost { min, max });
    }
    b.error(
        "E039",
        file.at(cost.span()),
        format!("platform `{id}`: a cost needs 0 <= min <= max <= 100000"),
    );
    None
}

/// Gives each declared platform the checklists its table names, once the checklists are built;
/// a name that is not a checklist is reported where it is written.
pub(super) fn attach_checklists(b: &mut Builder, file: &PlatformsFile, checklists: &BTreeMap<ChecklistId, Checklist>) {
    for decl in file.raw.platform.get_ref() {
        // A platform declared twice was left out at its second place; its checklists go with it.
        let location = file.at(decl.id.span());
        let Some(index) = b.declared.iter().position(|d| d.location == location) else {
            continue;
        };
        let mut found = Vec::new();
        for name in &decl.checklists {
            let id = ChecklistId(name.get_ref().clone());
            if checklists.contains_key(&id) {
                found.push(id);
            } else {
                b.missing_checklist(
                    name.get_ref(),
                    file.at(name.span()),
                    format!(
                        "platform `{}` names a missing checklist `{}`",
                        decl.id.get_ref(),
                        name.get_ref().escape_debug()
                    ),
                );
            }
        }
        b.declared[index].checklists = found;
    }
}
