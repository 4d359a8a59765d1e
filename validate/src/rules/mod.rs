//! The linter's rules: what a loaded, type-checked [`Program`] can still get wrong.
//!
//! The loader already refuses what does not make sense (schema, names, types); these
//! rules find flows that load but would strand a customer, keep a card, lose track of
//! cash or move money without a confirmation. Each rule family has its own file; every
//! rule id is documented in `docs/lint-rules.md`.
//!
//! Nothing here names a bank concept in code: the events, device commands, button ids and
//! parameter paths the rules look for are [`RuleSettings`], whose [`Default`] is this
//! bank's setup and which the lint configuration file may override.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use atmflow_engine::diag::{Diagnostic, Loc, SourceFile};
use atmflow_engine::load::Loaded;
use atmflow_engine::program::{Flow, Program};
use indexmap::IndexMap;
use serde::Deserialize;

mod amounts;
mod card;
mod cash;
mod coverage;
mod graph;
mod money;
mod params;
mod reach;
mod timeout;
mod unused;

pub use coverage::{InventoryId, inventory_ids, manual_coverage, read_inventory};

/// Every rule id these rules report, for the docs and the configuration.
pub const RULE_IDS: [&str; 14] = [
    "unreachable-step",
    "unused-step",
    "dead-end",
    "card-not-returned",
    "cash-not-accounted",
    "unconfirmed-money",
    "missing-timeout",
    "unknown-param",
    "amount-rule",
    "unused-screen",
    "unused-param",
    "unused-text",
    "manual-coverage",
    "unused-flow",
];

/// What the rules need to know about the bank's terminal. `Default` is this bank's setup;
/// the lint configuration may override any part (unknown keys are refused).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    pub card: CardSettings,
    pub cash: CashSettings,
    pub money: MoneySettings,
    /// For each device command (`device.command`), the events that answer it besides
    /// `fault`. A device step must handle each of them, or the session waits forever
    /// when that answer comes (`dead-end`). Commands not listed need at least one event
    /// other than `fault` and `eject`.
    pub device_replies: IndexMap<String, Vec<String>>,
    /// The amount parameters `amount-rule` checks; one entry per set of amounts.
    pub amounts: Vec<AmountSettings>,
    /// The note denominations loaded in the terminal, per currency (whole units). An
    /// amount they cannot make is an `amount-rule` error; a currency not listed is not
    /// checked against notes.
    pub denominations: BTreeMap<String, Vec<u64>>,
    pub manual_coverage: ManualCoverage,
}

/// How a card comes in and goes back (`card-not-returned`, `missing-timeout`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CardSettings {
    /// The event with which a card is taken in. The entry flow's step that handles it is
    /// the idle screen.
    pub taken_by_event: String,
    /// Device commands (`device.command`) that give a card back or keep it.
    pub returned_by: Vec<String>,
}

/// The cash devices (`cash-not-accounted`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CashSettings {
    /// The command that hands cash out.
    pub dispense: String,
    /// The event saying the cash is in the dispenser's mouth.
    pub presented_event: String,
    /// The event saying the customer took it.
    pub taken_event: String,
    /// Commands that take notes in; each needs a `fault` branch.
    pub take_in: Vec<String>,
    /// The event saying inserted notes were counted (they are now in escrow).
    pub counted_event: String,
    /// The command that gives notes in escrow back.
    pub return_notes: String,
    /// Commands after which no notes are left in escrow (stored or given back).
    pub escrow_cleared_by: Vec<String>,
    /// Buttons that cancel: on a screen holding notes they must lead to `return_notes`.
    pub cancel_buttons: Vec<String>,
    /// The event of a device fault.
    pub fault_event: String,
}

/// Confirmation before money moves (`unconfirmed-money`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MoneySettings {
    /// Button ids that confirm: pressing one of them is the customer's consent.
    pub confirm_buttons: Vec<String>,
    /// Host operations that move money back (compensation), needing no confirmation.
    pub exempt_ops: Vec<String>,
    /// Events whose branches are compensation paths: steps reached only through them
    /// need no confirmation.
    pub compensation_events: Vec<String>,
}

/// One set of amount parameters (`amount-rule`): each path names a parameter map from
/// currency code to value. A path that is not in the params is not checked.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AmountSettings {
    /// Currency to number: "Other" amounts must be a multiple of it.
    pub multiple: String,
    /// Currency to money: the smallest amount.
    pub min: String,
    /// Currency to money: the largest amount.
    pub max: String,
    /// Currency to list of money: the preset amounts.
    pub presets: String,
    /// Currency to money: the bank's own limit, which `max` may not exceed (if declared).
    pub limit: String,
}

/// `manual-coverage`: every id of the manual's inventory must have a flow. Off unless
/// enabled, because the flows are built issue by issue.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ManualCoverage {
    pub enabled: bool,
    /// The ids to check. When absent, the ids of `inventory`.
    pub ids: Option<Vec<String>>,
    /// The inventory (markdown): its table rows start with a backticked id. Read only
    /// when `ids` is absent; a missing file means no ids.
    pub inventory: PathBuf,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Default for RuleSettings {
    fn default() -> Self {
        let replies: [(&str, &[&str]); 10] = [
            ("card_reader.eject", &["card_presented"]),
            ("card_reader.retain", &["card_retained"]),
            (
                "cash_dispenser.can_dispense",
                &["dispensable", "not_dispensable"],
            ),
            ("cash_dispenser.dispense", &["cash_presented"]),
            ("cash_dispenser.retract", &["cash_retracted"]),
            ("cash_acceptor.accept", &["accepting"]),
            ("cash_acceptor.store", &["notes_stored"]),
            ("cash_acceptor.return", &["notes_returned"]),
            ("receipt_printer.print", &["printed"]),
            ("receipt_printer.status", &["status"]),
        ];
        RuleSettings {
            card: CardSettings::default(),
            cash: CashSettings::default(),
            money: MoneySettings::default(),
            device_replies: replies
                .iter()
                .map(|(c, e)| (c.to_string(), strings(e)))
                .collect(),
            amounts: vec![AmountSettings::default()],
            denominations: BTreeMap::from([
                ("ALL".to_string(), vec![500, 1000, 2000, 5000]),
                ("EUR".to_string(), vec![5, 10, 20, 50, 100]),
            ]),
            manual_coverage: ManualCoverage::default(),
        }
    }
}

impl Default for CardSettings {
    fn default() -> Self {
        CardSettings {
            taken_by_event: "card_inserted".into(),
            returned_by: strings(&["card_reader.eject", "card_reader.retain"]),
        }
    }
}

impl Default for CashSettings {
    fn default() -> Self {
        CashSettings {
            dispense: "cash_dispenser.dispense".into(),
            presented_event: "cash_presented".into(),
            taken_event: "cash_taken".into(),
            take_in: strings(&["cash_acceptor.accept", "cash_acceptor.store"]),
            counted_event: "notes_counted".into(),
            return_notes: "cash_acceptor.return".into(),
            escrow_cleared_by: strings(&["cash_acceptor.store", "cash_acceptor.return"]),
            cancel_buttons: strings(&["cancel"]),
            fault_event: "fault".into(),
        }
    }
}

impl Default for MoneySettings {
    fn default() -> Self {
        MoneySettings {
            // `withdraw_now` is the fast-withdrawal panel's "Withdraw now" (§III.1): the
            // manual's confirmation for a fast withdrawal, which has no summary screen.
            confirm_buttons: strings(&["confirm", "withdraw_now"]),
            exempt_ops: strings(&["reverse"]),
            compensation_events: strings(&["fault", "timeout"]),
        }
    }
}

impl Default for AmountSettings {
    fn default() -> Self {
        AmountSettings {
            multiple: "withdrawal.multiple".into(),
            min: "withdrawal.min".into(),
            max: "withdrawal.max".into(),
            presets: "withdrawal.presets".into(),
            limit: "withdrawal.limit".into(),
        }
    }
}

impl Default for ManualCoverage {
    fn default() -> Self {
        ManualCoverage {
            enabled: false,
            ids: None,
            inventory: PathBuf::from("../shared/manual/INVENTORY.md"),
        }
    }
}

/// Runs every rule on a program that loaded without errors. `loaded` gives the sources,
/// to point inside expressions.
pub fn run_rules(program: &Program, loaded: &Loaded, settings: &RuleSettings) -> Vec<Diagnostic> {
    let cx = Cx::new(program, loaded, settings);
    let mut out = Vec::new();
    reach::check(&cx, &mut out);
    card::check(&cx, &mut out);
    cash::check(&cx, &mut out);
    money::check(&cx, &mut out);
    timeout::check(&cx, &mut out);
    params::check(&cx, &mut out);
    amounts::check(&cx, &mut out);
    unused::check(&cx, &mut out);
    if settings.manual_coverage.enabled {
        let ids = match &settings.manual_coverage.ids {
            Some(ids) => ids
                .iter()
                .map(|id| InventoryId {
                    id: id.clone(),
                    loc: None,
                })
                .collect(),
            None => read_inventory(&settings.manual_coverage.inventory),
        };
        out.extend(manual_coverage(program, loaded, &ids));
    }
    out
}

/// What every rule reads: the program, its sources, the settings, and each flow's graph.
pub(crate) struct Cx<'a> {
    pub program: &'a Program,
    pub loaded: &'a Loaded,
    pub settings: &'a RuleSettings,
    pub graphs: IndexMap<&'a str, graph::FlowGraph<'a>>,
}

impl<'a> Cx<'a> {
    fn new(program: &'a Program, loaded: &'a Loaded, settings: &'a RuleSettings) -> Cx<'a> {
        let graphs = program
            .flows
            .iter()
            .map(|(id, f)| (id.as_str(), graph::FlowGraph::new(f)))
            .collect();
        Cx {
            program,
            loaded,
            settings,
            graphs,
        }
    }

    pub fn graph(&self, flow: &str) -> Option<&graph::FlowGraph<'a>> {
        self.graphs.get(flow)
    }

    pub fn source(&self, file: &Arc<str>) -> Option<&'a SourceFile> {
        self.loaded.sources.get(file)
    }

    /// The flows sessions start in: the entry flow and the session handlers.
    pub fn root_flows(&self) -> Vec<&'a Flow> {
        let h = &self.program.handlers;
        let mut ids: Vec<&String> = vec![&self.program.entry];
        ids.extend(
            [&h.timeout, &h.eject, &h.fault, &h.unavailable]
                .into_iter()
                .flatten(),
        );
        let mut out: Vec<&'a Flow> = Vec::new();
        for id in ids {
            if let Some(f) = self.program.flows.get(id)
                && !out.iter().any(|o| o.id == f.id)
            {
                out.push(f);
            }
        }
        out
    }

    /// The location of the start of `terminal.yaml` (for findings about the whole set).
    pub fn terminal_loc(&self) -> Option<Loc> {
        terminal_loc(self.loaded)
    }
}

pub(crate) fn terminal_loc(loaded: &Loaded) -> Option<Loc> {
    loaded
        .sources
        .values()
        .find(|s| {
            std::path::Path::new(&*s.path)
                .file_stem()
                .is_some_and(|n| n == "terminal")
        })
        .or_else(|| loaded.sources.values().next())
        .map(Loc::file_start)
}

/// `a, b and c` with backticks.
pub(crate) fn list(items: &[impl AsRef<str>]) -> String {
    joined(items, "and")
}

/// `a, b or c` with backticks.
pub(crate) fn list_or(items: &[impl AsRef<str>]) -> String {
    joined(items, "or")
}

fn joined(items: &[impl AsRef<str>], word: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{}`", i.as_ref())).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} {word} {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}
