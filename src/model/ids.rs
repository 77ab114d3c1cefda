//! Typed ids and the one check every id goes through.

use super::*;

macro_rules! typed_id {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub(super) String);
        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
            /// Unit tests of other modules make ids without a site.
            #[cfg(test)]
            #[allow(dead_code)]
            pub(crate) fn from_test(id: &str) -> Self { $name(id.to_string()) }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    )*};
}
typed_id!(
    PageId,
    TableId,
    ChecklistId,
    ItemId,
    StepId,
    QuestionId,
    OptionId,
    PersonaId,
    SourceId,
    RiskId
);

/// True for ids made of lowercase letters, digits, `-` and `_`, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The ids already used in one scope (a file, a checklist, an item, a question) with where each
/// was first used. Every kind of id goes through [`Ids::claim`], so they are all checked and
/// reported the same way.
pub(super) struct Ids {
    /// What the id names, as the messages say it: `item id`, `persona id`.
    kind: &'static str,
    /// Where the ids must be unique, appended to the message: `` in checklist `predeploy` ``.
    scope: String,
    /// Whether a duplicate's help points at the first use, and why uniqueness matters there.
    first_use: FirstUse,
    seen: BTreeMap<String, Location>,
}

enum FirstUse {
    Unsaid,
    Said,
    SaidWithReason(&'static str),
}

impl Ids {
    pub(super) fn new(kind: &'static str) -> Self {
        Ids {
            kind,
            scope: String::new(),
            first_use: FirstUse::Unsaid,
            seen: BTreeMap::new(),
        }
    }

    /// Ids unique only inside `scope`, named in the message as `in {scope}`.
    pub(super) fn within(mut self, scope: String) -> Self {
        self.scope = format!(" in {scope}");
        self
    }

    /// A duplicate's help says where the id was first used, followed by `reason` if given.
    pub(super) fn pointing_to_first(mut self, reason: Option<&'static str>) -> Self {
        self.first_use = reason.map_or(FirstUse::Said, FirstUse::SaidWithReason);
        self
    }

    /// Takes `id` for the entry at `location`. An invalid id (E030) or one already taken in this
    /// scope (E035) is reported, and the entry should then be left out.
    pub(super) fn claim(&mut self, b: &mut Builder, id: &str, location: &Location) -> bool {
        if !b.check_id(id, location.clone(), self.kind) {
            return false;
        }
        let Some(first) = self.seen.get(id) else {
            self.seen.insert(id.to_string(), location.clone());
            return true;
        };
        let help = match self.first_use {
            FirstUse::Unsaid => None,
            FirstUse::Said => Some(format!("first used at {first}")),
            FirstUse::SaidWithReason(reason) => Some(format!("first used at {first}; {reason}")),
        };
        let message = format!("duplicate {} `{id}`{}", self.kind, self.scope);
        b.error("E035", location.clone(), message).help = help;
        false
    }

    pub(super) fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> Builder {
        Builder {
            problems: Diagnostics::new(),
            declared: Vec::new(),
            broken_ids: Default::default(),
        }
    }

    #[test]
    fn a_claimed_id_is_taken_once_in_its_scope() {
        let mut b = builder();
        let mut items = Ids::new("item id")
            .within("checklist `predeploy`".to_string())
            .pointing_to_first(Some("item ids keep saved progress, so each must be unique"));
        let first = Location::at("content/checklists/predeploy.toml", 3, 6);
        let again = Location::at("content/checklists/predeploy.toml", 9, 6);
        assert!(items.claim(&mut b, "backups", &first));
        assert!(items.claim(&mut b, "billing", &again));
        assert!(!items.claim(&mut b, "backups", &again));
        let problems: Vec<&Diagnostic> = b.problems.iter().collect();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "E035");
        assert_eq!(
            problems[0].message,
            "duplicate item id `backups` in checklist `predeploy`"
        );
        assert_eq!(
            problems[0].help.as_deref(),
            Some(&*format!(
                "first used at {first}; item ids keep saved progress, so each must be unique"
            ))
        );
    }

    #[test]
    fn an_invalid_id_is_reported_and_not_taken() {
        let mut b = builder();
        let mut personas = Ids::new("persona id");
        let at = Location::at("content/questionnaire.toml", 40, 6);
        assert!(!personas.claim(&mut b, "Solo Dev", &at));
        assert!(personas.is_empty());
        assert!(personas.claim(&mut b, "solo-dev", &at));
        assert!(!personas.claim(&mut b, "solo-dev", &at));
        let found: Vec<(&str, &str, Option<&str>)> = b
            .problems
            .iter()
            .map(|d| (d.code, d.message.as_str(), d.help.as_deref()))
            .collect();
        assert_eq!(found[0].0, "E030");
        assert_eq!(found[0].1, "persona id `Solo Dev` is not a valid id");
        assert_eq!(found[1], ("E035", "duplicate persona id `solo-dev`", None));
        assert_eq!(found.len(), 2);
    }
}
