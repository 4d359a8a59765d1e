//! `unreachable-step`, `unused-step` and `dead-end`: every step can be reached from its
//! flow's start, and every step has a way on.

use std::collections::HashSet;

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::{Screen, Step, StepKind};
use petgraph::algo::tarjan_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::graph::{FlowGraph, device_command};
use super::{Cx, list};

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for g in cx.graphs.values() {
        reachability(g, out);
        dead_ends(cx, g, out);
    }
}

fn reachability(g: &FlowGraph, out: &mut Vec<Diagnostic>) {
    let reached = g.reachable();
    for n in g.nodes() {
        if reached.contains(n) {
            continue;
        }
        let step = g.step(n);
        let from: Vec<&str> = {
            let mut v: Vec<&str> = g
                .edges_in(n)
                .filter(|e| e.source() != n)
                .map(|e| g.name(e.source()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        if from.is_empty() {
            out.push(
                Diagnostic::warning(
                    "unused-step",
                    step.loc.clone(),
                    format!(
                        "step `{}` is never used: it is not the start and no step goes to it",
                        step.name
                    ),
                )
                .with_hint(format!(
                    "remove it, or add `goto: {}` where the flow should go there",
                    step.name
                )),
            );
        } else {
            out.push(
                Diagnostic::error(
                    "unreachable-step",
                    step.loc.clone(),
                    format!(
                        "step `{}` can never be reached from the start `{}`: only {} {} to it, and {} never reached either",
                        step.name,
                        g.flow.start,
                        list(&from),
                        if from.len() == 1 { "goes" } else { "go" },
                        if from.len() == 1 { "it is" } else { "they are" },
                    ),
                )
                .with_hint(
                    "add a branch to it from a step the flow reaches, or remove it with the steps that lead only to it",
                ),
            );
        }
    }
}

/// Whether a screen step can ever receive `event`.
fn screen_can_receive(screen: &Screen, event: &str) -> bool {
    if screen.buttons.iter().any(|b| b.id == event)
        || screen.choices.as_ref().is_some_and(|c| c.id == event)
    {
        return true;
    }
    match event {
        "timeout" => screen.timeout.is_some(),
        "language" => screen.languages,
        // The eject key, device events and signals can come on any screen.
        _ => true,
    }
}

fn dead_ends(cx: &Cx, g: &FlowGraph, out: &mut Vec<Diagnostic>) {
    let reached = g.reachable();
    for &n in &reached.order {
        let step = g.step(n);
        if let Some(d) = dead_end(cx, g, step) {
            out.push(d);
        }
    }
    traps(g, &reached.order, out);
}

fn dead_end(cx: &Cx, g: &FlowGraph, step: &Step) -> Option<Diagnostic> {
    let err = |msg: String, hint: &str| {
        Some(Diagnostic::error("dead-end", step.loc.clone(), msg).with_hint(hint))
    };
    let name = &step.name;
    match &step.kind {
        StepKind::End(_) => None,
        StepKind::Decide(branches) if branches.is_empty() => err(
            format!("the decision `{name}` has no branches: the flow stops here"),
            "add branches with `goto`, the last one without `if`",
        ),
        StepKind::Decide(_) => None,
        _ if step.on.is_empty() => err(
            format!(
                "the {} step `{name}` has no `on`: nothing can happen after it and the session stops here",
                step.kind.name()
            ),
            "add `on:` with a branch for each event that can come, or make it an `end` step",
        ),
        StepKind::Screen(s) => {
            let screen = g.flow.screens.get(s)?;
            if step.on.keys().any(|e| screen_can_receive(screen, e)) {
                return None;
            }
            let handled: Vec<&String> = step.on.keys().collect();
            err(
                format!(
                    "screen step `{name}` only handles {}, which screen `{s}` never raises: the customer cannot go on",
                    list(&handled)
                ),
                "handle one of the screen's buttons or choices, or give the screen a `timeout`",
            )
        }
        StepKind::Host { op, .. } => {
            if step.on.contains_key("ok") {
                return None;
            }
            err(
                format!(
                    "host step `{name}` does not handle `ok`: when the host carries out `{op}`, the session stops here"
                ),
                "add `ok: <next step>` under `on`",
            )
        }
        StepKind::Device { .. } => {
            let cmd = device_command(step)?;
            match cx.settings.device_replies.get(&cmd) {
                Some(replies) => {
                    let missing: Vec<&String> = replies
                        .iter()
                        .filter(|r| !step.on.contains_key(*r))
                        .collect();
                    if missing.is_empty() {
                        return None;
                    }
                    err(
                        format!(
                            "device step `{name}` does not handle {}: when `{cmd}` answers so, the session waits here forever",
                            list(&missing)
                        ),
                        "add a branch under `on` for every answer of the command",
                    )
                }
                None => {
                    let fault = &cx.settings.cash.fault_event;
                    if step.on.keys().any(|e| e != fault && e != "eject") {
                        return None;
                    }
                    err(
                        format!(
                            "device step `{name}` only handles failures: when `{cmd}` succeeds, the session waits here forever"
                        ),
                        "handle the event the device answers with when the command succeeds",
                    )
                }
            }
        }
        StepKind::Call { flow, .. } => {
            let callee = cx.graph(flow)?;
            let missing: Vec<String> = callee
                .outcomes()
                .into_iter()
                .filter(|o| !step.on.contains_key(o))
                .collect();
            if missing.is_empty() {
                return None;
            }
            let which = if missing.len() == 1 {
                "it"
            } else {
                "one of them"
            };
            err(
                format!(
                    "call step `{name}` does not handle the outcome {} of flow `{flow}`: when `{flow}` ends with {which}, the session stops here",
                    list(&missing)
                ),
                "add a branch under `on` for every outcome the called flow can end with",
            )
        }
        StepKind::Wait { timeout } => {
            let can = |e: &str| e != "timeout" || timeout.is_some();
            if step.on.keys().any(|e| can(e)) {
                return None;
            }
            err(
                format!("wait step `{name}` only handles `timeout`, but has no `timeout`"),
                "give the step a `timeout`, or handle the event it waits for",
            )
        }
    }
}

/// Groups of steps that only lead to each other and never to an `end`.
fn traps(g: &FlowGraph, reached: &[NodeIndex], out: &mut Vec<Diagnostic>) {
    let reachable: HashSet<NodeIndex> = reached.iter().copied().collect();
    for scc in tarjan_scc(&g.graph) {
        if !scc.iter().all(|n| reachable.contains(n)) {
            continue;
        }
        let members: HashSet<NodeIndex> = scc.iter().copied().collect();
        let leaves = scc
            .iter()
            .any(|&n| g.edges_out(n).any(|e| !members.contains(&e.target())));
        let ends = scc
            .iter()
            .any(|&n| matches!(g.step(n).kind, StepKind::End(_)));
        let cycle = scc.len() > 1 || g.edges_out(scc[0]).any(|e| e.target() == scc[0]);
        if leaves || ends || !cycle {
            continue;
        }
        let mut steps = scc.clone();
        steps.sort();
        let first = g.step(steps[0]);
        let names: Vec<&str> = steps.iter().map(|n| g.name(*n)).collect();
        let what = if names.len() == 1 {
            format!("step `{}` only leads back to itself", names[0])
        } else {
            format!("the steps {} only lead to each other", list(&names))
        };
        out.push(
            Diagnostic::error(
                "dead-end",
                first.loc.clone(),
                format!(
                    "{what}: flow `{}` can never end once it gets to `{}`",
                    g.flow.id, names[0]
                ),
            )
            .with_hint(
                "give one of these steps a branch to an `end` step (or to a step that reaches one)",
            ),
        );
    }
}
