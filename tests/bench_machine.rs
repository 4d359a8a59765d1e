//! The interpreter benchmark's machine (`bench/machine/`) against a plain Rust state
//! machine written straight from the benchmark's `machine.md`, through the
//! `atmflow-bench` command in both modes.
//!
//! The traces come from a port of the benchmark's `gen_trace.py` (Python's Mersenne
//! Twister included, so the same seed gives the same trace), and the same traces with
//! random events slipped in, which reach what the generator never sends: ignored events,
//! `TIMEOUT` and `CANCEL` in other states, sessions cut short.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::Command;

use serde_json::{Value as Json, json};

// ---------------------------------------------------------------------------------------
// Python's `random.Random(seed)`: MT19937 seeded by `init_by_array`, `random()` and
// `choice()` exactly as CPython computes them.

struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    fn new(seed: u32) -> PyRandom {
        let mut r = PyRandom {
            mt: [0; 624],
            index: 624,
        };
        r.init_genrand(19_650_218);
        let key = [seed];
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            let prev = self.mt[i - 1] ^ (self.mt[i - 1] >> 30);
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        self.index = 624;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let mut v = self.mt[(k + 397) % 624] ^ (y >> 1);
                if y & 1 == 1 {
                    v ^= 0x9908_b0df;
                }
                self.mt[k] = v;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)` for small `n`: `getrandbits(n.bit_length())` until below `n`.
    fn below(&mut self, n: u32) -> u32 {
        let k = 32 - n.leading_zeros();
        loop {
            let r = self.next_u32() >> (32 - k);
            if r < n {
                return r;
            }
        }
    }

    fn choice<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}

type TraceEvent = (&'static str, Option<i64>);

/// `gen_trace.py`'s `session()`.
fn session(rng: &mut PyRandom, ev: &mut Vec<TraceEvent>) {
    ev.push(("CARD_INSERTED", None));
    let r = rng.random();
    if r < 0.03 {
        ev.extend([("CARD_BAD", None), ("CARD_TAKEN", None)]);
        return;
    }
    ev.push(("CARD_OK", None));
    if r < 0.06 {
        ev.extend([("PIN_ENTERED", Some(1111)); 3]);
        ev.push(("RESET", None));
        return;
    }
    for _ in 0..rng.choice(&[0, 0, 0, 1, 2]) {
        ev.push(("PIN_ENTERED", Some(1111)));
    }
    ev.push(("PIN_ENTERED", Some(4321)));
    if r < 0.10 {
        ev.extend([("CANCEL", None), ("CARD_TAKEN", None)]);
        return;
    }
    ev.push(("SELECT_WITHDRAW", None));
    if rng.random() < 0.2 {
        ev.push(("AMOUNT_ENTERED", Some(25)));
    }
    if rng.random() < 0.1 {
        ev.push(("AMOUNT_ENTERED", Some(99999)));
    }
    ev.push(("AMOUNT_ENTERED", Some(rng.choice(&[20, 40, 60, 100, 200]))));
    if rng.random() < 0.05 {
        ev.extend([("HOST_DECLINED", None), ("CARD_TAKEN", None)]);
        return;
    }
    if rng.random() < 0.02 {
        ev.extend([("TIMEOUT", None), ("CARD_TAKEN", None)]);
        return;
    }
    ev.extend([
        ("HOST_APPROVED", None),
        ("CASH_TAKEN", None),
        ("RECEIPT_DONE", None),
        ("CARD_TAKEN", None),
    ]);
}

/// `gen_trace.py N OUT SEED`.
fn gen_trace(n: usize, seed: u32) -> Vec<TraceEvent> {
    let mut rng = PyRandom::new(seed);
    let mut trace = Vec::with_capacity(n + 16);
    while trace.len() < n {
        session(&mut rng, &mut trace);
    }
    trace.truncate(n);
    trace
}

const EVENTS: [&str; 14] = [
    "CARD_INSERTED",
    "CARD_OK",
    "CARD_BAD",
    "TIMEOUT",
    "PIN_ENTERED",
    "CANCEL",
    "SELECT_WITHDRAW",
    "AMOUNT_ENTERED",
    "HOST_APPROVED",
    "HOST_DECLINED",
    "CASH_TAKEN",
    "RECEIPT_DONE",
    "CARD_TAKEN",
    "RESET",
];

/// A generated trace with noise: random events (most of them ignored where they land,
/// some `TIMEOUT`s and `CANCEL`s taken) slipped in, and some events dropped.
fn noisy_trace(n: usize, seed: u32) -> Vec<TraceEvent> {
    let mut x = u64::from(seed);
    let mut next = move || {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    const VALUES: [i64; 9] = [4321, 1111, 0, 20, 25, 1000, 1020, 99999, 4320];
    let mut trace = Vec::with_capacity(n);
    for event in gen_trace(n, seed) {
        if next() % 100 < 15 {
            let name = EVENTS[(next() % EVENTS.len() as u64) as usize];
            let value = matches!(name, "PIN_ENTERED" | "AMOUNT_ENTERED")
                .then(|| VALUES[(next() % VALUES.len() as u64) as usize]);
            trace.push((name, value));
        }
        if next() % 100 >= 5 {
            trace.push(event);
        }
    }
    trace.truncate(n);
    trace
}

// ---------------------------------------------------------------------------------------
// machine.md, as a plain match.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    ReadingCard,
    PinEntry,
    Menu,
    AmountEntry,
    Authorizing,
    Dispensing,
    PrintingReceipt,
    EjectingCard,
    CardRetained,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::ReadingCard => "readingCard",
            State::PinEntry => "pinEntry",
            State::Menu => "menu",
            State::AmountEntry => "amountEntry",
            State::Authorizing => "authorizing",
            State::Dispensing => "dispensing",
            State::PrintingReceipt => "printingReceipt",
            State::EjectingCard => "ejectingCard",
            State::CardRetained => "cardRetained",
        }
    }
}

#[derive(Debug)]
struct Machine {
    state: State,
    pin_attempts: i64,
    amount: i64,
    balance: i64,
    dispensed: i64,
    sessions: i64,
    retained: i64,
    rejected: i64,
    declined: i64,
}

impl Machine {
    fn new() -> Machine {
        Machine {
            state: State::Idle,
            pin_attempts: 0,
            amount: 0,
            balance: 1_000_000_000,
            dispensed: 0,
            sessions: 0,
            retained: 0,
            rejected: 0,
            declined: 0,
        }
    }

    fn handle(&mut self, event: &str, value: Option<i64>) {
        use State::*;
        let v = value.unwrap_or(0);
        self.state = match (self.state, event) {
            (Idle, "CARD_INSERTED") => {
                self.sessions += 1;
                self.pin_attempts = 0;
                self.amount = 0;
                ReadingCard
            }
            (ReadingCard, "CARD_OK") => PinEntry,
            (ReadingCard, "CARD_BAD" | "TIMEOUT") => EjectingCard,
            (PinEntry, "PIN_ENTERED") if v == 4321 => Menu,
            (PinEntry, "PIN_ENTERED") if self.pin_attempts >= 2 => {
                self.retained += 1;
                CardRetained
            }
            (PinEntry, "PIN_ENTERED") => {
                self.pin_attempts += 1;
                PinEntry
            }
            (PinEntry | Menu | AmountEntry, "CANCEL" | "TIMEOUT") => EjectingCard,
            (Menu, "SELECT_WITHDRAW") => AmountEntry,
            (AmountEntry, "AMOUNT_ENTERED") if v % 20 == 0 && v <= 1000 && v <= self.balance => {
                self.amount = v;
                Authorizing
            }
            (AmountEntry, "AMOUNT_ENTERED") => {
                self.rejected += 1;
                AmountEntry
            }
            (Authorizing, "HOST_APPROVED") => {
                self.balance -= self.amount;
                self.dispensed += self.amount;
                Dispensing
            }
            (Authorizing, "HOST_DECLINED") => {
                self.declined += 1;
                EjectingCard
            }
            (Authorizing, "TIMEOUT") => EjectingCard,
            (Dispensing, "CASH_TAKEN") => PrintingReceipt,
            (PrintingReceipt, "RECEIPT_DONE") => EjectingCard,
            (EjectingCard, "CARD_TAKEN") => Idle,
            (CardRetained, "RESET") => Idle,
            (s, _) => s,
        };
    }
}

fn reference_stream(trace: &[TraceEvent]) -> Json {
    let mut m = Machine::new();
    for (e, v) in trace {
        m.handle(e, *v);
    }
    json!({
        "state": m.state.name(),
        "pinAttempts": m.pin_attempts,
        "amount": m.amount,
        "balance": m.balance,
        "dispensed": m.dispensed,
        "sessions": m.sessions,
        "retained": m.retained,
        "rejected": m.rejected,
        "declined": m.declined,
    })
}

/// A fresh machine per card session, each starting at a `CARD_INSERTED` (events before
/// the first one make a session of their own).
fn reference_sessions(trace: &[TraceEvent]) -> Json {
    let mut starts: Vec<usize> = trace
        .iter()
        .enumerate()
        .filter(|(i, (e, _))| *i == 0 || *e == "CARD_INSERTED")
        .map(|(i, _)| i)
        .collect();
    starts.push(trace.len());
    let (mut sessions, mut dispensed, mut retained, mut rejected, mut declined) = (0, 0, 0, 0, 0);
    let mut end_states: BTreeMap<&str, u64> = BTreeMap::new();
    for w in starts.windows(2) {
        let mut m = Machine::new();
        for (e, v) in &trace[w[0]..w[1]] {
            m.handle(e, *v);
        }
        sessions += m.sessions;
        dispensed += m.dispensed;
        retained += m.retained;
        rejected += m.rejected;
        declined += m.declined;
        *end_states.entry(m.state.name()).or_default() += 1;
    }
    json!({
        "sessions": sessions,
        "dispensed": dispensed,
        "retained": retained,
        "rejected": rejected,
        "declined": declined,
        "endStates": end_states,
    })
}

// ---------------------------------------------------------------------------------------

/// Runs `atmflow-bench` on the trace; returns its one line of JSON.
fn bench(trace: &[TraceEvent], mode: &str) -> Json {
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    let pairs: Vec<Json> = trace.iter().map(|(e, v)| json!([e, v])).collect();
    serde_json::to_writer(&mut file, &pairs).expect("the trace is written");
    file.flush().expect("the trace is written");
    let out = Command::new(env!("CARGO_BIN_EXE_atmflow-bench"))
        .arg(file.path())
        .arg(mode)
        .output()
        .expect("atmflow-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "atmflow-bench {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line of JSON, got: {stdout}");
    let result: Json = serde_json::from_str(lines[0]).expect("the line is JSON");
    assert_eq!(result["impl"], "atmflow");
    assert_eq!(result["mode"], mode);
    assert_eq!(result["events"], trace.len());
    assert!(result["seconds"].as_f64().is_some_and(|s| s > 0.0));
    assert!(result["events_per_sec"].as_f64().is_some_and(|r| r > 0.0));
    assert_eq!(
        result["sessions_per_sec"].as_f64().is_some(),
        mode == "sessions"
    );
    result
}

fn check_both_modes(trace: &[TraceEvent]) {
    let stream = bench(trace, "stream");
    assert_eq!(stream["final"], reference_stream(trace), "stream mode");
    let sessions = bench(trace, "sessions");
    assert_eq!(
        sessions["final"],
        reference_sessions(trace),
        "sessions mode"
    );
}

#[test]
fn the_generator_port_gives_the_published_checksum() {
    // README.md of the benchmark: the 1,000,000-event trace with seed 42.
    let trace = gen_trace(1_000_000, 42);
    let f = reference_stream(&trace);
    assert_eq!(f["state"], "ejectingCard");
    assert_eq!(f["sessions"], 107_782);
    assert_eq!(f["dispensed"], 7_588_160);
    assert_eq!(f["retained"], 3_303);
    assert_eq!(f["rejected"], 29_209);
    assert_eq!(f["declined"], 4_826);
}

#[test]
fn the_flow_matches_the_reference_on_generated_traces() {
    for seed in [42, 7] {
        check_both_modes(&gen_trace(20_000, seed));
    }
}

#[test]
fn the_flow_matches_the_reference_on_noisy_traces() {
    for seed in [1, 2] {
        let trace = noisy_trace(20_000, seed);
        let m = reference_stream(&trace);
        // The noise leaves every path of the machine taken.
        for counter in ["dispensed", "retained", "rejected", "declined"] {
            assert!(m[counter].as_i64().is_some_and(|n| n > 0), "{m}");
        }
        check_both_modes(&trace);
    }
}
