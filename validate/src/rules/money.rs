//! `unconfirmed-money`: no host operation that moves money runs before the customer
//! confirmed.
//!
//! Within each flow, the steps reachable from the start without taking a confirming
//! branch are "unconfirmed". A confirming branch is the branch of a confirm button
//! (`confirm`, see [`super::MoneySettings`]) on a screen step that shows that button, or
//! a branch of a `call` step on an outcome that the called flow reaches only through a
//! confirming branch. Branches on compensation events (`fault`, `timeout`) are not
//! followed: what they lead to gives money back rather than taking it.
//!
//! A flow counts as entered confirmed when it is called, is neither the entry flow nor a
//! session handler, and every `call` of it is a confirmed step, or an unconfirmed step of
//! a flow that is itself entered confirmed. An unconfirmed host step whose operation has
//! `moves_money: true` (and is not exempt, e.g. `reverse`) in a flow that is not entered
//! confirmed is reported.

use std::collections::{HashMap, HashSet};

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::StepKind;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::graph::{CallMarks, FlowGraph, OutcomeMarks, Reached, called_flow};
use super::{Cx, list_or};

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let settings = &cx.settings.money;
    let confirm = settings.confirm_buttons.clone();
    let mut marks = CallMarks::new(
        cx,
        move |g, e| confirms(g, e.source(), e.weight().event, &confirm),
        OutcomeMarks::always,
    );

    // The unconfirmed steps of every flow.
    let mut unconfirmed: HashMap<&str, Reached> = HashMap::new();
    for (&id, g) in &cx.graphs {
        let Some(start) = g.start() else {
            continue;
        };
        let confirming = marks.marked_edges(g);
        let reached = g.search(
            &[start],
            |e| {
                !confirming.contains(&e.id())
                    && !e
                        .weight()
                        .event
                        .is_some_and(|ev| settings.compensation_events.iter().any(|c| c == ev))
            },
            |_| false,
        );
        unconfirmed.insert(id, reached);
    }

    // Who calls whom, from which step.
    let mut sites: HashMap<&str, Vec<(&str, NodeIndex)>> = HashMap::new();
    for (&id, g) in &cx.graphs {
        for n in g.nodes() {
            if let Some(callee) = called_flow(g.step(n)) {
                sites.entry(callee).or_default().push((id, n));
            }
        }
    }
    let roots: HashSet<&str> = cx.root_flows().iter().map(|f| f.id.as_str()).collect();
    let mut entered: HashMap<&str, bool> = cx
        .graphs
        .keys()
        .map(|&id| (id, !roots.contains(id) && sites.contains_key(id)))
        .collect();
    let unconfirmed_site = |entered: &HashMap<&str, bool>, caller: &str, n: NodeIndex| {
        unconfirmed.get(caller).is_some_and(|r| r.contains(n))
            && !entered.get(caller).copied().unwrap_or(false)
    };
    loop {
        let mut changed = false;
        for (&id, callers) in &sites {
            if entered.get(id).copied().unwrap_or(false)
                && callers
                    .iter()
                    .any(|&(c, n)| unconfirmed_site(&entered, c, n))
            {
                entered.insert(id, false);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    for (&id, g) in &cx.graphs {
        if entered.get(id).copied().unwrap_or(false) {
            continue;
        }
        let Some(reached) = unconfirmed.get(id) else {
            continue;
        };
        for &n in &reached.order {
            let step = g.step(n);
            let StepKind::Host { op, .. } = &step.kind else {
                continue;
            };
            let moves = cx.program.host_ops.get(op).is_some_and(|o| o.moves_money);
            if !moves || settings.exempt_ops.contains(op) {
                continue;
            }
            let mut message = format!(
                "host step `{}` runs `{op}`, which moves money, but the flow can get here without the customer confirming: {}",
                step.name,
                g.path_text(&reached.path_to(n))
            );
            if let Some(&(caller, site)) = sites
                .get(id)
                .and_then(|s| s.iter().find(|&&(c, m)| unconfirmed_site(&entered, c, m)))
                && let Some(cg) = cx.graph(caller)
            {
                let path = unconfirmed
                    .get(caller)
                    .map(|r| cg.path_text(&r.path_to(site)))
                    .unwrap_or_default();
                message.push_str(&format!(
                    "; and flow `{caller}` calls `{id}` without a confirmation first: {path}"
                ));
            }
            out.push(
                Diagnostic::error("unconfirmed-money", step.loc.clone(), message).with_hint(
                    format!(
                        "show a summary screen with a {} button and go on from its branch, or call this flow only after such a confirmation",
                        list_or(&settings.confirm_buttons)
                    ),
                ),
            );
        }
    }
}

/// Whether leaving step `n` on `event` is pressing a confirm button of its screen.
fn confirms(g: &FlowGraph, n: NodeIndex, event: Option<&str>, confirm: &[String]) -> bool {
    let Some(event) = event else {
        return false;
    };
    let StepKind::Screen(s) = &g.step(n).kind else {
        return false;
    };
    confirm.iter().any(|c| c == event)
        && g.flow
            .screens
            .get(s)
            .is_some_and(|sc| sc.buttons.iter().any(|b| b.id == event))
}
