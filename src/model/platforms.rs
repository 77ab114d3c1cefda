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

/// A declared platform: its id, the name pages and links use, and the short name on chips.
#[derive(Debug, Clone)]
pub struct PlatformDecl {
    pub platform: Platform,
    pub name: String,
    pub short: String,
}

/// How many platforms a guide compares: a comparison needs two; more than six no longer fits
/// the questionnaire's matrix or a chip row.
pub const PLATFORM_COUNT: std::ops::RangeInclusive<usize> = 2..=6;

/// The declared platforms, in file order. A list outside [`PLATFORM_COUNT`] is reported but
/// kept, so references to its platforms are still checked.
pub(super) fn build_platforms(b: &mut Builder, file: Loaded<load::RawPlatforms>) -> Vec<PlatformDecl> {
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
