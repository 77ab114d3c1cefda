//! The build's steps beyond the ordering in `pipeline`: what pages exist, their views, the
//! sidebar, the printable guide and the files beside the pages.

pub(crate) mod book;
pub(crate) mod chrome;
pub(crate) mod pages;
pub(crate) mod plan;
pub(crate) mod special;
