//! One flow file of arbitrary text inside the otherwise valid shipped flow set. If the
//! text declares the `id:` of a shipped flow, it replaces that flow's file, so calls
//! into it and its outcomes are checked against the fuzzed version.
#![no_main]

use std::path::Path;

use atmflow_engine::diag::SourceFile;
use atmflow_engine::load::load_sources;
use atmflow_fuzz::{check_loaded, declared_id, shipped};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let id = declared_id(&text).map(str::to_string);
    let mut files: Vec<SourceFile> = shipped()
        .iter()
        .filter(|f| id.is_none() || declared_id(&f.text) != id.as_deref())
        .cloned()
        .collect();
    files.push(SourceFile::new(Path::new("flows/fuzzed.yaml"), text));
    let loaded = load_sources(files);
    check_loaded(&loaded);
});
