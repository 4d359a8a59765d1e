//! A set of one to four files of arbitrary text with the names the loader treats
//! specially. The input is split at NUL bytes; the first byte of each part picks the
//! file's name, the rest is its text. A name already taken drops the part: real file
//! sets never hold one path twice.
#![no_main]

use std::path::Path;

use atmflow_engine::diag::SourceFile;
use atmflow_engine::load::load_sources;
use atmflow_fuzz::check_loaded;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "flows/terminal.yaml",
    "flows/catalogue.yaml",
    "flows/params.yaml",
    "flows/texts.yaml",
    "flows/main.yaml",
    "flows/sub/other.yml",
];

fuzz_target!(|data: &[u8]| {
    let mut taken = [false; NAMES.len()];
    let files: Vec<SourceFile> = data
        .split(|b| *b == 0)
        .filter(|part| !part.is_empty())
        .take(4)
        .filter_map(|part| {
            let i = usize::from(part[0]) % NAMES.len();
            if std::mem::replace(&mut taken[i], true) {
                return None;
            }
            let text = String::from_utf8_lossy(&part[1..]).into_owned();
            Some(SourceFile::new(Path::new(NAMES[i]), text))
        })
        .collect();
    if files.is_empty() {
        return;
    }
    let loaded = load_sources(files);
    check_loaded(&loaded);
});
