//! The compiled program: flows after loading and checking, ready to run.
//!
//! Names are resolved, types known, expressions parsed and type-checked. The interpreter
//! only ever runs a [`Program`] that loaded without errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::diag::Loc;
use crate::expr::{Expr, Template};
use crate::ports::DeviceClass;
use crate::value::{Type, Value};

/// Everything the terminal runs.
#[derive(Debug, Clone)]
pub struct Program {
    pub languages: Vec<String>,
    pub entry: String,
    pub session_vars: IndexMap<String, Type>,
    pub handlers: Handlers,
    pub flows: IndexMap<String, Arc<Flow>>,
    pub host_ops: IndexMap<String, HostOp>,
    pub devices: BTreeMap<DeviceClass, DeviceSpec>,
    /// Signals (events from outside the devices) and the type of their data.
    pub signals: IndexMap<String, Type>,
    /// Texts shared by every flow.
    pub texts: IndexMap<String, Text>,
    pub params: Value,
    pub params_type: Type,
    /// Where each parameter is written, by dotted path under `params` (list items by
    /// index: `withdrawal.presets.ALL.0`), for the linter's findings.
    pub param_locs: IndexMap<String, Loc>,
    /// The content hash of every file the program was built from (sha256, hex).
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct Handlers {
    pub timeout: Option<String>,
    pub eject: Option<String>,
    pub fault: Option<String>,
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HostOp {
    pub name: String,
    pub args: IndexMap<String, Type>,
    pub result: Type,
    pub moves_money: bool,
    pub errors: Vec<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Default)]
pub struct DeviceSpec {
    pub commands: IndexMap<String, IndexMap<String, Type>>,
    pub events: IndexMap<String, Type>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub manual: String,
    pub file: Arc<str>,
    pub loc: Loc,
    pub inputs: IndexMap<String, Type>,
    /// Inputs and the flow's own variables.
    pub vars: IndexMap<String, Type>,
    pub outputs: Vec<String>,
    pub outputs_type: Type,
    pub start: String,
    /// Shared, so the interpreter holds the current step without copying it.
    pub steps: IndexMap<String, Arc<Step>>,
    pub screens: IndexMap<String, Screen>,
    pub texts: IndexMap<String, Text>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub loc: Loc,
    pub kind: StepKind,
    pub set: Vec<Assign>,
    /// Event name to its branches, in the order written.
    pub on: IndexMap<String, Vec<Branch>>,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Screen(String),
    Host {
        op: String,
        args: Vec<(String, Cx)>,
        result: Option<Target>,
    },
    Device {
        device: DeviceClass,
        command: String,
        args: Vec<(String, Cx)>,
    },
    Call {
        flow: String,
        args: Vec<(String, Cx)>,
        result: Option<Target>,
    },
    Decide(Vec<Branch>),
    /// Wait for an event (a signal, a device event, the timeout) without a screen.
    Wait {
        timeout: Option<Cx>,
    },
    End(String),
}

impl StepKind {
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Screen(_) => "screen",
            StepKind::Host { .. } => "host",
            StepKind::Device { .. } => "device",
            StepKind::Call { .. } => "call",
            StepKind::Decide(_) => "decide",
            StepKind::Wait { .. } => "wait",
            StepKind::End(_) => "end",
        }
    }
}

/// A compiled expression and where it was written.
#[derive(Debug, Clone)]
pub struct Cx {
    pub expr: Expr,
    pub loc: Loc,
}

/// A compiled text template and where it was written.
#[derive(Debug, Clone)]
pub struct Tx {
    pub template: Template,
    pub loc: Loc,
}

/// `target = value`; the target is a flow variable or `session.NAME`.
#[derive(Debug, Clone)]
pub struct Assign {
    pub target: Target,
    pub value: Cx,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Var(String),
    Session(String),
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub guard: Option<Cx>,
    pub set: Vec<Assign>,
    pub goto: String,
    pub loc: Loc,
}

/// A text in every language, each a template.
#[derive(Debug, Clone)]
pub struct Text {
    pub key: String,
    pub by_language: IndexMap<String, Tx>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Screen {
    pub name: String,
    pub loc: Loc,
    pub title: Option<String>,
    pub lines: Vec<String>,
    pub notes: Vec<(Cx, String)>,
    pub promo: Vec<String>,
    pub footer: Vec<String>,
    pub table: Vec<(String, Tx)>,
    pub rows: Option<Rows>,
    pub inputs: Vec<Input>,
    pub choices: Option<Choices>,
    pub buttons: Vec<Button>,
    pub qr: Option<Tx>,
    pub timeout: Option<Cx>,
    pub languages: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Amount,
    Digits,
    Pin,
    Text,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub kind: InputKind,
    pub label: Option<String>,
    pub bind: Target,
    pub currency: Option<Cx>,
    pub pattern: Option<String>,
    pub max: Option<u32>,
    pub secret: bool,
    pub prefix: String,
    pub loc: Loc,
}

impl Input {
    /// The type of the value this input produces.
    pub fn value_type(&self) -> Type {
        match self.kind {
            InputKind::Amount => Type::Money,
            InputKind::Pin => Type::Secret,
            InputKind::Digits if self.secret => Type::Secret,
            InputKind::Digits | InputKind::Text => Type::Text,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Choices {
    pub id: String,
    pub items: Cx,
    pub item_type: Type,
    pub label: Tx,
}

#[derive(Debug, Clone)]
pub struct Rows {
    pub items: Cx,
    pub label: Tx,
    pub value: Tx,
}

#[derive(Debug, Clone)]
pub struct Button {
    pub id: String,
    pub label: String,
    pub enabled: Option<Cx>,
    pub reason: Option<String>,
    pub visible: Option<Cx>,
    pub primary: bool,
    /// The side function key (`F1`-`F8`) that also presses it.
    pub key: Option<String>,
    pub loc: Loc,
}

impl Flow {
    /// A text by key: the flow's own first, then the shared ones.
    pub fn text<'a>(&'a self, program: &'a Program, key: &str) -> Option<&'a Text> {
        self.texts.get(key).or_else(|| program.texts.get(key))
    }
}
