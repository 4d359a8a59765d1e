//! One flow file of arbitrary text loaded with the shipped terminal, catalogue, params
//! and texts files and the shipped flows it calls (all shipped files with
//! `ATMFLOW_FUZZ_FULL_SET=1`). If the text declares the `id:` of a shipped flow, it
//! replaces that flow, so calls into it are checked against the fuzzed version.
#![no_main]

use std::path::Path;

use atmflow_engine::diag::SourceFile;
use atmflow_engine::load::load_sources;
use atmflow_fuzz::{check_loaded, context_for};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut files = context_for(&text);
    files.push(SourceFile::new(Path::new("flows/fuzzed.yaml"), text));
    let loaded = load_sources(files);
    check_loaded(&loaded);
});
