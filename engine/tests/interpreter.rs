//! The interpreter and the terminal runner, driven through their public API with a tiny
//! flow set (`fixtures/interp/`), a scripted host and a scripted device bus, and a manual
//! clock.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value as Json;

use atmflow_engine::diag::SourceFile;
use atmflow_engine::interp::{Effect, Event, Session, SessionConfig};
use atmflow_engine::journal::{JOURNAL_VERSION, Journal};
use atmflow_engine::load;
use atmflow_engine::ports::{
    DeviceBus, DeviceClass, DeviceCommand, DeviceEvent, Host, HostError, HostRequest, InputKind,
    ScreenView,
};
use atmflow_engine::program::Program;
use atmflow_engine::terminal::Terminal;
use atmflow_engine::value::{Secret, Value};

// ---------------------------------------------------------------------------------------
// Fixtures

const FIXTURES: [(&str, &str); 10] = [
    (
        "terminal.yaml",
        include_str!("fixtures/interp/terminal.yaml"),
    ),
    (
        "catalogue.yaml",
        include_str!("fixtures/interp/catalogue.yaml"),
    ),
    ("params.yaml", include_str!("fixtures/interp/params.yaml")),
    ("texts.yaml", include_str!("fixtures/interp/texts.yaml")),
    ("main.yaml", include_str!("fixtures/interp/main.yaml")),
    ("double.yaml", include_str!("fixtures/interp/double.yaml")),
    (
        "more_time.yaml",
        include_str!("fixtures/interp/more_time.yaml"),
    ),
    (
        "on_eject.yaml",
        include_str!("fixtures/interp/on_eject.yaml"),
    ),
    (
        "on_fault.yaml",
        include_str!("fixtures/interp/on_fault.yaml"),
    ),
    (
        "on_unavailable.yaml",
        include_str!("fixtures/interp/on_unavailable.yaml"),
    ),
];

/// The fixture flow set with some files replaced by name.
fn program_with(overrides: &[(&str, &str)]) -> Arc<Program> {
    let files = FIXTURES
        .iter()
        .map(|(name, text)| {
            let text = overrides
                .iter()
                .find(|(n, _)| n == name)
                .map_or(*text, |(_, t)| *t);
            SourceFile::new(&Path::new("fixtures").join(name), text.to_string())
        })
        .collect();
    let loaded = load::load_sources(files);
    let dump: Vec<String> = loaded.diagnostics.iter().map(|d| d.headline()).collect();
    assert!(
        loaded.diagnostics.is_empty(),
        "the fixture must load cleanly:\n{}",
        dump.join("\n")
    );
    Arc::new(loaded.program.expect("a program"))
}

fn program() -> Arc<Program> {
    program_with(&[])
}

/// `main.yaml` with one piece of text replaced (it must occur exactly once).
fn main_with(from: &str, to: &str) -> String {
    let main = FIXTURES[4].1;
    assert_eq!(main.matches(from).count(), 1, "`{from}` must occur once");
    main.replacen(from, to, 1)
}

/// A `main` flow whose entry loops through immediate steps forever.
const LOOPING_MAIN: &str = "\
id: main
manual: \"§T.0\"
start: a
steps:
  a:
    decide:
      - goto: b
  b:
    decide:
      - goto: a
";

// ---------------------------------------------------------------------------------------
// The manual clock

fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 3, 4)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

/// `secs` seconds after `t0`.
fn at(secs: i64) -> NaiveDateTime {
    t0() + Duration::seconds(secs)
}

// ---------------------------------------------------------------------------------------
// Stub host and devices

/// Answers from a script, then with a booking `TX-n`; remembers every request and the
/// secrets it was given (as only the host may see them).
#[derive(Default)]
struct StubHost {
    replies: VecDeque<Result<Value, HostError>>,
    requests: Vec<HostRequest>,
    exposed: Vec<(String, String)>,
}

impl Host for StubHost {
    fn call(&mut self, request: &HostRequest, _now: NaiveDateTime) -> Result<Value, HostError> {
        self.requests.push(request.clone());
        for (name, v) in &request.args {
            if let Some(s) = v.as_secret() {
                self.exposed.push((name.clone(), s.expose().to_string()));
            }
        }
        self.replies.pop_front().unwrap_or_else(|| {
            Ok(Value::record([(
                "transaction_id",
                Value::text(format!("TX-{}", self.requests.len())),
            )]))
        })
    }
}

/// Answers each command from a script, else as a healthy device would.
#[derive(Default)]
struct StubBus {
    script: VecDeque<Vec<DeviceEvent>>,
    commands: Vec<DeviceCommand>,
}

impl DeviceBus for StubBus {
    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        self.commands.push(command.clone());
        if let Some(events) = self.script.pop_front() {
            return events;
        }
        match (command.device, command.command.as_str()) {
            (DeviceClass::CashDispenser, "dispense") => {
                let mut ev = DeviceEvent::new(DeviceClass::CashDispenser, "cash_presented");
                if let Some(a) = command.args.get("amount") {
                    ev = ev.with("amount", a.clone());
                }
                vec![ev]
            }
            _ => Vec::new(),
        }
    }
}

type Term = Terminal<StubHost, StubBus>;

fn terminal_for(program: Arc<Program>) -> Term {
    Terminal::new(
        program,
        StubHost::default(),
        StubBus::default(),
        Journal::in_memory(),
        "T1",
        t0(),
    )
}

fn terminal() -> Term {
    terminal_for(program())
}

fn press(t: &mut Term, id: &str, secs: i64) {
    t.dispatch(Event::Button { id: id.into() }, at(secs));
}

fn type_keys(t: &mut Term, text: &str, secs: i64) {
    t.dispatch(Event::Type { text: text.into() }, at(secs));
}

fn view(t: &Term) -> &ScreenView {
    t.view().expect("a screen is shown")
}

fn screen(t: &Term) -> String {
    t.view().map(|v| v.id.clone()).unwrap_or_default()
}

fn line0(t: &Term) -> String {
    view(t).lines.first().cloned().unwrap_or_default()
}

fn journal(t: &Term) -> Vec<Json> {
    t.journal()
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).expect("every journal line is JSON"))
        .collect()
}

fn records<'a>(lines: &'a [Json], kind: &str) -> Vec<&'a Json> {
    lines.iter().filter(|l| l["record"] == kind).collect()
}

/// Runs `body` in a child process (this test binary, filtered to the calling test), so
/// that a stack overflow or an abort fails that test alone instead of the whole run.
fn in_child_process(test_name: &str, body: fn()) {
    const VAR: &str = "ATMFLOW_INTERPRETER_CHILD";
    if std::env::var(VAR).as_deref() == Ok(test_name) {
        body();
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, test_name)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "`{test_name}` failed in its own process ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// The menu line with the count, session counter, session note and reason.
fn menu_line(count: u32, counter: u32, note: &str, reason: &str) -> String {
    format!("Count {count}, session {counter}, note '{note}', reason '{reason}'")
}

// ---------------------------------------------------------------------------------------
// Screens and buttons

#[test]
fn the_entry_screen_is_shown_first() {
    let t = terminal();
    let v = view(&t);
    assert_eq!(v.id, "main/menu");
    assert_eq!(v.language, "en", "the first language is the default");
    assert_eq!(v.title, "Menu");
    assert_eq!(v.lines, [menu_line(0, 0, "", "")]);
    assert_eq!(v.timeout_seconds, Some(30));
    assert_eq!(t.session().position(), Some(("main".into(), "menu".into())));

    // The same through a bare session: the first effect is the screen.
    let mut s = Session::new(
        program(),
        SessionConfig {
            terminal_id: "T1".into(),
            session_id: "S1".into(),
        },
    );
    let effects = s.start(t0());
    match effects.first() {
        Some(Effect::Show(v)) => assert_eq!(v.id, "main/menu"),
        other => panic!("expected a screen first, got {other:?}"),
    }
    assert_eq!(s.deadline(), Some(at(30)));
}

#[test]
fn a_button_follows_its_transition_and_applies_its_set() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    assert_eq!(screen(&t), "main/menu");
    assert_eq!(line0(&t), menu_line(1, 1, "", ""));
    press(&mut t, "add", 2);
    assert_eq!(line0(&t), menu_line(2, 2, "", ""));
    press(&mut t, "go", 3);
    assert_eq!(screen(&t), "main/second");
    assert_eq!(view(&t).title, "Second");
    press(&mut t, "back", 4);
    assert_eq!(line0(&t), menu_line(2, 2, "went", ""));
}

#[test]
fn a_disabled_button_does_nothing_and_says_why() {
    let mut t = terminal();
    let go = view(&t)
        .buttons
        .iter()
        .find(|b| b.id == "go")
        .cloned()
        .expect("the go button is shown");
    assert!(!go.enabled);
    assert_eq!(go.reason.as_deref(), Some("Add something first"));
    let add = view(&t).buttons.iter().find(|b| b.id == "add").unwrap();
    assert!(add.enabled && add.reason.is_none());

    press(&mut t, "go", 1);
    assert_eq!(screen(&t), "main/menu", "a disabled button goes nowhere");
    assert_eq!(
        line0(&t),
        menu_line(0, 0, "", ""),
        "its `set` is not applied"
    );

    press(&mut t, "add", 2);
    let go = view(&t).buttons.iter().find(|b| b.id == "go").unwrap();
    assert!(go.enabled);
    assert_eq!(go.reason, None);
    press(&mut t, "go", 3);
    assert_eq!(screen(&t), "main/second");
}

#[test]
fn a_disabled_button_pressed_on_a_bare_session_changes_no_state() {
    let mut s = Session::new(
        program(),
        SessionConfig {
            terminal_id: "T1".into(),
            session_id: "S1".into(),
        },
    );
    s.start(t0());
    let effects = s.handle(&Event::Button { id: "go".into() }, at(1));
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::Show(v) if v.id == "main/menu")),
        "{effects:?}"
    );
    assert_eq!(s.position(), Some(("main".into(), "menu".into())));
    let v = s.view().expect("a screen");
    let go = v.buttons.iter().find(|b| b.id == "go").unwrap();
    assert_eq!(
        (go.enabled, go.reason.as_deref()),
        (false, Some("Add something first"))
    );
}

// ---------------------------------------------------------------------------------------
// Timeouts

#[test]
fn an_unhandled_screen_timeout_fires_at_the_deadline_and_resume_reshows_the_screen() {
    let mut t = terminal();
    press(&mut t, "add", 5);
    assert_eq!(
        t.deadline(),
        Some(at(35)),
        "the timeout restarts on re-entry"
    );

    t.tick(at(34));
    assert_eq!(
        screen(&t),
        "main/menu",
        "nothing happens before the deadline"
    );
    assert!(
        records(&journal(&t), "event")
            .iter()
            .all(|l| l["event"]["kind"] != "timeout"),
        "no timeout event before the deadline"
    );

    t.tick(at(35));
    assert_eq!(screen(&t), "more_time/ask", "the timeout handler runs");
    assert_eq!(t.deadline(), Some(at(50)));

    press(&mut t, "yes", 40);
    assert_eq!(screen(&t), "main/menu", "`resume` re-shows the screen");
    assert_eq!(
        line0(&t),
        menu_line(1, 1, "", ""),
        "the interrupted flow keeps its variables"
    );
    assert_eq!(t.deadline(), Some(at(70)));
    assert!(t.outcomes().is_empty(), "the session goes on");
}

#[test]
fn the_timeout_handler_ending_otherwise_ends_the_session() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    t.tick(at(31));
    assert_eq!(screen(&t), "more_time/ask");
    t.tick(at(45));
    assert_eq!(screen(&t), "more_time/ask", "15 s have not passed yet");
    t.tick(at(46));
    assert_eq!(t.outcomes(), ["timeout"]);
    assert_eq!(screen(&t), "main/menu", "a new session starts");
    assert_eq!(line0(&t), menu_line(0, 0, "", ""));
}

#[test]
fn a_timeout_branch_of_the_step_is_taken_instead_of_the_handler() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    press(&mut t, "go", 2);
    assert_eq!(screen(&t), "main/second");
    t.tick(at(31));
    assert_eq!(screen(&t), "main/second");
    t.tick(at(32));
    assert_eq!(screen(&t), "main/timed_out_here");
}

#[test]
fn a_timeout_event_before_the_deadline_is_ignored_by_the_session() {
    let mut s = Session::new(
        program(),
        SessionConfig {
            terminal_id: "T1".into(),
            session_id: "S1".into(),
        },
    );
    s.start(t0());
    assert!(s.handle(&Event::Timeout, at(29)).is_empty());
    assert_eq!(s.position(), Some(("main".into(), "menu".into())));
    let effects = s.handle(&Event::Timeout, at(30));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Show(v) if v.id == "more_time/ask")),
        "{effects:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Eject

#[test]
fn eject_on_a_screen_without_an_eject_branch_runs_the_eject_handler() {
    let mut t = terminal();
    press(&mut t, "eject", 1);
    assert_eq!(screen(&t), "on_eject/notice");
    assert_eq!(view(&t).title, "Handled eject");
    press(&mut t, "ok", 2);
    assert_eq!(t.outcomes(), ["ejected"]);
    assert_eq!(screen(&t), "main/menu");
}

#[test]
fn an_eject_button_without_an_eject_branch_runs_the_eject_handler() {
    let mut t = terminal();
    press(&mut t, "call", 1);
    assert_eq!(screen(&t), "main/sub");
    assert!(view(&t).buttons.iter().any(|b| b.id == "eject"));
    press(&mut t, "eject", 2);
    assert_eq!(screen(&t), "on_eject/notice");
}

#[test]
fn eject_on_a_screen_with_an_eject_branch_takes_the_branch() {
    // `second` has `on: eject` but no eject button: the key still raises `eject`.
    let mut t = terminal();
    press(&mut t, "add", 1);
    press(&mut t, "go", 2);
    assert_eq!(screen(&t), "main/second");
    press(&mut t, "eject", 3);
    assert_eq!(screen(&t), "main/ejected_here");
}

// ---------------------------------------------------------------------------------------
// Host

/// From the menu to the host request: PIN screen, four digits, enter.
fn withdraw(t: &mut Term, pin: &str, secs: i64) {
    press(t, "pin", secs);
    assert_eq!(screen(t), "main/pin");
    type_keys(t, pin, secs + 1);
    press(t, "enter", secs + 2);
}

#[test]
fn a_host_answer_ok_stores_the_result() {
    let mut t = terminal();
    withdraw(&mut t, "1234", 1);
    assert_eq!(screen(&t), "main/booked");
    assert_eq!(view(&t).lines, ["Transaction TX-1"]);
    let req = &t.host.requests[0];
    assert_eq!(req.op, "withdraw");
    assert_eq!(req.terminal_id, "T1");
    assert_eq!(
        req.args
            .get("amount")
            .and_then(Value::as_money)
            .map(|m| m.to_string()),
        Some("500 ALL".to_string())
    );
}

#[test]
fn host_refusal_codes_route_to_their_branches() {
    let mut t = terminal();
    t.host.replies.push_back(Err(HostError::Refused {
        code: "insufficient_funds".into(),
        message: "Balance too low".into(),
    }));
    withdraw(&mut t, "1234", 1);
    assert_eq!(screen(&t), "main/no_funds");
    assert_eq!(view(&t).lines, ["Why: Balance too low"]);

    press(&mut t, "ok", 5);
    assert_eq!(screen(&t), "main/menu");
    t.host.replies.push_back(Err(HostError::Refused {
        code: "declined".into(),
        message: "No".into(),
    }));
    withdraw(&mut t, "1234", 6);
    assert_eq!(screen(&t), "main/declined");
    assert!(t.outcomes().is_empty());
}

#[test]
fn an_unhandled_unavailable_host_runs_the_unavailable_handler() {
    let mut t = terminal();
    t.host
        .replies
        .push_back(Err(HostError::Unavailable("no route to host".into())));
    withdraw(&mut t, "1234", 1);
    assert_eq!(screen(&t), "on_unavailable/notice");
    press(&mut t, "ok", 5);
    assert_eq!(t.outcomes(), ["unavailable"]);
    assert_eq!(screen(&t), "main/menu");
}

#[test]
fn idempotency_keys_differ_per_request_and_repeat_for_the_same_session_sequence() {
    fn run() -> Vec<String> {
        let mut t = terminal();
        withdraw(&mut t, "1234", 1);
        press(&mut t, "again", 5);
        assert_eq!(screen(&t), "main/booked");
        assert_eq!(view(&t).lines, ["Transaction TX-2"]);
        press(&mut t, "ok", 6);
        assert_eq!(t.outcomes(), ["finished"]);
        // The next session, at another time.
        withdraw(&mut t, "1234", 10);
        t.host
            .requests
            .iter()
            .map(|r| r.idempotency_key.clone())
            .collect()
    }
    let keys = run();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| !k.is_empty()));
    assert_ne!(keys[0], keys[1], "two requests of one session");
    assert_ne!(keys[0], keys[2], "requests of two sessions");
    assert_ne!(keys[1], keys[2], "requests of two sessions");
    assert_eq!(run(), keys, "the same session sequence gives the same keys");
}

#[test]
fn a_money_moving_host_request_is_journaled_before_the_reply() {
    let mut t = terminal();
    withdraw(&mut t, "1234", 1);
    let lines = journal(&t);
    let req = lines
        .iter()
        .position(|l| l["record"] == "effect" && l["effect"]["kind"] == "host")
        .expect("the request is journaled");
    let reply = lines
        .iter()
        .position(|l| l["record"] == "event" && l["event"]["kind"] == "host_reply")
        .expect("the reply is journaled");
    assert!(req < reply);
    assert_eq!(lines[req]["effect"]["op"], "withdraw");
    assert_eq!(
        lines[req]["effect"]["idempotency_key"],
        Json::String(t.host.requests[0].idempotency_key.clone())
    );
}

// ---------------------------------------------------------------------------------------
// Devices

#[test]
fn an_unhandled_device_fault_runs_the_fault_handler() {
    let mut t = terminal();
    t.devices.script.push_back(vec![
        DeviceEvent::new(DeviceClass::CashDispenser, "fault").with("code", Value::text("jam")),
    ]);
    press(&mut t, "dispense", 1);
    assert_eq!(t.devices.commands.len(), 1);
    assert_eq!(t.devices.commands[0].command, "dispense");
    assert_eq!(screen(&t), "on_fault/notice");
    press(&mut t, "ok", 2);
    assert_eq!(t.outcomes(), ["faulted"]);
}

#[test]
fn a_device_event_with_a_branch_is_followed() {
    let mut t = terminal();
    press(&mut t, "dispense", 1);
    assert_eq!(
        screen(&t),
        "main/menu",
        "cash_presented goes back to the menu"
    );
    assert!(t.outcomes().is_empty());
}

#[test]
fn an_unhandled_device_fault_on_a_screen_runs_the_fault_handler() {
    let mut t = terminal();
    t.dispatch(
        Event::Device(
            DeviceEvent::new(DeviceClass::CardReader, "fault").with("code", Value::text("x")),
        ),
        at(1),
    );
    assert_eq!(screen(&t), "on_fault/notice");
}

// ---------------------------------------------------------------------------------------
// Sub-flows

#[test]
fn a_called_flow_gets_its_args_and_returns_its_outputs_as_the_result_record() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    press(&mut t, "call", 2);
    assert_eq!(screen(&t), "main/sub");
    // n = count + 20 = 21: `sub` is {doubled: 42, shown: "hi!"}, and `event.doubled`
    // was stored into `count` by the `done` branch.
    assert_eq!(view(&t).lines, ["42 hi! 42"]);
}

#[test]
fn a_called_flow_outcome_selects_the_callers_branch() {
    let mut t = terminal();
    press(&mut t, "call_big", 1);
    assert_eq!(screen(&t), "main/menu");
    assert_eq!(line0(&t), menu_line(0, 0, "", "refused"));
}

#[test]
fn a_result_written_to_a_session_variable_is_stored() {
    // `result: session.NAME` is accepted by the loader (a target may be a session
    // variable), so the host's answer must land there.
    let terminal = FIXTURES[0]
        .1
        .replace("  pan: secret\n", "  pan: secret\n  last: booking\n");
    let main = main_with(
        "    result: booking\n    on:\n      ok: booked\n",
        "    result: session.last\n    on:\n      ok: booked\n",
    )
    .replace(
        "Transaction {booking.transaction_id}\", sq",
        "Transaction {session.last.transaction_id}\", sq",
    );
    let loaded = load::load_sources(
        [
            ("terminal.yaml", terminal.as_str()),
            ("main.yaml", main.as_str()),
        ]
        .into_iter()
        .chain(
            FIXTURES
                .iter()
                .copied()
                .filter(|(n, _)| *n != "terminal.yaml" && *n != "main.yaml"),
        )
        .map(|(n, t)| SourceFile::new(&Path::new("fixtures").join(n), t.to_string()))
        .collect(),
    );
    let Some(p) = loaded.program else {
        // Refusing it when loading would be fine too, as long as it is not silently lost.
        assert!(
            loaded
                .diagnostics
                .iter()
                .any(|d| d.loc.file.ends_with("main.yaml")),
            "{:?}",
            loaded.diagnostics
        );
        return;
    };
    let mut t = terminal_for(Arc::new(p));
    withdraw(&mut t, "1234", 1);
    assert_eq!(screen(&t), "main/booked");
    assert_eq!(view(&t).lines, ["Transaction TX-1"]);
}

#[test]
fn a_call_result_written_to_a_session_variable_is_stored() {
    let terminal = FIXTURES[0]
        .1
        .replace("  pan: secret\n", "  pan: secret\n  out: doubled\n");
    let catalogue = FIXTURES[1].1.replace(
        "types:\n",
        "types:\n  doubled: {doubled: number, shown: text}\n",
    );
    let main = main_with(
        "    result: sub\n    on:\n      done:\n",
        "    result: session.out\n    on:\n      done:\n",
    )
    .replace(
        "{sub.doubled} {sub.shown} {count}\", sq",
        "{session.out.doubled} {session.out.shown} {count}\", sq",
    );
    let loaded = load::load_sources(
        [
            ("terminal.yaml", terminal.as_str()),
            ("catalogue.yaml", catalogue.as_str()),
            ("main.yaml", main.as_str()),
        ]
        .into_iter()
        .chain(
            FIXTURES
                .iter()
                .copied()
                .filter(|(n, _)| !["terminal.yaml", "catalogue.yaml", "main.yaml"].contains(n)),
        )
        .map(|(n, t)| SourceFile::new(&Path::new("fixtures").join(n), t.to_string()))
        .collect(),
    );
    let Some(p) = loaded.program else {
        assert!(
            loaded
                .diagnostics
                .iter()
                .any(|d| d.loc.file.ends_with("main.yaml")),
            "{:?}",
            loaded.diagnostics
        );
        return;
    };
    let mut t = terminal_for(Arc::new(p));
    press(&mut t, "call", 1);
    assert_eq!(screen(&t), "main/sub");
    assert_eq!(view(&t).lines, ["40 hi! 40"]);
}

// ---------------------------------------------------------------------------------------
// Sessions

#[test]
fn session_variables_are_wiped_between_sessions() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    press(&mut t, "add", 2);
    press(&mut t, "go", 3);
    press(&mut t, "back", 4);
    t.dispatch(
        Event::Device(
            DeviceEvent::new(DeviceClass::CardReader, "card_inserted")
                .with("pan", Value::Secret(Secret::new("4000123412341234")))
                .with("masked_pan", Value::text("****1234")),
        ),
        at(5),
    );
    assert_eq!(line0(&t), menu_line(2, 2, "went", "****1234"));
    press(&mut t, "quit", 6);
    assert_eq!(t.outcomes(), ["finished"]);
    assert_eq!(screen(&t), "main/menu");
    assert_eq!(line0(&t), menu_line(0, 0, "", ""));
    // The card number of the last session is gone too: the host gets an empty one.
    withdraw(&mut t, "1234", 7);
    let pan = t.host.exposed.iter().find(|(n, _)| n == "pan").unwrap();
    assert_eq!(pan.1, "");
}

#[test]
fn a_pin_input_shows_dots_and_the_journal_records_only_a_key_count() {
    let mut t = terminal();
    press(&mut t, "pin", 1);
    type_keys(&mut t, "24", 2);
    type_keys(&mut t, "6", 3);
    type_keys(&mut t, "8", 4);
    let input = &view(&t).inputs[0];
    assert_eq!(input.kind, InputKind::Pin);
    assert_eq!(input.shown, "••••");
    assert!(input.focused);
    let enter = view(&t).buttons.iter().find(|b| b.id == "enter").unwrap();
    assert!(enter.enabled, "four digits enable enter");

    let lines = journal(&t);
    let masked: Vec<u64> = records(&lines, "masked_keys")
        .iter()
        .map(|l| l["count"].as_u64().unwrap())
        .collect();
    assert_eq!(masked, [2, 1, 1]);
    assert!(
        records(&lines, "event")
            .iter()
            .all(|l| l["event"]["kind"] != "type"),
        "keys typed into a PIN are never journaled as text"
    );
    for raw in t.journal().lines() {
        assert!(!raw.contains("2468"), "the PIN leaked: {raw}");
    }

    press(&mut t, "enter", 5);
    assert_eq!(screen(&t), "main/booked");
    assert!(
        t.host.exposed.contains(&("pin".into(), "2468".into())),
        "the host gets the PIN"
    );
    for raw in t.journal().lines() {
        assert!(!raw.contains("2468"), "the PIN leaked: {raw}");
    }
}

#[test]
fn a_secret_value_never_appears_in_the_journal() {
    let pan = "4000123412341234";
    let mut t = terminal();
    t.dispatch(
        Event::Device(
            DeviceEvent::new(DeviceClass::CardReader, "card_inserted")
                .with("pan", Value::Secret(Secret::new(pan)))
                .with("masked_pan", Value::text("****1234")),
        ),
        at(1),
    );
    withdraw(&mut t, "9753", 2);
    assert_eq!(screen(&t), "main/booked");
    assert!(t.host.exposed.contains(&("pan".into(), pan.into())));
    let lines = t.journal().lines();
    assert!(
        lines.iter().any(|l| l.contains("card_inserted")),
        "the event itself is journaled"
    );
    assert!(lines.iter().any(|l| l.contains("***")));
    for raw in lines {
        assert!(!raw.contains(pan), "the card number leaked: {raw}");
        assert!(!raw.contains("9753"), "the PIN leaked: {raw}");
    }
}

#[test]
fn a_loop_of_immediate_steps_ends_the_session() {
    in_child_process(
        "a_loop_of_immediate_steps_ends_the_session",
        loop_after_an_event,
    );
}

fn loop_after_an_event() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    press(&mut t, "loop", 2);
    assert_eq!(t.outcomes(), ["loop"]);
    assert_eq!(screen(&t), "main/menu", "the next session starts");
    assert_eq!(line0(&t), menu_line(0, 0, "", ""));
    let lines = journal(&t);
    assert!(
        records(&lines, "session_end")
            .iter()
            .any(|l| l["outcome"] == "loop")
    );
}

#[test]
fn a_session_whose_entry_loops_ends_instead_of_hanging() {
    in_child_process(
        "a_session_whose_entry_loops_ends_instead_of_hanging",
        session_entry_loop,
    );
}

fn session_entry_loop() {
    let p = program_with(&[("main.yaml", LOOPING_MAIN)]);
    let mut s = Session::new(
        p,
        SessionConfig {
            terminal_id: "T1".into(),
            session_id: "S1".into(),
        },
    );
    let effects = s.start(t0());
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SessionEnded { outcome } if outcome == "loop")),
        "{effects:?}"
    );
    assert_eq!(s.ended(), Some("loop"));
}

#[test]
fn a_terminal_whose_entry_loops_goes_out_of_service_instead_of_hanging() {
    in_child_process(
        "a_terminal_whose_entry_loops_goes_out_of_service_instead_of_hanging",
        terminal_entry_loop,
    );
}

fn terminal_entry_loop() {
    let t = terminal_for(program_with(&[("main.yaml", LOOPING_MAIN)]));
    assert_eq!(t.outcomes(), ["loop"]);
    assert!(t.out_of_service().is_some());
}

// ---------------------------------------------------------------------------------------
// New flows and the journal

fn program_b() -> Arc<Program> {
    let main = main_with("menu.title: {en: \"Menu\"", "menu.title: {en: \"Menu B\"");
    program_with(&[("main.yaml", &main)])
}

#[test]
fn replace_program_takes_effect_at_once_before_any_event() {
    let a = program();
    let b = program_b();
    assert_ne!(a.hash, b.hash);
    let mut t = terminal_for(a.clone());
    assert_eq!(view(&t).title, "Menu");
    t.replace_program(b.clone(), at(1));
    assert_eq!(view(&t).title, "Menu B");
    assert_eq!(t.program().hash, b.hash);
    let lines = journal(&t);
    let starts = records(&lines, "session_start");
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[1]["flows_hash"], Json::String(b.hash.clone()));
}

#[test]
fn replace_program_waits_for_the_next_session_once_an_event_was_handled() {
    let a = program();
    let b = program_b();
    let mut t = terminal_for(a.clone());
    press(&mut t, "add", 1);
    t.replace_program(b.clone(), at(2));
    assert_eq!(view(&t).title, "Menu", "not during a session");
    assert_eq!(line0(&t), menu_line(1, 1, "", ""), "the session goes on");
    assert_eq!(t.program().hash, a.hash);
    press(&mut t, "add", 3);
    assert_eq!(line0(&t), menu_line(2, 2, "", ""));
    assert_eq!(view(&t).title, "Menu");

    press(&mut t, "quit", 4);
    assert_eq!(t.outcomes(), ["finished"]);
    assert_eq!(
        view(&t).title,
        "Menu B",
        "the next session runs the new flows"
    );
    assert_eq!(t.program().hash, b.hash);
    let lines = journal(&t);
    let starts = records(&lines, "session_start");
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[0]["flows_hash"], Json::String(a.hash.clone()));
    assert_eq!(starts[1]["flows_hash"], Json::String(b.hash.clone()));
}

#[test]
fn the_journal_starts_each_session_with_the_program_hash() {
    let p = program();
    let mut t = terminal_for(p.clone());
    let lines = journal(&t);
    let first = &lines[0];
    assert_eq!(first["record"], "session_start");
    assert_eq!(first["flows_hash"], Json::String(p.hash.clone()));
    assert_eq!(first["version"], JOURNAL_VERSION);
    assert_eq!(first["terminal"], "T1");
    assert_eq!(first["seq"], 1);
    let session = first["session"].as_str().unwrap().to_string();
    assert!(session.starts_with("T1-"), "{session}");
    // The screen shown first follows, in the same session.
    assert_eq!(lines[1]["record"], "effect");
    assert_eq!(lines[1]["effect"]["kind"], "show");
    assert_eq!(lines[1]["effect"]["id"], "main/menu");
    assert_eq!(lines[1]["session"], Json::String(session.clone()));

    press(&mut t, "quit", 5);
    let lines = journal(&t);
    let ends = records(&lines, "session_end");
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0]["outcome"], "finished");
    assert_eq!(ends[0]["session"], Json::String(session.clone()));
    let starts = records(&lines, "session_start");
    assert_eq!(starts.len(), 2);
    assert_ne!(starts[1]["session"], Json::String(session));
    assert_eq!(starts[1]["flows_hash"], Json::String(p.hash.clone()));
    // Sequence numbers increase by one.
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["seq"], (i + 1) as u64);
    }
}

// ---------------------------------------------------------------------------------------
// Views for tools: another language, and screens no session has reached

#[test]
fn a_screen_is_rendered_in_another_language_without_switching() {
    let mut t = terminal();
    press(&mut t, "add", 1);
    let sq = t.view_in("sq").expect("the menu in Albanian");
    assert_eq!(sq.id, "main/menu");
    assert_eq!(sq.language, "sq");
    assert_eq!(sq.title, "Menuja");
    // The moment is the same: the count pressed once, in the other language's text.
    assert_eq!(sq.lines.first().map(String::as_str), Some("Numri 1"));
    // The session did not switch: its own view and its language are still English.
    assert_eq!(t.session().language(), "en");
    assert_eq!(t.view_in("en").map(|v| v.title), Some("Menu".to_string()));
    press(&mut t, "go", 2);
    assert_eq!(view(&t).title, "Second", "the session goes on in English");
}

#[test]
fn a_screen_no_session_reached_is_previewed_with_empty_values() {
    let p = program();
    let v = Session::preview(p.clone(), "main", "no_funds", "sq", t0()).expect("a preview");
    assert_eq!(v.id, "main/no_funds");
    assert_eq!(v.language, "sq");
    assert_eq!(v.title, "Pa fonde");
    // `reason` is a text variable: empty before anything set it.
    assert_eq!(v.lines.first().map(String::as_str), Some("Pse: "));
    assert!(v.buttons.iter().any(|b| b.id == "ok"));
    let en = Session::preview(p.clone(), "main", "menu", "en", t0()).expect("a preview");
    assert_eq!(en.lines.first(), Some(&menu_line(0, 0, "", "")));
    assert!(Session::preview(p.clone(), "main", "nowhere", "en", t0()).is_none());
    assert!(Session::preview(p, "no_such_flow", "menu", "en", t0()).is_none());
}
