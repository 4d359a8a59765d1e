//! The session journal: every session as append-only JSON lines.
//!
//! One line per record: what came in (events), what went out (screens, device commands,
//! host requests), and the start and end of each session with the content hash of the
//! flows it ran. Before anything irreversible (dispense, storing cash, a host request that
//! moves money) the journal is flushed to disk, so a crash can always be recovered from it.
//! Secrets never reach it: values serialize secrets as `***`, and keys typed into a secret
//! input are recorded as a count. `docs/journal.md` documents the format.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::interp::{Effect, Event};

/// The format version written in every `session_start` record.
pub const JOURNAL_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record<'a> {
    SessionStart {
        terminal: &'a str,
        flows_hash: &'a str,
        version: u32,
    },
    /// Something that happened. Typing into a secret input is recorded as `masked_keys`.
    Event {
        event: &'a Event,
    },
    MaskedKeys {
        count: usize,
    },
    Effect {
        effect: &'a Effect,
    },
    SessionEnd {
        outcome: &'a str,
    },
}

#[derive(Debug, Serialize)]
struct Line<'a> {
    seq: u64,
    at: NaiveDateTime,
    session: &'a str,
    #[serde(flatten)]
    record: &'a Record<'a>,
}

enum Sink {
    File { file: File, path: PathBuf },
    Memory(Vec<String>),
}

/// An append-only journal.
pub struct Journal {
    sink: Sink,
    seq: u64,
}

impl Journal {
    /// Appends to the journal file at `path`, creating it (and its folder) if needed.
    pub fn open(path: &Path) -> io::Result<Journal> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal {
            sink: Sink::File {
                file,
                path: path.to_path_buf(),
            },
            seq: 0,
        })
    }

    /// A journal kept in memory (tests, scenarios).
    pub fn in_memory() -> Journal {
        Journal {
            sink: Sink::Memory(Vec::new()),
            seq: 0,
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match &self.sink {
            Sink::File { path, .. } => Some(path),
            Sink::Memory(_) => None,
        }
    }

    /// The lines written so far, for an in-memory journal.
    pub fn lines(&self) -> &[String] {
        match &self.sink {
            Sink::Memory(lines) => lines,
            Sink::File { .. } => &[],
        }
    }

    pub fn write(&mut self, at: NaiveDateTime, session: &str, record: &Record) -> io::Result<()> {
        self.seq += 1;
        let line = serde_json::to_string(&Line {
            seq: self.seq,
            at,
            session,
            record,
        })
        .map_err(io::Error::other)?;
        match &mut self.sink {
            Sink::File { file, .. } => {
                file.write_all(line.as_bytes())?;
                file.write_all(b"\n")
            }
            Sink::Memory(lines) => {
                lines.push(line);
                Ok(())
            }
        }
    }

    /// Makes everything written so far durable: called before anything irreversible.
    pub fn flush_durable(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::File { file, .. } => {
                file.flush()?;
                file.sync_data()
            }
            Sink::Memory(_) => Ok(()),
        }
    }
}
