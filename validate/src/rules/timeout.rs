//! `missing-timeout`: no screen waits for a customer who has walked away.
//!
//! A screen step whose screen has no `timeout` is reported (at the step), except the
//! entry flow's idle screen: the step that handles the card-in event (`card_inserted`),
//! which waits for the next customer. A screen step whose screen has a `timeout` but
//! which does not handle `timeout` is reported only when terminal.yaml has no session
//! timeout handler (`handlers.timeout`) either. `wait` steps follow the same two rules.

use atmflow_engine::diag::Diagnostic;
use atmflow_engine::program::StepKind;

use super::Cx;

const RULE: &str = "missing-timeout";

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let card_event = &cx.settings.card.taken_by_event;
    let handler = cx.program.handlers.timeout.is_some();
    for (&id, g) in &cx.graphs {
        for n in g.nodes() {
            let step = g.step(n);
            let (has_timeout, what) = match &step.kind {
                StepKind::Screen(s) => {
                    let Some(screen) = g.flow.screens.get(s) else {
                        continue;
                    };
                    (screen.timeout.is_some(), format!("screen `{s}`"))
                }
                StepKind::Wait { timeout } => (timeout.is_some(), "the wait".to_string()),
                _ => continue,
            };
            let idle = id == cx.program.entry && step.on.contains_key(card_event);
            if !has_timeout && !idle {
                out.push(
                    Diagnostic::error(
                        RULE,
                        step.loc.clone(),
                        format!(
                            "step `{}` waits for the customer, but {what} has no `timeout`: if the customer walks away, the terminal waits forever",
                            step.name
                        ),
                    )
                    .with_hint(match &step.kind {
                        StepKind::Screen(s) => format!(
                            "add `timeout: params.timeouts.screen` (or another parameter) to screen `{s}`"
                        ),
                        _ => "write the step as `wait: {timeout: params.timeouts.screen}`".into(),
                    }),
                );
            } else if has_timeout && !handler && !step.on.contains_key("timeout") {
                out.push(
                    Diagnostic::error(
                        RULE,
                        step.loc.clone(),
                        format!(
                            "step `{}` does not handle `timeout`, and terminal.yaml has no session timeout handler: when {what} times out, nothing happens",
                            step.name
                        ),
                    )
                    .with_hint(
                        "add `timeout: <step>` under `on`, or a `handlers: {timeout: <flow>}` in terminal.yaml",
                    ),
                );
            }
        }
    }
}
