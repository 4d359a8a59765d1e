//! `card-not-returned`: once a card is taken in, no path may end the session without
//! giving it back or keeping it.
//!
//! In the entry flow, every path from the step that handles the card-in event
//! (`card_inserted`) to an `end` step must pass a step that gives the card back
//! (`card_reader.eject` or `card_reader.retain`, see [`super::CardSettings`]). A `call`
//! step counts for the outcomes on which the called flow may have issued one of those
//! commands (some path of the called flow to that outcome passes one, directly or
//! through its own calls). Session handlers end the session too: every path of a handler
//! flow to an `end` other than `resume` must pass such a step as well.

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::{Flow, StepKind};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::graph::{CallMarks, FlowGraph, OutcomeMarks, device_command};
use super::{Cx, list_or};

/// The outcome with which a session handler hands the session back to the step it
/// interrupted (the interpreter's convention).
const RESUME: &str = "resume";

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let card = &cx.settings.card;
    let returned_by = card.returned_by.clone();
    let mut marks = CallMarks::new(
        cx,
        move |g, e| device_command(g.step(e.source())).is_some_and(|c| returned_by.contains(&c)),
        OutcomeMarks::sometimes,
    );
    let commands = list_or(&card.returned_by);

    // The entry flow, from where the card comes in.
    if let Some(g) = cx.graph(&cx.program.entry) {
        let marked = marks.marked_edges(g);
        for n in g.nodes() {
            let starts = g.targets_on(n, &card.taken_by_event);
            if starts.is_empty() {
                continue;
            }
            let reached = g.search(&starts, |e| !marked.contains(&e.id()), |_| false);
            for &end in &reached.order {
                if !matches!(g.step(end).kind, StepKind::End(_)) {
                    continue;
                }
                let mut path = vec![n];
                path.extend(reached.path_to(end));
                out.push(finding(
                    g,
                    end,
                    format!(
                        "the session can end here with the card still inside: the path {} takes the card in (`{}`) and never gives it back",
                        g.path_text(&path),
                        card.taken_by_event
                    ),
                    &commands,
                ));
            }
        }
    }

    // The session handlers: they end the session unless they resume.
    for flow in handler_flows(cx) {
        let Some(g) = cx.graph(&flow.id) else {
            continue;
        };
        let Some(start) = g.start() else {
            continue;
        };
        let marked = marks.marked_edges(g);
        let reached = g.search(&[start], |e| !marked.contains(&e.id()), |_| false);
        for &end in &reached.order {
            let StepKind::End(outcome) = &g.step(end).kind else {
                continue;
            };
            if outcome == RESUME {
                continue;
            }
            out.push(finding(
                g,
                end,
                format!(
                    "session handler `{}` ends the session here (`{outcome}`) without giving the card back, by the path {}",
                    flow.id,
                    g.path_text(&reached.path_to(end))
                ),
                &commands,
            ));
        }
    }
}

fn finding(g: &FlowGraph, end: NodeIndex, message: String, commands: &str) -> Diagnostic {
    Diagnostic::error("card-not-returned", g.step(end).loc.clone(), message).with_hint(format!(
        "on this path, give the card back before ending: a device step with {commands}, or a `call` of a flow that issues one"
    ))
}

fn handler_flows<'a>(cx: &Cx<'a>) -> Vec<&'a Flow> {
    cx.root_flows()
        .into_iter()
        .filter(|f| f.id != cx.program.entry)
        .collect()
}
