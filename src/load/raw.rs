//! The raw shapes serde reads from each kind of file, with byte spans kept for diagnostics.
//! Field for field what the files may say (`deny_unknown_fields`); no checks beyond decoding.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontMatter {
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub weight: i64,
    pub severity: Option<Spanned<String>>,
    /// Source ids the page's `severity` rests on.
    #[serde(default)]
    pub basis: Vec<Spanned<String>>,
    /// Risk ids of the registry the page explains; its severity is the worst of their levels.
    #[serde(default)]
    pub risks: Vec<Spanned<String>>,
    pub reviewed: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
}

#[derive(Debug)]
pub struct RawPage {
    pub front: RawFrontMatter,
    /// Byte offset of the front matter's TOML inside the file (spans are relative to it).
    pub front_offset: usize,
    /// Byte offset of the Markdown body inside the file.
    pub body_offset: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub caption: Spanned<String>,
    #[serde(default = "empty_spanned")]
    pub description: Spanned<String>,
    #[serde(default)]
    pub column: Vec<RawColumn>,
    #[serde(default)]
    pub row: Vec<Spanned<BTreeMap<String, Spanned<RawCell>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    pub key: Spanned<String>,
    pub label: String,
    #[serde(default = "text_kind")]
    pub kind: Spanned<String>,
}

fn text_kind() -> Spanned<String> {
    Spanned::new(0..0, "text".to_string())
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawCell {
    Text(String),
    Rating(RawRating),
}

/// A cell written as a table: a rating (`level` or `risk`), or text with its `basis`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRating {
    pub level: Option<String>,
    #[serde(default)]
    pub text: String,
    // Plain strings: inside an untagged enum, spans cannot be kept; the cell's own is used.
    #[serde(default)]
    pub basis: Vec<String>,
    /// A risk of the registry: its level and basis for `platform` are the cell's.
    pub risk: Option<String>,
    pub platform: Option<String>,
}

/// `content/sources.toml`: everything a rating may rest on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSources {
    #[serde(default)]
    pub source: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: Spanned<String>,
    /// source-section | upstream | assessment
    pub kind: Spanned<String>,
    pub title: Spanned<String>,
    /// The section of the source document (source-section).
    pub section: Option<String>,
    /// Where the upstream document is (upstream).
    pub url: Option<Spanned<String>>,
    /// When the upstream document was last read (upstream).
    pub checked: Option<Spanned<toml::value::Datetime>>,
    /// Why the guide rates it so (assessment).
    pub rationale: Option<String>,
}

/// `content/risks.toml`: each risk, rated once per platform.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisks {
    #[serde(default)]
    pub risk: Vec<RawRisk>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisk {
    pub id: Spanned<String>,
    pub title: String,
    /// Where the risk is explained: a route with an anchor.
    pub page: Spanned<String>,
    /// Other places that explain it for one platform; their severity lead-ins are checked too.
    #[serde(default)]
    pub also: Vec<Spanned<String>>,
    #[serde(default)]
    pub summary: String,
    /// Platform id → its rating.
    pub rating: Spanned<BTreeMap<String, Spanned<RawRiskRating>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRiskRating {
    pub level: Spanned<String>,
    #[serde(default)]
    pub basis: Vec<Spanned<String>>,
    /// A few words that say more than the level ("Controllable, with effort").
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChecklist {
    pub id: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
    #[serde(default = "empty_spanned")]
    pub intro: Spanned<String>,
    #[serde(default)]
    pub ordered: bool,
    #[serde(default)]
    pub group: Vec<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub title: Spanned<String>,
    #[serde(default)]
    pub item: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: Spanned<String>,
    pub text: Spanned<String>,
    #[serde(default = "empty_spanned")]
    pub detail: Spanned<String>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub platforms: Vec<Spanned<String>>,
    #[serde(default)]
    pub step: Vec<RawStep>,
    #[serde(default)]
    pub audit: Vec<RawAudit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: Spanned<String>,
    pub text: Spanned<String>,
    #[serde(default)]
    pub audit: Vec<RawAudit>,
}

/// A read-only check of an item or step: `crate::audit` vets it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    pub system: Spanned<String>,
    pub command: Spanned<String>,
    pub exit: Option<Spanned<i64>>,
    pub output: Option<Spanned<String>>,
    pub not_output: Option<Spanned<String>>,
    #[serde(default)]
    pub root: bool,
    pub timeout: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestionnaire {
    pub title: String,
    #[serde(default = "empty_spanned")]
    pub intro: Spanned<String>,
    pub tie_break: Spanned<Vec<Spanned<String>>>,
    pub close_call_gap: Spanned<i64>,
    /// Below this score no platform is recommended ("none fits yet").
    pub min_score: Option<Spanned<i64>>,
    /// Where the guide explains the monthly costs.
    pub costs_link: Option<Spanned<String>>,
    /// A `[platform.X]` table, where a platform's page, checklists and cost were once given:
    /// read only to tell the author they now belong in `content/platforms.toml`.
    pub platform: Option<Spanned<BTreeMap<String, Spanned<toml::Table>>>>,
    #[serde(default)]
    pub question: Vec<RawQuestion>,
    #[serde(default)]
    pub persona: Vec<RawPersona>,
}

fn empty_spanned<T: Default>() -> Spanned<T> {
    Spanned::new(0..0, T::default())
}

/// `content/platforms.toml`: the platforms the guide compares, in the order pages show them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatforms {
    #[serde(default = "empty_spanned")]
    pub platform: Spanned<Vec<RawPlatformDecl>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatformDecl {
    pub id: Spanned<String>,
    /// On pages, links, the questionnaire and `recommend`.
    pub name: String,
    /// On chips, where space is short.
    pub short: String,
    /// The guide's section about the platform: the questionnaire links its name there.
    pub page: Option<Spanned<String>>,
    /// The checklists the questionnaire offers when it recommends the platform.
    #[serde(default)]
    pub checklists: Vec<Spanned<String>>,
    pub cost: Option<Spanned<RawCost>>,
}

/// A monthly cost range in whole US dollars.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCost {
    pub min: i64,
    pub max: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    pub prompt: String,
    #[serde(default)]
    pub help: String,
    /// Unanswered, an optional question counts as neutral and the result is still shown.
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub option: Vec<RawOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOption {
    pub id: Spanned<String>,
    pub label: String,
    /// For a budget answer: the monthly spend it allows, checked against the platforms' costs.
    pub max_monthly_usd: Option<Spanned<i64>>,
    #[serde(default = "empty_spanned")]
    pub effects: Spanned<BTreeMap<String, Spanned<RawEffect>>>,
    #[serde(default)]
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    pub follow_up: Vec<RawFollowUp>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawEffect {
    Delta(i64),
    Word(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub platform: Spanned<String>,
    pub text: String,
    pub link: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFollowUp {
    pub text: Spanned<String>,
    pub link: Option<Spanned<String>>,
    /// A checklist item, `checklist-id/item-id`, instead of a link.
    pub item: Option<Spanned<String>>,
    pub platform: Option<Spanned<String>>,
    #[serde(default)]
    pub fix_first: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPersona {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub summary: String,
    pub answers: Spanned<BTreeMap<String, Spanned<String>>>,
    pub expect: Spanned<String>,
}
