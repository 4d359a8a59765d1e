//! `cash-not-accounted`: every note handed out or taken in ends up somewhere known.
//!
//! - A dispense step (`cash_dispenser.dispense`) must handle `fault`: a jam or a partial
//!   dispense after the host debited the account must be given back.
//! - After `cash_presented`, the first screen steps the flow reaches must wait for the
//!   cash: handle `cash_taken`, and handle `timeout` (cash not taken is retracted).
//! - A step that takes notes in (`cash_acceptor.accept`, `cash_acceptor.store`) must
//!   handle `fault`.
//! - A screen step that holds notes (it handles `notes_counted`, or the flow reaches it
//!   after `notes_counted` before the notes are stored or returned) must handle
//!   `timeout`, and its `timeout` and cancel buttons must reach `cash_acceptor.return`
//!   before the flow can end.
//!
//! The search stays inside one flow: a `call` step is passed through its outcomes.

use std::collections::BTreeSet;

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::{Step, StepKind};
use petgraph::graph::NodeIndex;

use super::graph::{FlowGraph, device_command};
use super::{Cx, list};

const RULE: &str = "cash-not-accounted";

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for g in cx.graphs.values() {
        for n in g.nodes() {
            let step = g.step(n);
            let Some(cmd) = device_command(step) else {
                continue;
            };
            if cmd == cx.settings.cash.dispense {
                dispense(cx, g, n, out);
            }
            if cx.settings.cash.take_in.contains(&cmd) {
                needs_fault(
                    cx,
                    step,
                    &cmd,
                    "notes in the acceptor are not accounted for",
                    out,
                );
            }
        }
        notes(cx, g, out);
    }
}

fn needs_fault(cx: &Cx, step: &Step, cmd: &str, why: &str, out: &mut Vec<Diagnostic>) {
    let fault = &cx.settings.cash.fault_event;
    if step.on.contains_key(fault) {
        return;
    }
    out.push(
        Diagnostic::error(
            RULE,
            step.loc.clone(),
            format!(
                "step `{}` sends `{cmd}` but has no `{fault}` branch: when the device fails, {why}",
                step.name
            ),
        )
        .with_hint(format!(
            "add `{fault}:` leading to steps that settle the money (a reversal, giving notes back) and tell the customer"
        )),
    );
}

fn is_screen(g: &FlowGraph, n: NodeIndex) -> bool {
    matches!(g.step(n).kind, StepKind::Screen(_))
}

fn dispense(cx: &Cx, g: &FlowGraph, n: NodeIndex, out: &mut Vec<Diagnostic>) {
    let s = &cx.settings.cash;
    let step = g.step(n);
    needs_fault(
        cx,
        step,
        &s.dispense,
        "cash the host has debited is neither handed out nor given back",
        out,
    );
    let starts = g.targets_on(n, &s.presented_event);
    if starts.is_empty() {
        return;
    }
    let reached = g.search(&starts, |_| true, |m| is_screen(g, m));
    for &m in &reached.order {
        let waiting = g.step(m);
        let StepKind::Screen(screen_name) = &waiting.kind else {
            continue;
        };
        let mut missing = Vec::new();
        if !waiting.on.contains_key(&s.taken_event) {
            missing.push(format!(
                "does not handle `{}`, so it cannot tell that the customer took the cash",
                s.taken_event
            ));
        }
        let has_timeout = g
            .flow
            .screens
            .get(screen_name)
            .is_some_and(|sc| sc.timeout.is_some());
        if !has_timeout {
            missing.push(format!(
                "shows screen `{screen_name}`, which has no `timeout`, so cash left in the dispenser is never retracted"
            ));
        } else if !waiting.on.contains_key("timeout") {
            missing.push(
                "does not handle `timeout`, so cash left in the dispenser is never retracted"
                    .to_string(),
            );
        }
        if missing.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::error(
                RULE,
                waiting.loc.clone(),
                format!(
                    "screen step `{}` waits while cash is presented (after `{}` of step `{}`) but {}",
                    waiting.name,
                    s.presented_event,
                    step.name,
                    missing.join(", and ")
                ),
            )
            .with_hint(format!(
                "handle `{}` (the cash is delivered) and `timeout` (retract the cash and give it back to the account), and give the screen a `timeout`",
                s.taken_event
            )),
        );
    }
}

/// Screens that hold notes in escrow, and whether leaving them gives the notes back.
fn notes(cx: &Cx, g: &FlowGraph, out: &mut Vec<Diagnostic>) {
    let s = &cx.settings.cash;
    let clears =
        |n: NodeIndex| device_command(g.step(n)).is_some_and(|c| s.escrow_cleared_by.contains(&c));
    let mut holding: BTreeSet<NodeIndex> = BTreeSet::new();
    for n in g.nodes() {
        let step = g.step(n);
        if !matches!(step.kind, StepKind::Screen(_)) || !step.on.contains_key(&s.counted_event) {
            continue;
        }
        holding.insert(n);
        let starts = g.targets_on(n, &s.counted_event);
        let reached = g.search(&starts, |_| true, clears);
        holding.extend(
            reached
                .order
                .iter()
                .filter(|&&m| is_screen(g, m) && !clears(m)),
        );
    }
    for n in holding {
        let step = g.step(n);
        if !step.on.contains_key("timeout") {
            out.push(
                Diagnostic::error(
                    RULE,
                    step.loc.clone(),
                    format!(
                        "screen step `{}` holds the customer's notes but does not handle `timeout`: if the customer walks away, the notes stay in the acceptor",
                        step.name
                    ),
                )
                .with_hint(format!("add `timeout:` leading to a `{}` step", s.return_notes)),
            );
        }
        let mut events: Vec<&str> = vec!["timeout"];
        events.extend(
            s.cancel_buttons
                .iter()
                .map(String::as_str)
                .filter(|b| step.on.contains_key(*b)),
        );
        for event in events {
            let starts = g.targets_on(n, event);
            if starts.is_empty() {
                continue;
            }
            let returns =
                |m: NodeIndex| device_command(g.step(m)).is_some_and(|c| c == s.return_notes);
            let reached = g.search(&starts, |_| true, returns);
            let Some(&end) = reached
                .order
                .iter()
                .find(|&&m| matches!(g.step(m).kind, StepKind::End(_)))
            else {
                continue;
            };
            let mut path = vec![n];
            path.extend(reached.path_to(end));
            out.push(
                Diagnostic::error(
                    RULE,
                    step.loc.clone(),
                    format!(
                        "`{event}` on screen step `{}` can end the flow without giving the notes back: {}",
                        step.name,
                        g.path_text(&path)
                    ),
                )
                .with_hint(format!(
                    "lead {} to a `{}` step before the flow ends",
                    list(&[event]),
                    s.return_notes
                )),
            );
        }
    }
}
