//! The terminal: runs sessions one after another, connecting the interpreter's effects to
//! the devices and the host, and journaling everything that crosses a port.
//!
//! Time is passed in by the caller (an injected clock), so the same inputs give the same
//! journal. New flows are taken between sessions only, never during one.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::interp::{Effect, Event, HostReply, Session, SessionConfig};
use crate::journal::{JOURNAL_VERSION, Journal, Record};
use crate::ports::{DeviceBus, DeviceClass, DeviceCommand, Host, ScreenView};
use crate::program::Program;

/// Device commands after which there is no going back; the journal is flushed first.
pub fn is_irreversible(cmd: &DeviceCommand) -> bool {
    matches!(
        (cmd.device, cmd.command.as_str()),
        (DeviceClass::CashDispenser, "dispense")
            | (DeviceClass::CashAcceptor, "store")
            | (DeviceClass::CardReader, "retain")
    )
}

pub struct Terminal<H: Host, D: DeviceBus> {
    program: Arc<Program>,
    pending: Option<Arc<Program>>,
    pub host: H,
    pub devices: D,
    journal: Journal,
    session: Session,
    session_id: String,
    /// Whether the current session has received any event yet.
    session_touched: bool,
    sessions_started: u64,
    terminal_id: String,
    view: Option<ScreenView>,
    outcomes: Vec<String>,
    journal_error: Option<String>,
    out_of_service: Option<String>,
    /// Events of any kind (timeouts too) the current session has handled.
    events_in_session: u64,
}

impl<H: Host, D: DeviceBus> Terminal<H, D> {
    pub fn new(
        program: Arc<Program>,
        host: H,
        devices: D,
        journal: Journal,
        terminal_id: &str,
        now: NaiveDateTime,
    ) -> Terminal<H, D> {
        let session_id = format!("{terminal_id}-{}-000001", now.format("%Y%m%d%H%M%S"));
        let session = Session::new(
            program.clone(),
            SessionConfig {
                terminal_id: terminal_id.to_string(),
                session_id: session_id.clone(),
            },
        );
        let mut t = Terminal {
            program,
            pending: None,
            host,
            devices,
            journal,
            session,
            session_id,
            session_touched: false,
            sessions_started: 0,
            terminal_id: terminal_id.to_string(),
            view: None,
            outcomes: Vec::new(),
            journal_error: None,
            out_of_service: None,
            events_in_session: 0,
        };
        t.begin_session(now);
        t
    }

    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The screen shown now.
    pub fn view(&self) -> Option<&ScreenView> {
        self.view.as_ref()
    }

    /// When the current screen times out.
    pub fn deadline(&self) -> Option<NaiveDateTime> {
        self.session.deadline()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The current screen in another language, the session left as it was (see
    /// [`Session::view_in`]).
    pub fn view_in(&mut self, language: &str) -> Option<ScreenView> {
        self.session.view_in(language)
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// How each finished session ended, in order.
    pub fn outcomes(&self) -> &[String] {
        &self.outcomes
    }

    /// The last journal write failure, if any: the terminal must then go out of service.
    pub fn journal_error(&self) -> Option<&str> {
        self.journal_error.as_deref()
    }

    /// Why the terminal stopped serving customers, if it did.
    pub fn out_of_service(&self) -> Option<&str> {
        self.out_of_service.as_deref()
    }

    /// Takes new flows: at once if no customer has done anything in this session yet,
    /// otherwise when the session ends.
    pub fn replace_program(&mut self, program: Arc<Program>, now: NaiveDateTime) {
        if self.session_touched {
            self.pending = Some(program);
        } else {
            self.program = program;
            self.begin_session(now);
        }
    }

    fn journal_write(&mut self, now: NaiveDateTime, record: &Record) {
        if let Err(e) = self.journal.write(now, &self.session_id, record) {
            self.journal_error = Some(e.to_string());
        }
    }

    fn begin_session(&mut self, now: NaiveDateTime) {
        self.sessions_started += 1;
        self.session_id = format!(
            "{}-{}-{:06}",
            self.terminal_id,
            now.format("%Y%m%d%H%M%S"),
            self.sessions_started
        );
        if let Some(p) = self.pending.take() {
            self.program = p;
        }
        self.session = Session::new(
            self.program.clone(),
            SessionConfig {
                terminal_id: self.terminal_id.clone(),
                session_id: self.session_id.clone(),
            },
        );
        self.session_touched = false;
        self.events_in_session = 0;
        let hash = self.program.hash.clone();
        let terminal = self.terminal_id.clone();
        self.journal_write(
            now,
            &Record::SessionStart {
                terminal: &terminal,
                flows_hash: &hash,
                version: JOURNAL_VERSION,
            },
        );
        let effects = self.session.start(now);
        let mut queue = VecDeque::new();
        self.apply(effects, now, &mut queue);
        self.drain(queue, now);
    }

    /// Feeds one event (and everything it causes) through the session.
    pub fn dispatch(&mut self, event: Event, now: NaiveDateTime) {
        if self.out_of_service.is_some() {
            return;
        }
        let mut queue = VecDeque::new();
        queue.push_back(event);
        self.drain(queue, now);
    }

    /// Fires the screen timeout if its deadline has passed.
    pub fn tick(&mut self, now: NaiveDateTime) {
        if self.session.deadline().is_some_and(|d| now >= d) {
            self.dispatch(Event::Timeout, now);
        }
    }

    fn drain(&mut self, mut queue: VecDeque<Event>, now: NaiveDateTime) {
        while let Some(event) = queue.pop_front() {
            self.events_in_session += 1;
            // A customer or a device touches the session; the clock and the host's answers
            // to the idle screen's own polling do not, so staff edits still reach an idle
            // terminal.
            if !matches!(event, Event::Timeout | Event::HostReply { .. }) {
                self.session_touched = true;
            }
            match &event {
                Event::Type { text } if self.session.focused_input_is_secret() => {
                    let count = text.chars().count();
                    self.journal_write(now, &Record::MaskedKeys { count });
                }
                _ => self.journal_write(now, &Record::Event { event: &event }),
            }
            let effects = self.session.handle(&event, now);
            self.apply(effects, now, &mut queue);
        }
    }

    fn apply(&mut self, effects: Vec<Effect>, now: NaiveDateTime, queue: &mut VecDeque<Event>) {
        for effect in effects {
            self.journal_write(now, &Record::Effect { effect: &effect });
            match effect {
                Effect::Show(view) => self.view = Some(view),
                Effect::Device(cmd) => {
                    if is_irreversible(&cmd)
                        && let Err(e) = self.journal.flush_durable()
                    {
                        self.journal_error = Some(e.to_string());
                    }
                    for ev in self.devices.execute(&cmd) {
                        queue.push_back(Event::Device(ev));
                    }
                }
                Effect::Host(req) => {
                    let moves_money = self
                        .program
                        .host_ops
                        .get(&req.op)
                        .is_some_and(|op| op.moves_money);
                    if moves_money && let Err(e) = self.journal.flush_durable() {
                        self.journal_error = Some(e.to_string());
                    }
                    let reply: HostReply = self.host.call(&req, now).into();
                    queue.push_back(Event::HostReply { reply });
                }
                Effect::Error { .. } => {}
                Effect::SessionEnded { outcome } => {
                    self.journal_write(now, &Record::SessionEnd { outcome: &outcome });
                    self.outcomes.push(outcome);
                    queue.clear();
                    self.view = None;
                    if self.events_in_session > 0 {
                        self.begin_session(now);
                    } else {
                        // A session that ends before any customer event would end again at
                        // once, forever: the flows are unusable, so stop instead.
                        self.out_of_service =
                            Some("the entry flow ended without waiting for a customer".into());
                    }
                    return;
                }
            }
        }
    }
}
