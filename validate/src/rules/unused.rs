//! `unused-screen`, `unused-text` and `unused-flow`: what is defined but never shown or
//! run. (`unused-step` is with the reachability rules, `unused-param` with the params.)

use std::collections::HashSet;

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::{Screen, StepKind};

use super::Cx;
use super::graph::called_flow;

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    screens(cx, out);
    texts(cx, out);
    flows(cx, out);
}

fn screens(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for flow in cx.program.flows.values() {
        let shown: HashSet<&str> = flow
            .steps
            .values()
            .filter_map(|s| match &s.kind {
                StepKind::Screen(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        for (name, screen) in &flow.screens {
            if !shown.contains(name.as_str()) {
                out.push(
                    Diagnostic::warning(
                        "unused-screen",
                        screen.loc.clone(),
                        format!("no step of flow `{}` shows screen `{name}`", flow.id),
                    )
                    .with_hint(format!(
                        "remove it, or show it from a step with `screen: {name}`"
                    )),
                );
            }
        }
    }
}

/// The text keys a screen names (title, lines, notes, table labels, input labels, button
/// labels and reasons).
fn text_keys(screen: &Screen) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    keys.extend(screen.title.as_deref());
    keys.extend(screen.lines.iter().map(String::as_str));
    keys.extend(screen.promo.iter().map(String::as_str));
    keys.extend(screen.footer.iter().map(String::as_str));
    keys.extend(screen.notes.iter().map(|(_, k)| k.as_str()));
    keys.extend(screen.table.iter().map(|(k, _)| k.as_str()));
    keys.extend(screen.inputs.iter().filter_map(|i| i.label.as_deref()));
    for b in &screen.buttons {
        keys.push(&b.label);
        keys.extend(b.reason.as_deref());
    }
    keys
}

fn texts(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let mut shared_used: HashSet<&str> = HashSet::new();
    for flow in cx.program.flows.values() {
        let mut own_used: HashSet<&str> = HashSet::new();
        for screen in flow.screens.values() {
            for key in text_keys(screen) {
                if flow.texts.contains_key(key) {
                    own_used.insert(key);
                } else {
                    shared_used.insert(key);
                }
            }
        }
        for (key, text) in &flow.texts {
            if !own_used.contains(key.as_str()) {
                out.push(unused_text(
                    key,
                    text.loc.clone(),
                    &format!("flow `{}`", flow.id),
                ));
            }
        }
    }
    for (key, text) in &cx.program.texts {
        if !shared_used.contains(key.as_str()) {
            out.push(unused_text(key, text.loc.clone(), "any flow"));
        }
    }
}

fn unused_text(key: &str, loc: atmflow_engine::diag::Loc, where_: &str) -> Diagnostic {
    Diagnostic::warning(
        "unused-text",
        loc,
        format!("no screen of {where_} uses the text `{key}`"),
    )
    .with_hint("remove it, or name it on a screen (title, lines, notes, table, a label)")
}

fn flows(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let mut used: HashSet<&str> = cx.root_flows().iter().map(|f| f.id.as_str()).collect();
    for flow in cx.program.flows.values() {
        used.extend(flow.steps.values().filter_map(|s| called_flow(s)));
    }
    for flow in cx.program.flows.values() {
        if !used.contains(flow.id.as_str()) {
            out.push(
                Diagnostic::warning(
                    "unused-flow",
                    flow.loc.clone(),
                    format!(
                        "flow `{}` never runs: it is not the entry, not a session handler, and no step calls it",
                        flow.id
                    ),
                )
                .with_hint(format!(
                    "call it from a step (`call: {}`), or remove the file",
                    flow.id
                )),
            );
        }
    }
}
