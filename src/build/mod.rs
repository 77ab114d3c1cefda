//! The build's steps beyond the ordering in `pipeline`: what pages exist, their views, the
//! sidebar, the printable guide and the files beside the pages; and loading, which reads the
//! content beside the assets and templates.

pub(crate) mod book;
pub(crate) mod chrome;
pub(crate) mod pages;
pub(crate) mod plan;
pub(crate) mod quick;
pub(crate) mod special;
pub(crate) mod usage;

use crate::assets::{self, AssetManifest};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::discover;
use crate::discover::SourceFile;
use crate::load;
use crate::model::{self, Site};
use crate::render::{self, Templates};
use std::collections::BTreeSet;

/// The site, its assets and its templates (none when they could not be read).
pub(crate) struct Loaded {
    pub(crate) site: Site,
    pub(crate) manifest: AssetManifest,
    pub(crate) templates: Option<Templates>,
}

impl Loaded {
    /// Ids the templates and scripts use: no content takes them.
    pub(crate) fn reserved_ids(&self) -> BTreeSet<String> {
        let mut ids = self.manifest.script_names.clone();
        if let Some(t) = &self.templates {
            ids.extend(t.ids().iter().cloned());
        }
        ids
    }
}

/// The content loaded into the site model, beside the assets and templates.
pub(crate) fn load(config: &Config, files: Vec<SourceFile>, problems: &mut Diagnostics) -> Loaded {
    // Loading the content and preparing assets and templates do not depend on each other, so
    // they run side by side; their problems are still reported in this order.
    // No gate after loading: files that failed to load are left out, and the rest is still
    // checked, so one run reports every problem of the site.
    let ((load_found, (site, model_found)), ((manifest, assets_found), templates)) = rayon::join(
        || {
            let (loaded, found) = load::parse(files);
            (found, model::build(config, loaded))
        },
        || {
            rayon::join(
                || assets::bundle(config),
                || render::load(&config.templates_dir(), &config.root, &config.language),
            )
        },
    );
    problems.extend(load_found);
    problems.extend(assets_found);
    let templates = match templates {
        Ok((t, warnings)) => {
            problems.extend(warnings);
            Some(t)
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    problems.extend(model_found);
    Loaded {
        site,
        manifest,
        templates,
    }
}

/// Loads and validates the site model only (no rendering): what `recommend` needs.
pub fn load_site(config: &Config) -> Result<(Site, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut problems = Diagnostics::new();
    let (files, found) = discover::scan(config);
    problems.extend(found);
    let (loaded, found) = load::parse(files);
    problems.extend(found);
    let (site, found) = model::build(config, loaded);
    problems.extend(found);
    gate(&problems)?;
    Ok((site, problems.into_sorted()))
}

pub(crate) fn gate(problems: &Diagnostics) -> Result<(), Vec<Diagnostic>> {
    if problems.has_errors() {
        Err(problems.clone().into_sorted())
    } else {
        Ok(())
    }
}
