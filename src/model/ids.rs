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
