//! Where the flows come from: a folder, or the copy embedded in the binary.

use std::path::{Path, PathBuf};

use atmflow_engine::diag::{Report, SourceFile};
use atmflow_engine::load::{self, Loaded};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_flows.rs"));
}

/// The flows shipped with atmflow, as sources.
pub fn embedded_sources() -> Vec<SourceFile> {
    embedded::FLOWS
        .iter()
        .map(|(name, text)| SourceFile::new(&Path::new("flows").join(name), text.to_string()))
        .collect()
}

/// Which flows to run: the folder given, else `./flows` when it holds a terminal.yaml,
/// else the embedded copy.
#[derive(Debug, Clone)]
pub enum FlowSource {
    Dir(PathBuf),
    Embedded,
}

impl FlowSource {
    pub fn choose(explicit: Option<&Path>) -> FlowSource {
        match explicit {
            Some(p) => FlowSource::Dir(p.to_path_buf()),
            None if Path::new("flows/terminal.yaml").is_file() => {
                FlowSource::Dir(PathBuf::from("flows"))
            }
            None => FlowSource::Embedded,
        }
    }

    pub fn load(&self) -> Loaded {
        match self {
            FlowSource::Dir(d) => load::load_dir(d),
            FlowSource::Embedded => load::load_sources(embedded_sources()),
        }
    }

    /// A cheap fingerprint of the folder (names, sizes, modification times), to notice
    /// edits between sessions without reading every file each time.
    pub fn fingerprint(&self) -> Option<String> {
        let FlowSource::Dir(dir) = self else {
            return None;
        };
        let mut parts = Vec::new();
        fingerprint_dir(dir, &mut parts);
        parts.sort();
        Some(parts.join("\n"))
    }

    pub fn describe(&self) -> String {
        match self {
            FlowSource::Dir(d) => d.display().to_string(),
            FlowSource::Embedded => "the flows embedded in this binary".to_string(),
        }
    }
}

fn fingerprint_dir(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            fingerprint_dir(&path, out);
        } else if let Ok(meta) = e.metadata() {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            out.push(format!("{}:{}:{modified}", path.display(), meta.len()));
        }
    }
}

/// Prints every diagnostic of a load, as miette reports, to stderr.
pub fn print_diagnostics(loaded: &Loaded) {
    for d in &loaded.diagnostics {
        let report = match loaded.sources.get(&d.loc.file) {
            Some(src) => Report::new(d.clone(), src),
            None => Report::new(
                d.clone(),
                &SourceFile::new(Path::new(&*d.loc.file), String::new()),
            ),
        };
        eprintln!("{:?}", miette::Report::new(report));
    }
}

/// What a look at the flows folder found.
#[derive(Debug)]
pub enum Reload {
    Unchanged,
    /// The folder changed and loads clean: the new program.
    Ready(Box<atmflow_engine::program::Program>),
    /// The folder changed but does not load: keep the last good flows.
    Refused(Box<Loaded>),
}

/// Watches a flows folder for edits, so staff changes reach a running terminal without
/// recompiling (between sessions, and only when they load clean).
#[derive(Debug)]
pub struct Reloader {
    source: FlowSource,
    fingerprint: Option<String>,
}

impl Reloader {
    pub fn new(source: FlowSource) -> Reloader {
        let fingerprint = source.fingerprint();
        Reloader {
            source,
            fingerprint,
        }
    }

    pub fn check(&mut self) -> Reload {
        let now = self.source.fingerprint();
        if now == self.fingerprint {
            return Reload::Unchanged;
        }
        self.fingerprint = now;
        let loaded = self.source.load();
        match loaded.program {
            Some(p) => Reload::Ready(Box::new(p)),
            None => Reload::Refused(Box::new(loaded)),
        }
    }
}
