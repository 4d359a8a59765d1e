//! atmflow's entry in the interpreter benchmark (docs/benchmark.md).
//!
//! `atmflow-bench TRACE.json [stream|sessions]` runs the benchmark machine, written as the
//! flow in `bench/machine/`, over a trace of `[type, value]` events and prints one line of
//! JSON with the timing and the final state and counters (the checksum).
//!
//! The trace is read and turned into [`Event::Signal`]s (the value, when there is one, as
//! the number field `value`) before anything is timed; a prefix of the trace warms up a
//! fresh instance of its own; then one full pass is timed with [`Instant`].
//!
//! - `stream`: one session for the whole trace;
//! - `sessions`: a fresh session for every card session (each starts at a
//!   `CARD_INSERTED`), the shape of replaying a corpus of recorded sessions.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use atmflow_engine::interp::{Event, Session, SessionConfig};
use atmflow_engine::load::load_dir;
use atmflow_engine::program::Program;
use atmflow_engine::value::Value;
use chrono::NaiveDateTime;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// The events of the trace's prefix that warm up a fresh instance before the timed pass.
const WARMUP_EVENTS: usize = 100_000;

/// The event that starts a card session (and a fresh session in `sessions` mode).
const SESSION_START: &str = "CARD_INSERTED";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Stream,
    Sessions,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Stream => "stream",
            Mode::Sessions => "sessions",
        }
    }
}

#[derive(Serialize)]
struct Output<F: Serialize> {
    #[serde(rename = "impl")]
    implementation: &'static str,
    mode: &'static str,
    events: usize,
    seconds: f64,
    events_per_sec: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions_per_sec: Option<f64>,
    #[serde(rename = "final")]
    final_: F,
}

/// The machine's state and context after the whole trace, in one session.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StreamFinal {
    state: String,
    pin_attempts: i64,
    amount: i64,
    balance: i64,
    dispensed: i64,
    sessions: i64,
    retained: i64,
    rejected: i64,
    declined: i64,
}

/// Counters summed over one session per card session, and where the sessions ended.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct SessionsFinal {
    sessions: i64,
    dispensed: i64,
    retained: i64,
    rejected: i64,
    declined: i64,
    end_states: BTreeMap<String, u64>,
}

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("atmflow-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (trace_path, mode) = match args.as_slice() {
        [trace] => (trace, Mode::Stream),
        [trace, mode] => (
            trace,
            match mode.as_str() {
                "stream" => Mode::Stream,
                "sessions" => Mode::Sessions,
                other => return Err(format!("unknown mode `{other}`: give stream or sessions")),
            },
        ),
        _ => return Err("usage: atmflow-bench TRACE.json [stream|sessions]".into()),
    };

    let program = Arc::new(load_machine()?);
    let text = std::fs::read_to_string(trace_path)
        .map_err(|e| format!("cannot read the trace {trace_path}: {e}"))?;
    let events = convert(&text)?;

    let line = match mode {
        Mode::Stream => {
            let warm = &events[..events.len().min(WARMUP_EVENTS)];
            run_stream(&program, warm)?;
            let started = Instant::now();
            let session = run_stream(&program, &events)?;
            let seconds = started.elapsed().as_secs_f64();
            let out = Output {
                implementation: "atmflow",
                mode: mode.name(),
                events: events.len(),
                seconds,
                events_per_sec: events.len() as f64 / seconds,
                sessions_per_sec: None,
                final_: stream_final(&session)?,
            };
            serde_json::to_string(&out)
        }
        Mode::Sessions => {
            let segments = split_sessions(&events);
            let warm_sessions = segments
                .iter()
                .scan(0usize, |seen, s| {
                    *seen += s.len();
                    Some(*seen)
                })
                .take_while(|seen| *seen <= WARMUP_EVENTS)
                .count();
            run_sessions(&program, &segments[..warm_sessions])?;
            let started = Instant::now();
            let totals = run_sessions(&program, &segments)?;
            let seconds = started.elapsed().as_secs_f64();
            let out = Output {
                implementation: "atmflow",
                mode: mode.name(),
                events: events.len(),
                seconds,
                events_per_sec: events.len() as f64 / seconds,
                sessions_per_sec: Some(segments.len() as f64 / seconds),
                final_: totals,
            };
            serde_json::to_string(&out)
        }
    };
    line.map_err(|e| format!("cannot write the result: {e}"))
}

/// Loads `bench/machine/`, the benchmark machine as a flows folder.
fn load_machine() -> Result<Program, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/machine");
    let loaded = load_dir(&dir);
    match loaded.program {
        Some(p) if !loaded.has_errors() => Ok(p),
        _ => {
            let problems: Vec<String> = loaded.errors().map(|d| d.to_string()).collect();
            Err(format!(
                "the machine in {} does not load:\n{}",
                dir.display(),
                problems.join("\n")
            ))
        }
    }
}

/// Turns the trace's `[type, value]` pairs into signals; a value becomes the number field
/// `value` of the signal's data.
fn convert(text: &str) -> Result<Vec<Event>, String> {
    let raw: Vec<(String, Option<i64>)> = serde_json::from_str(text)
        .map_err(|e| format!("the trace is not [[type, value], ...]: {e}"))?;
    Ok(raw
        .into_iter()
        .map(|(name, value)| Event::Signal {
            name,
            data: value
                .map(|v| BTreeMap::from([("value".to_string(), Value::number(v))]))
                .unwrap_or_default(),
        })
        .collect())
}

/// Splits the trace where each card session starts. Events before the first
/// `CARD_INSERTED`, if any, make a session of their own.
fn split_sessions(events: &[Event]) -> Vec<&[Event]> {
    let mut segments = Vec::new();
    let mut start = 0;
    for (i, e) in events.iter().enumerate() {
        if i > start && matches!(e, Event::Signal { name, .. } if name == SESSION_START) {
            segments.push(&events[start..i]);
            start = i;
        }
    }
    if start < events.len() {
        segments.push(&events[start..]);
    }
    segments
}

fn new_session(program: &Arc<Program>) -> Result<Session, String> {
    let mut session = Session::new(
        program.clone(),
        SessionConfig {
            terminal_id: "bench".into(),
            session_id: "bench".into(),
        },
    );
    let effects = session.start(NaiveDateTime::default());
    if !effects.is_empty() {
        return Err(format!("the machine did something on start: {effects:?}"));
    }
    Ok(session)
}

/// Feeds the events to the session. The machine only waits and assigns, so any effect
/// (an expression that failed, a session that ended) means it is broken.
fn feed(session: &mut Session, events: &[Event]) -> Result<(), String> {
    let now = NaiveDateTime::default();
    let mut unexpected = 0usize;
    for e in events {
        unexpected += session.handle(e, now).len();
    }
    if unexpected > 0 {
        return Err(format!("the machine answered with {unexpected} effects"));
    }
    Ok(())
}

fn run_stream(program: &Arc<Program>, events: &[Event]) -> Result<Session, String> {
    let mut session = new_session(program)?;
    feed(&mut session, events)?;
    Ok(session)
}

fn run_sessions(program: &Arc<Program>, segments: &[&[Event]]) -> Result<SessionsFinal, String> {
    let mut totals = SessionsFinal::default();
    for events in segments {
        let mut session = new_session(program)?;
        feed(&mut session, events)?;
        totals.sessions += counter(&session, "sessions")?;
        totals.dispensed += counter(&session, "dispensed")?;
        totals.retained += counter(&session, "retained")?;
        totals.rejected += counter(&session, "rejected")?;
        totals.declined += counter(&session, "declined")?;
        *totals.end_states.entry(state(&session)?).or_default() += 1;
    }
    Ok(totals)
}

fn stream_final(session: &Session) -> Result<StreamFinal, String> {
    Ok(StreamFinal {
        state: state(session)?,
        pin_attempts: counter(session, "pinAttempts")?,
        amount: counter(session, "amount")?,
        balance: counter(session, "balance")?,
        dispensed: counter(session, "dispensed")?,
        sessions: counter(session, "sessions")?,
        retained: counter(session, "retained")?,
        rejected: counter(session, "rejected")?,
        declined: counter(session, "declined")?,
    })
}

/// The machine's state: the step where the session waits.
fn state(session: &Session) -> Result<String, String> {
    session
        .position()
        .map(|(_, step)| step)
        .ok_or_else(|| "the machine's session has ended".into())
}

fn counter(session: &Session, name: &str) -> Result<i64, String> {
    session
        .var(name)
        .and_then(Value::as_number)
        .and_then(|n| n.to_i64())
        .ok_or_else(|| format!("the machine has no whole-number counter `{name}`"))
}
