//! `manual-coverage`: every screen and transaction of the manual's inventory has a flow
//! (a flow file whose `id:` is the inventory id).
//!
//! Off unless enabled in the settings: the flows are built issue by issue, and an id not
//! built yet must not fail `atmflow lint`.

use std::collections::HashSet;
use std::path::Path;

use atmflow_engine::diag::{Diagnostic, Loc, SourceFile};
use atmflow_engine::load::Loaded;
use atmflow_engine::program::Program;

/// One id of the inventory, with where it is written when it comes from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryId {
    pub id: String,
    pub loc: Option<Loc>,
}

/// The ids of an inventory in markdown: the backticked id opening each table row
/// (`| \`welcome\` | §I.2 | ... |`).
pub fn inventory_ids(source: &SourceFile) -> Vec<InventoryId> {
    let mut ids = Vec::new();
    let mut offset = 0;
    for line in source.text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let Some(rest) = line.trim_start().strip_prefix('|') else {
            continue;
        };
        let cell = rest.split('|').next().unwrap_or("").trim();
        let Some(id) = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue;
        };
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let at = here + line.find(id).unwrap_or(0);
        ids.push(InventoryId {
            id: id.to_string(),
            loc: Some(Loc::new(source, at, id.len())),
        });
    }
    ids
}

/// The ids of the inventory file at `path`; none when it cannot be read.
pub fn read_inventory(path: &Path) -> Vec<InventoryId> {
    match std::fs::read_to_string(path) {
        Ok(text) => inventory_ids(&SourceFile::new(path, text)),
        Err(_) => Vec::new(),
    }
}

/// One `manual-coverage` error per id that no flow has. An id without a location is
/// reported at the start of terminal.yaml.
pub fn manual_coverage(program: &Program, loaded: &Loaded, ids: &[InventoryId]) -> Vec<Diagnostic> {
    let have: HashSet<&str> = program.flows.keys().map(String::as_str).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in ids {
        if have.contains(item.id.as_str()) || !seen.insert(item.id.as_str()) {
            continue;
        }
        let Some(loc) = item.loc.clone().or_else(|| super::terminal_loc(loaded)) else {
            continue;
        };
        out.push(
            Diagnostic::error(
                "manual-coverage",
                loc,
                format!(
                    "the manual's inventory lists `{}`, but no flow has `id: {}`",
                    item.id, item.id
                ),
            )
            .with_hint(format!(
                "add a flow file with `id: {}` and its `manual:` section, or leave the id out of the checked list until it is built",
                item.id
            )),
        );
    }
    out
}
