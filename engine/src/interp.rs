//! The interpreter: one customer session running a [`Program`].
//!
//! A [`Session`] is a deterministic state machine. It is fed [`Event`]s with the time they
//! happened and answers with [`Effect`]s; it never touches a device, the bank or the wall
//! clock itself. The same events at the same times give the same effects, which is what
//! the journal, the scenario runner and replay rely on.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::expr::{EvalContext, ValueEnv};
use crate::ports::{
    ButtonView, DeviceCommand, DeviceEvent, HostError, HostRequest, InputView, ScreenView,
    TableView,
};
use crate::program::*;
use crate::value::{Currency, Money, Secret, Type, Value};

/// Something that happened: the customer, a device, the host or the clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A screen button (or a choice: `preset.2`).
    Button {
        id: String,
    },
    /// Keys typed into the focused input (keypad digits, or letters on the virtual keyboard).
    Type {
        text: String,
    },
    /// Delete the last character of the focused input.
    Backspace,
    /// Empty the focused input.
    Clear,
    /// Move the focus to another input.
    Focus {
        input: String,
    },
    Language {
        code: String,
    },
    Device(DeviceEvent),
    HostReply {
        #[serde(flatten)]
        reply: HostReply,
    },
    Timeout,
    /// An event from outside the devices, declared under `signals:` in the catalogue.
    Signal {
        name: String,
        data: BTreeMap<String, Value>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum HostReply {
    Ok { result: Value },
    Refused { code: String, message: String },
    Unavailable { message: String },
}

impl From<Result<Value, HostError>> for HostReply {
    fn from(r: Result<Value, HostError>) -> HostReply {
        match r {
            Ok(result) => HostReply::Ok { result },
            Err(HostError::Refused { code, message }) => HostReply::Refused { code, message },
            Err(HostError::Unavailable(message)) => HostReply::Unavailable { message },
        }
    }
}

/// What the session asks of the world.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    Show(ScreenView),
    Device(DeviceCommand),
    Host(HostRequest),
    /// A well-typed expression failed at run time (e.g. division by zero); the session
    /// went to the fault handler.
    Error {
        message: String,
        flow: String,
        step: String,
    },
    SessionEnded {
        outcome: String,
    },
}

/// Settings of the terminal a session runs on.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    pub terminal_id: String,
    pub session_id: String,
}

#[derive(Debug, Clone)]
enum FrameKind {
    Normal,
    /// A session handler interrupted the frame below; `resume` re-enters its step.
    Handler,
}

#[derive(Debug, Clone)]
struct Frame {
    flow: Arc<Flow>,
    step: String,
    vars: BTreeMap<String, Value>,
    kind: FrameKind,
}

#[derive(Debug, Clone, Default)]
struct ScreenState {
    buffers: BTreeMap<String, String>,
    focus: Option<String>,
    choice_items: Vec<Value>,
}

/// One customer session.
pub struct Session {
    program: Arc<Program>,
    config: SessionConfig,
    stack: Vec<Frame>,
    session_vars: BTreeMap<String, Value>,
    language: String,
    screen: Option<ScreenState>,
    deadline: Option<NaiveDateTime>,
    now: NaiveDateTime,
    request_seq: u64,
    ended: Option<String>,
    /// Guards against flows that loop through immediate steps forever.
    immediate_budget: u32,
    /// The step to enter next, if any.
    next: Option<String>,
}

const MAX_IMMEDIATE_STEPS: u32 = 10_000;

struct Roots<'a> {
    frame_vars: &'a BTreeMap<String, Value>,
    params: &'a Value,
    session: &'a BTreeMap<String, Value>,
    extra: Vec<(&'static str, Value)>,
}

impl ValueEnv for Roots<'_> {
    fn value_of(&self, name: &str) -> Option<Value> {
        if let Some((_, v)) = self.extra.iter().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        match name {
            "params" => Some(self.params.clone()),
            "session" => Some(Value::Record(self.session.clone())),
            _ => self.frame_vars.get(name).cloned(),
        }
    }
}

impl Session {
    pub fn new(program: Arc<Program>, config: SessionConfig) -> Session {
        let session_vars = program
            .session_vars
            .iter()
            .map(|(k, t)| (k.clone(), t.default_value()))
            .collect();
        let language = program.languages.first().cloned().unwrap_or_default();
        Session {
            program,
            config,
            stack: Vec::new(),
            session_vars,
            language,
            screen: None,
            deadline: None,
            now: NaiveDateTime::default(),
            request_seq: 0,
            ended: None,
            immediate_budget: MAX_IMMEDIATE_STEPS,
            next: None,
        }
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// When the current screen times out, if it has a timeout.
    pub fn deadline(&self) -> Option<NaiveDateTime> {
        self.deadline
    }

    pub fn ended(&self) -> Option<&str> {
        self.ended.as_deref()
    }

    /// `flow/step` where the session waits.
    pub fn position(&self) -> Option<(String, String)> {
        self.stack
            .last()
            .map(|f| (f.flow.id.clone(), f.step.clone()))
    }

    /// A variable of the flow where the session waits (read-only, for tools and tests).
    pub fn var(&self, name: &str) -> Option<&Value> {
        self.stack.last()?.vars.get(name)
    }

    /// A session variable (`session.NAME`), read-only, for tools and tests.
    pub fn session_var(&self, name: &str) -> Option<&Value> {
        self.session_vars.get(name)
    }

    /// Starts the entry flow.
    pub fn start(&mut self, now: NaiveDateTime) -> Vec<Effect> {
        self.now = now;
        let mut out = Vec::new();
        let entry = self.program.entry.clone();
        self.push_flow(&entry, BTreeMap::new(), FrameKind::Normal, &mut out);
        self.run(&mut out);
        out
    }

    /// Feeds one event; returns what the world must do.
    pub fn handle(&mut self, event: &Event, now: NaiveDateTime) -> Vec<Effect> {
        self.now = now;
        self.immediate_budget = MAX_IMMEDIATE_STEPS;
        let mut out = Vec::new();
        if self.ended.is_some() {
            return out;
        }
        self.dispatch(event, &mut out);
        self.run(&mut out);
        out
    }

    fn ctx(&self) -> EvalContext {
        EvalContext {
            today: self.now.date(),
        }
    }

    fn frame(&self) -> Option<&Frame> {
        self.stack.last()
    }

    fn current_step(&self) -> Option<(Arc<Flow>, Arc<Step>)> {
        let f = self.frame()?;
        let step = f.flow.steps.get(&f.step)?.clone();
        Some((f.flow.clone(), step))
    }

    fn roots(&self, extra: Vec<(&'static str, Value)>) -> Roots<'_> {
        static EMPTY: BTreeMap<String, Value> = BTreeMap::new();
        Roots {
            frame_vars: self.frame().map(|f| &f.vars).unwrap_or(&EMPTY),
            params: &self.program.params,
            session: &self.session_vars,
            extra,
        }
    }

    fn fail(&mut self, message: String, out: &mut Vec<Effect>) {
        let (flow, step) = self.position().unwrap_or_default();
        out.push(Effect::Error {
            message,
            flow,
            step,
        });
        self.run_handler("fault", out);
    }

    fn eval(
        &mut self,
        cx: &Cx,
        extra: Vec<(&'static str, Value)>,
        out: &mut Vec<Effect>,
    ) -> Option<Value> {
        let ctx = self.ctx();
        match cx.expr.eval(&self.roots(extra), &ctx) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(
                    format!("{} ({}): {}", cx.expr.source(), cx.loc, e.message),
                    out,
                );
                None
            }
        }
    }

    fn assign(
        &mut self,
        assigns: &[Assign],
        extra: &[(&'static str, Value)],
        out: &mut Vec<Effect>,
    ) -> bool {
        for a in assigns {
            let Some(v) = self.eval(&a.value, extra.to_vec(), out) else {
                return false;
            };
            self.store(&a.target, v);
        }
        true
    }

    fn store(&mut self, target: &Target, v: Value) {
        match target {
            Target::Session(name) => {
                self.session_vars.insert(name.clone(), v);
            }
            Target::Var(name) => {
                if let Some(f) = self.stack.last_mut() {
                    f.vars.insert(name.clone(), v);
                }
            }
        }
    }

    fn push_flow(
        &mut self,
        id: &str,
        args: BTreeMap<String, Value>,
        kind: FrameKind,
        out: &mut Vec<Effect>,
    ) {
        let Some(flow) = self.program.flows.get(id).cloned() else {
            self.fail(format!("there is no flow `{id}`"), out);
            return;
        };
        let mut vars: BTreeMap<String, Value> = flow
            .vars
            .iter()
            .map(|(k, t)| (k.clone(), t.default_value()))
            .collect();
        vars.extend(args);
        let start = flow.start.clone();
        self.stack.push(Frame {
            flow,
            step: start.clone(),
            vars,
            kind,
        });
        self.enter(&start);
    }

    /// Enters a step of the current flow and runs until the session waits for an event.
    /// Goes to a step of the current flow. The step is entered by [`Session::run`], in a
    /// loop rather than by recursion, so a long chain of immediate steps cannot overflow
    /// the stack.
    fn enter(&mut self, name: &str) {
        self.next = Some(name.to_string());
    }

    /// Enters pending steps until the session waits for an event or ends.
    fn run(&mut self, out: &mut Vec<Effect>) {
        while let Some(name) = self.next.take() {
            if self.ended.is_some() {
                return;
            }
            if self.immediate_budget == 0 {
                self.stack.clear();
                self.ended = Some("loop".into());
                out.push(Effect::Error {
                    message:
                        "the flows went through too many steps without waiting for the customer"
                            .into(),
                    flow: self.position().map(|p| p.0).unwrap_or_default(),
                    step: name,
                });
                out.push(Effect::SessionEnded {
                    outcome: "loop".into(),
                });
                return;
            }
            self.immediate_budget -= 1;
            self.enter_now(&name, out);
        }
    }

    /// Enters one step: its assignments, then what its kind does.
    fn enter_now(&mut self, name: &str, out: &mut Vec<Effect>) {
        self.screen = None;
        self.deadline = None;
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        frame.step = name.to_string();
        let Some((flow, step)) = self.current_step() else {
            self.fail(format!("there is no step `{name}`"), out);
            return;
        };
        if !self.assign(&step.set, &[], out) {
            return;
        }
        match &step.kind {
            StepKind::Screen(s) => {
                let Some(screen) = flow.screens.get(s) else {
                    return;
                };
                let focus = screen.inputs.first().map(|i| i.id.clone());
                let mut state = ScreenState {
                    focus,
                    ..ScreenState::default()
                };
                if let Some(c) = &screen.choices {
                    let Some(items) = self.eval(&c.items, vec![], out) else {
                        return;
                    };
                    state.choice_items = items.as_list().map(<[Value]>::to_vec).unwrap_or_default();
                }
                self.screen = Some(state);
                if let Some(t) = &screen.timeout
                    && !self.arm_timeout(t, out)
                {
                    return;
                }
                self.show(out);
            }
            StepKind::Wait { timeout } => {
                if let Some(t) = timeout {
                    self.arm_timeout(t, out);
                }
            }
            StepKind::Host { op, args, .. } => {
                let Some(args) = self.eval_args(args, out) else {
                    return;
                };
                self.request_seq += 1;
                out.push(Effect::Host(HostRequest {
                    op: op.clone(),
                    args,
                    idempotency_key: format!("{}-{}", self.config.session_id, self.request_seq),
                    terminal_id: self.config.terminal_id.clone(),
                }));
            }
            StepKind::Device {
                device,
                command,
                args,
            } => {
                let Some(args) = self.eval_args(args, out) else {
                    return;
                };
                out.push(Effect::Device(DeviceCommand {
                    device: *device,
                    command: command.clone(),
                    args,
                }));
            }
            StepKind::Call {
                flow: callee, args, ..
            } => {
                let Some(args) = self.eval_args(args, out) else {
                    return;
                };
                self.push_flow(callee, args, FrameKind::Normal, out);
            }
            StepKind::Decide(branches) => {
                if !self.take(branches, vec![], out) {
                    self.fail(format!("no branch of `{name}` applies"), out);
                }
            }
            StepKind::End(outcome) => self.end_flow(outcome, out),
        }
    }

    /// Sets the step's deadline from a timeout expression (seconds). False if it failed.
    fn arm_timeout(&mut self, t: &Cx, out: &mut Vec<Effect>) -> bool {
        let Some(secs) = self.eval(t, vec![], out) else {
            return false;
        };
        let secs = secs
            .as_number()
            .and_then(|d| d.trunc().to_i64())
            .unwrap_or(0);
        if secs > 0 {
            self.deadline = Some(self.now + Duration::seconds(secs));
        }
        true
    }

    fn eval_args(
        &mut self,
        args: &[(String, Cx)],
        out: &mut Vec<Effect>,
    ) -> Option<BTreeMap<String, Value>> {
        let mut values = BTreeMap::new();
        for (name, cx) in args {
            let v = self.eval(cx, vec![], out)?;
            values.insert(name.clone(), v);
        }
        Some(values)
    }

    /// Takes the first branch whose guard holds. Returns whether one did.
    fn take(
        &mut self,
        branches: &[Branch],
        extra: Vec<(&'static str, Value)>,
        out: &mut Vec<Effect>,
    ) -> bool {
        for b in branches {
            if let Some(g) = &b.guard {
                match self.eval(g, extra.clone(), out) {
                    Some(Value::Bool(true)) => {}
                    Some(_) => continue,
                    None => return true,
                }
            }
            if !self.assign(&b.set, &extra, out) {
                return true;
            }
            let target = b.goto.clone();
            self.enter(&target);
            return true;
        }
        false
    }

    fn end_flow(&mut self, outcome: &str, out: &mut Vec<Effect>) {
        let Some(done) = self.stack.pop() else {
            return;
        };
        if self.stack.is_empty() {
            self.ended = Some(outcome.to_string());
            out.push(Effect::SessionEnded {
                outcome: outcome.to_string(),
            });
            return;
        }
        let outputs = Value::Record(
            done.flow
                .outputs
                .iter()
                .filter_map(|o| done.vars.get(o).map(|v| (o.clone(), v.clone())))
                .collect(),
        );
        match done.kind {
            FrameKind::Handler => {
                if outcome == "resume" {
                    if let Some(step) = self.frame().map(|f| f.step.clone()) {
                        self.enter(&step);
                    }
                } else {
                    // The handler has taken the session to a safe end: nothing below resumes.
                    self.stack.clear();
                    self.ended = Some(outcome.to_string());
                    out.push(Effect::SessionEnded {
                        outcome: outcome.to_string(),
                    });
                }
            }
            FrameKind::Normal => {
                let Some((_, step)) = self.current_step() else {
                    return;
                };
                if let StepKind::Call {
                    result: Some(target),
                    ..
                } = &step.kind
                {
                    self.store(target, outputs.clone());
                }
                self.deliver(outcome, outputs, out);
            }
        }
    }

    /// Delivers a named event with its data to the current step. Returns whether a branch
    /// was taken.
    fn deliver(&mut self, name: &str, data: Value, out: &mut Vec<Effect>) -> bool {
        let Some((_, step)) = self.current_step() else {
            return false;
        };
        let Some(branches) = step.on.get(name) else {
            return false;
        };
        let mut extra = vec![("event", data)];
        if let Some(input) = self.input_values() {
            extra.push(("input", input));
        }
        self.take(branches, extra, out)
    }

    /// Calls the session handler for an event the step left unhandled.
    fn run_handler(&mut self, which: &str, out: &mut Vec<Effect>) {
        let handler = match which {
            "timeout" => self.program.handlers.timeout.clone(),
            "eject" => self.program.handlers.eject.clone(),
            "fault" => self.program.handlers.fault.clone(),
            _ => self.program.handlers.unavailable.clone(),
        };
        let in_handler = self
            .stack
            .iter()
            .any(|f| matches!(f.kind, FrameKind::Handler) && Some(&f.flow.id) == handler.as_ref());
        match handler {
            Some(h) if !in_handler => {
                self.screen = None;
                self.deadline = None;
                self.push_flow(&h, BTreeMap::new(), FrameKind::Handler, out);
            }
            _ => {
                // No handler (or it failed itself): end the session where it stands.
                self.stack.clear();
                self.ended = Some(which.to_string());
                out.push(Effect::SessionEnded {
                    outcome: which.to_string(),
                });
            }
        }
    }

    fn dispatch(&mut self, event: &Event, out: &mut Vec<Effect>) {
        let Some((flow, step)) = self.current_step() else {
            return;
        };
        match (&step.kind, event) {
            (StepKind::Screen(s), _) => {
                let Some(screen) = flow.screens.get(s).cloned() else {
                    return;
                };
                self.screen_event(&screen, &step, event, out);
            }
            (StepKind::Host { result, .. }, Event::HostReply { reply }) => match reply {
                HostReply::Ok { result: v } => {
                    if let Some(target) = result {
                        self.store(target, v.clone());
                    }
                    self.deliver("ok", v.clone(), out);
                }
                HostReply::Refused { code, message } => {
                    let data = Value::record([
                        ("code", Value::text(code.clone())),
                        ("message", Value::text(message.clone())),
                    ]);
                    if !self.deliver(code, data, out) {
                        self.run_handler("unavailable", out);
                    }
                }
                HostReply::Unavailable { message } => {
                    let data = Value::record([
                        ("code", Value::text("unavailable")),
                        ("message", Value::text(message.clone())),
                    ]);
                    if !self.deliver("unavailable", data, out) {
                        self.run_handler("unavailable", out);
                    }
                }
            },
            (StepKind::Device { device, .. }, Event::Device(ev)) => {
                if ev.device != *device && ev.event != "fault" {
                    return;
                }
                let data = Value::Record(ev.data.clone());
                if !self.deliver(&ev.event, data, out) && ev.event == "fault" {
                    self.run_handler("fault", out);
                }
            }
            (StepKind::Device { .. }, Event::Button { id })
                if id == "eject" && !self.deliver("eject", Value::Record(BTreeMap::new()), out) =>
            {
                self.run_handler("eject", out);
            }
            (StepKind::Wait { .. }, Event::Button { id })
                if id == "eject" && !self.deliver("eject", Value::Record(BTreeMap::new()), out) =>
            {
                self.run_handler("eject", out);
            }
            (StepKind::Wait { .. }, Event::Signal { name, data }) => {
                self.deliver(name, Value::Record(data.clone()), out);
            }
            (StepKind::Wait { .. }, Event::Device(ev)) => {
                let data = Value::Record(ev.data.clone());
                if !self.deliver(&ev.event, data, out) && ev.event == "fault" {
                    self.run_handler("fault", out);
                }
            }
            (StepKind::Wait { .. }, Event::Timeout) => self.fire_timeout(out),
            _ => {}
        }
    }

    /// The step's deadline has passed: its `timeout` branch, or the session handler.
    fn fire_timeout(&mut self, out: &mut Vec<Effect>) {
        if self.deadline.is_some_and(|d| self.now >= d) {
            self.deadline = None;
            if !self.deliver("timeout", Value::Record(BTreeMap::new()), out) {
                self.run_handler("timeout", out);
            }
        }
    }

    fn screen_event(&mut self, screen: &Screen, step: &Step, event: &Event, out: &mut Vec<Effect>) {
        match event {
            Event::Type { text } => {
                self.type_text(screen, text);
                self.show(out);
            }
            Event::Backspace | Event::Clear => {
                if let Some(state) = &mut self.screen
                    && let Some(focus) = state.focus.clone()
                {
                    let buf = state.buffers.entry(focus).or_default();
                    if matches!(event, Event::Clear) {
                        buf.clear();
                    } else {
                        buf.pop();
                    }
                }
                self.show(out);
            }
            Event::Focus { input } => {
                if screen.inputs.iter().any(|i| &i.id == input)
                    && let Some(state) = &mut self.screen
                {
                    state.focus = Some(input.clone());
                }
                self.show(out);
            }
            Event::Language { code } => {
                if !self.deliver(
                    "language",
                    Value::record([("code", Value::text(code.clone()))]),
                    out,
                ) && self.program.languages.contains(code)
                {
                    self.language = code.clone();
                    self.show(out);
                }
            }
            Event::Timeout => self.fire_timeout(out),
            Event::Button { id } => self.press(screen, step, id, out),
            Event::Device(ev) => {
                let data = Value::Record(ev.data.clone());
                if !self.deliver(&ev.event, data, out) && ev.event == "fault" {
                    self.run_handler("fault", out);
                }
            }
            Event::Signal { name, data } => {
                self.deliver(name, Value::Record(data.clone()), out);
            }
            Event::HostReply { .. } => {}
        }
    }

    fn press(&mut self, screen: &Screen, step: &Step, id: &str, out: &mut Vec<Effect>) {
        if let Some(code) = id.strip_prefix("lang.") {
            self.screen_event(
                screen,
                step,
                &Event::Language {
                    code: code.to_string(),
                },
                out,
            );
            return;
        }
        // A choice: `preset.2`.
        if let Some(c) = &screen.choices
            && let Some(idx) = id
                .strip_prefix(&c.id)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|n| n.parse::<usize>().ok())
        {
            let Some(item) = self
                .screen
                .as_ref()
                .and_then(|s| s.choice_items.get(idx).cloned())
            else {
                return;
            };
            self.commit_inputs(screen);
            self.deliver(&c.id, Value::record([("item", item)]), out);
            return;
        }
        let Some(button) = screen.buttons.iter().find(|b| b.id == id) else {
            // The terminal's physical eject key works on every screen, with or without an
            // eject button on it.
            if id == "eject" && !self.deliver("eject", Value::Record(BTreeMap::new()), out) {
                self.run_handler("eject", out);
            }
            return;
        };
        let (visible, enabled, _) = self.button_state(button, out);
        if !visible || !enabled {
            // A disabled button does nothing; the screen already says why.
            self.show(out);
            return;
        }
        self.commit_inputs(screen);
        if !self.deliver(&button.id, Value::Record(BTreeMap::new()), out) && button.id == "eject" {
            self.run_handler("eject", out);
        }
    }

    fn type_text(&mut self, screen: &Screen, text: &str) {
        let Some(state) = &mut self.screen else {
            return;
        };
        let Some(focus) = state.focus.clone() else {
            return;
        };
        let Some(input) = screen.inputs.iter().find(|i| i.id == focus) else {
            return;
        };
        let max = input.max.unwrap_or(match input.kind {
            InputKind::Pin => 4,
            InputKind::Amount => 9,
            InputKind::Digits => 16,
            InputKind::Text => 64,
        }) as usize;
        let buf = state.buffers.entry(focus).or_default();
        for ch in text.chars() {
            let accepted = match input.kind {
                InputKind::Text => !ch.is_control(),
                _ => ch.is_ascii_digit(),
            };
            if accepted && buf.chars().count() < max {
                buf.push(ch);
            }
        }
    }

    fn input_value(&self, input: &Input, buffer: &str) -> Value {
        match input.kind {
            InputKind::Amount => {
                let amount = buffer.parse::<Decimal>().unwrap_or(Decimal::ZERO);
                let currency = input
                    .currency
                    .as_ref()
                    .and_then(|c| c.expr.eval(&self.roots(vec![]), &self.ctx()).ok())
                    .and_then(|v| v.as_text().and_then(Currency::new))
                    .unwrap_or_else(|| Currency("ALL".into()));
                Value::Money(Money::new(amount, currency))
            }
            InputKind::Pin => Value::Secret(Secret::new(buffer)),
            InputKind::Digits if input.secret => Value::Secret(Secret::new(buffer)),
            InputKind::Digits if buffer.is_empty() => Value::Text(String::new()),
            InputKind::Digits | InputKind::Text => {
                Value::Text(format!("{}{}", input.prefix, buffer))
            }
        }
    }

    fn input_values(&self) -> Option<Value> {
        let (flow, step) = self.current_step()?;
        let StepKind::Screen(s) = &step.kind else {
            return None;
        };
        let screen = flow.screens.get(s)?;
        let state = self.screen.as_ref()?;
        Some(Value::Record(
            screen
                .inputs
                .iter()
                .map(|i| {
                    let buf = state.buffers.get(&i.id).map(String::as_str).unwrap_or("");
                    (i.id.clone(), self.input_value(i, buf))
                })
                .collect(),
        ))
    }

    fn commit_inputs(&mut self, screen: &Screen) {
        let Some(state) = self.screen.clone() else {
            return;
        };
        for i in &screen.inputs {
            let buf = state.buffers.get(&i.id).map(String::as_str).unwrap_or("");
            let v = self.input_value(i, buf);
            self.store(&i.bind, v);
        }
    }

    fn extra_for_screen(&self) -> Vec<(&'static str, Value)> {
        self.input_values()
            .map(|v| vec![("input", v)])
            .unwrap_or_default()
    }

    /// (visible, enabled, reason key)
    fn button_state(&mut self, b: &Button, out: &mut Vec<Effect>) -> (bool, bool, Option<String>) {
        let extra = self.extra_for_screen();
        let visible = match &b.visible {
            Some(v) => matches!(self.eval(v, extra.clone(), out), Some(Value::Bool(true))),
            None => true,
        };
        let enabled = match &b.enabled {
            Some(e) => matches!(self.eval(e, extra, out), Some(Value::Bool(true))),
            None => true,
        };
        (
            visible,
            enabled,
            if enabled { None } else { b.reason.clone() },
        )
    }

    fn render_text(&self, flow: &Flow, key: &str, extra: Vec<(&'static str, Value)>) -> String {
        let Some(text) = flow.text(&self.program, key) else {
            return key.to_string();
        };
        let tx = text
            .by_language
            .get(&self.language)
            .or_else(|| text.by_language.values().next());
        match tx {
            Some(tx) => tx
                .template
                .render(&self.roots(extra), &self.ctx())
                .unwrap_or_else(|e| format!("[{}]", e.message)),
            None => key.to_string(),
        }
    }

    /// Renders the current screen in the session's language.
    pub fn view(&mut self) -> Option<ScreenView> {
        let mut sink = Vec::new();
        self.build_view(&mut sink)
    }

    /// Renders the current screen in another of the program's languages, as it would
    /// look after a language switch, without switching: the session is left as it was.
    /// For tools (the screen gallery) that show one moment of a session in every language.
    pub fn view_in(&mut self, language: &str) -> Option<ScreenView> {
        let saved = std::mem::replace(&mut self.language, language.to_string());
        let view = self.view();
        self.language = saved;
        view
    }

    /// A screen as it looks before anything is known: the flow's variables at their
    /// types' defaults (empty texts, zero amounts, empty lists), nothing typed. For tools
    /// that show screens no session has reached. `None` when the flow has no such screen
    /// or no step shows it.
    pub fn preview(
        program: Arc<Program>,
        flow_id: &str,
        screen: &str,
        language: &str,
        now: NaiveDateTime,
    ) -> Option<ScreenView> {
        let flow = program.flows.get(flow_id)?.clone();
        let shown = flow.screens.get(screen)?;
        let step = flow
            .steps
            .values()
            .find(|st| matches!(&st.kind, StepKind::Screen(s) if s == screen))?
            .name
            .clone();
        let focus = shown.inputs.first().map(|i| i.id.clone());
        let choices = shown.choices.as_ref().map(|c| c.items.clone());
        let vars = flow
            .vars
            .iter()
            .map(|(k, t)| (k.clone(), t.default_value()))
            .collect();
        let mut session = Session::new(
            program,
            SessionConfig {
                terminal_id: "preview".into(),
                session_id: "preview".into(),
            },
        );
        session.now = now;
        session.language = language.to_string();
        session.stack.push(Frame {
            flow,
            step,
            vars,
            kind: FrameKind::Normal,
        });
        let mut sink = Vec::new();
        let choice_items = choices
            .and_then(|items| session.eval(&items, vec![], &mut sink))
            .and_then(|v| v.as_list().map(<[Value]>::to_vec))
            .unwrap_or_default();
        session.screen = Some(ScreenState {
            focus,
            choice_items,
            ..ScreenState::default()
        });
        session.build_view(&mut sink)
    }

    fn show(&mut self, out: &mut Vec<Effect>) {
        if let Some(v) = self.build_view(out) {
            out.push(Effect::Show(v));
        }
    }

    fn build_view(&mut self, out: &mut Vec<Effect>) -> Option<ScreenView> {
        let (flow, step) = self.current_step()?;
        let StepKind::Screen(s) = &step.kind else {
            return None;
        };
        let screen = flow.screens.get(s)?.clone();
        let state = self.screen.clone()?;
        let extra = self.extra_for_screen();
        let title = screen
            .title
            .as_ref()
            .map(|t| self.render_text(&flow, t, extra.clone()))
            .unwrap_or_default();
        let mut lines: Vec<String> = screen
            .lines
            .iter()
            .map(|l| self.render_text(&flow, l, extra.clone()))
            .collect();
        for (guard, key) in &screen.notes {
            if matches!(
                self.eval(guard, extra.clone(), out),
                Some(Value::Bool(true))
            ) {
                lines.push(self.render_text(&flow, key, extra.clone()));
            }
        }
        let promo = screen
            .promo
            .iter()
            .map(|l| self.render_text(&flow, l, extra.clone()))
            .collect();
        let footer = screen
            .footer
            .iter()
            .map(|l| self.render_text(&flow, l, extra.clone()))
            .collect();
        let mut tables = Vec::new();
        if !screen.table.is_empty() {
            let rows = screen
                .table
                .iter()
                .map(|(label, value)| {
                    (
                        self.render_text(&flow, label, extra.clone()),
                        value
                            .template
                            .render(&self.roots(extra.clone()), &self.ctx())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            tables.push(TableView {
                title: String::new(),
                rows,
            });
        }
        if let Some(r) = &screen.rows {
            let items = self
                .eval(&r.items, extra.clone(), out)
                .and_then(|v| v.as_list().map(<[Value]>::to_vec))
                .unwrap_or_default();
            let rows = items
                .into_iter()
                .map(|item| {
                    let mut ex = extra.clone();
                    ex.push(("item", item));
                    let env = self.roots(ex);
                    (
                        r.label
                            .template
                            .render(&env, &self.ctx())
                            .unwrap_or_default(),
                        r.value
                            .template
                            .render(&env, &self.ctx())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            tables.push(TableView {
                title: String::new(),
                rows,
            });
        }
        let inputs = screen
            .inputs
            .iter()
            .map(|i| {
                let buf = state.buffers.get(&i.id).cloned().unwrap_or_default();
                let shown = match i.kind {
                    InputKind::Pin => "•".repeat(buf.chars().count()),
                    InputKind::Digits if i.secret => "•".repeat(buf.chars().count()),
                    InputKind::Amount => {
                        let v = self.input_value(i, &buf);
                        if buf.is_empty() {
                            String::new()
                        } else {
                            v.display()
                        }
                    }
                    _ => format!("{}{}", i.prefix, buf),
                };
                InputView {
                    id: i.id.clone(),
                    kind: match i.kind {
                        InputKind::Amount => crate::ports::InputKind::Amount,
                        InputKind::Digits => crate::ports::InputKind::Digits,
                        InputKind::Pin => crate::ports::InputKind::Pin,
                        InputKind::Text => crate::ports::InputKind::Text,
                    },
                    label: i
                        .label
                        .as_ref()
                        .map(|l| self.render_text(&flow, l, extra.clone()))
                        .unwrap_or_default(),
                    shown,
                    focused: state.focus.as_deref() == Some(i.id.as_str()),
                    options: Vec::new(),
                    problem: None,
                }
            })
            .collect();
        let mut buttons = Vec::new();
        if let Some(c) = &screen.choices {
            for (idx, item) in state.choice_items.iter().enumerate() {
                let mut ex = extra.clone();
                ex.push(("item", item.clone()));
                let label = c
                    .label
                    .template
                    .render(&self.roots(ex), &self.ctx())
                    .unwrap_or_default();
                buttons.push(ButtonView {
                    id: format!("{}.{idx}", c.id),
                    label,
                    enabled: true,
                    reason: None,
                    primary: false,
                    key: None,
                });
            }
        }
        for b in &screen.buttons {
            let (visible, enabled, reason) = self.button_state(b, out);
            if !visible {
                continue;
            }
            buttons.push(ButtonView {
                id: b.id.clone(),
                label: self.render_text(&flow, &b.label, extra.clone()),
                enabled,
                reason: reason.map(|r| self.render_text(&flow, &r, extra.clone())),
                primary: b.primary,
                key: b.key.clone(),
            });
        }
        if screen.languages {
            for lang in self.program.languages.clone() {
                if lang != self.language {
                    buttons.push(ButtonView {
                        id: format!("lang.{lang}"),
                        label: language_name(&lang).to_string(),
                        enabled: true,
                        reason: None,
                        primary: false,
                        key: None,
                    });
                }
            }
        }
        let qr = screen.qr.as_ref().map(|q| {
            q.template
                .render(&self.roots(extra.clone()), &self.ctx())
                .unwrap_or_default()
        });
        let timeout_seconds = self
            .deadline
            .map(|d| (d - self.now).num_seconds().max(0) as u64);
        Some(ScreenView {
            id: format!("{}/{}", flow.id, screen.name),
            language: self.language.clone(),
            title,
            lines,
            promo,
            footer,
            inputs,
            tables,
            buttons,
            qr,
            timeout_seconds,
        })
    }

    /// The type of each session variable, for tools.
    pub fn session_var_types(&self) -> Vec<(String, Type)> {
        self.program
            .session_vars
            .iter()
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect()
    }

    /// Whether the focused input of the current screen holds a secret (PIN, one-time
    /// code), so the journal records its keys masked.
    pub fn focused_input_is_secret(&self) -> bool {
        let Some((flow, step)) = self.current_step() else {
            return false;
        };
        let StepKind::Screen(s) = &step.kind else {
            return false;
        };
        let (Some(screen), Some(state)) = (flow.screens.get(s), self.screen.as_ref()) else {
            return false;
        };
        screen
            .inputs
            .iter()
            .find(|i| Some(&i.id) == state.focus.as_ref())
            .is_some_and(|i| i.value_type() == Type::Secret)
    }
}

fn language_name(code: &str) -> &str {
    match code {
        "sq" => "Shqip",
        "en" => "English",
        "it" => "Italiano",
        "de" => "Deutsch",
        other => other,
    }
}
