//! `amount-rule`: the amount parameters agree with each other and with the notes in the
//! terminal.
//!
//! For each set of amount parameters (see [`super::AmountSettings`]; by default
//! `params.withdrawal.{multiple,min,max,presets,limit}`, each a map from currency code to
//! value), and each currency:
//!
//! - every preset is in that currency, a multiple of the currency's "Other" multiple, not
//!   below `min`, not above `max`, and can be made from the loaded note denominations;
//! - `min` is not above `max`, and `max` is not above the bank's `limit` (if declared);
//! - every amount "Other" accepts (each multiple between `min` and `max`) can be made
//!   from the notes; the first that cannot is reported at the multiple.

use atmflow_engine::diag::{Diagnostic, Loc};
use atmflow_engine::value::{Money, Value, format_money};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{AmountSettings, Cx};

const RULE: &str = "amount-rule";

/// Most "Other" amounts checked against the notes, per currency.
const MAX_OTHER_AMOUNTS: u64 = 100_000;

pub(crate) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for set in &cx.settings.amounts {
        check_set(cx, set, out);
    }
}

fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(root, |v, seg| v.field(seg))
}

struct At<'c, 'a> {
    cx: &'c Cx<'a>,
}

impl At<'_, '_> {
    fn loc(&self, path: &str) -> Option<Loc> {
        self.cx
            .program
            .param_locs
            .get(path)
            .cloned()
            .or_else(|| self.cx.terminal_loc())
    }
    fn error(&self, path: &str, message: String, hint: String, out: &mut Vec<Diagnostic>) {
        if let Some(loc) = self.loc(path) {
            out.push(Diagnostic::error(RULE, loc, message).with_hint(hint));
        }
    }
}

fn check_set(cx: &Cx, set: &AmountSettings, out: &mut Vec<Diagnostic>) {
    let at = At { cx };
    let params = &cx.program.params;
    let maps = [&set.multiple, &set.min, &set.max, &set.presets, &set.limit];
    let mut currencies: Vec<String> = maps
        .iter()
        .filter_map(|p| lookup(params, p))
        .filter_map(Value::as_record)
        .flat_map(|r| r.keys().cloned())
        .collect();
    currencies.sort();
    currencies.dedup();

    for cur in &currencies {
        let multiple = lookup(params, &set.multiple)
            .and_then(|m| m.field(cur))
            .and_then(Value::as_number)
            .filter(|m| *m > Decimal::ZERO);
        let notes = cx
            .settings
            .denominations
            .get(cur)
            .map(|d| d.iter().copied().filter(|n| *n > 0).collect::<Vec<u64>>())
            .filter(|d| !d.is_empty());
        let money = |path: &str| -> Option<(String, Money)> {
            let p = format!("{path}.{cur}");
            let m = lookup(params, &p)?.as_money()?.clone();
            Some((p, m))
        };
        let mut bounds = Vec::new();
        for (what, path) in [("min", &set.min), ("max", &set.max), ("limit", &set.limit)] {
            let b = money(path);
            if let Some((p, m)) = &b
                && m.currency.as_str() != cur
            {
                at.error(
                    p,
                    format!(
                        "`params.{p}` is in {}, but it is the {what} for {cur}",
                        m.currency
                    ),
                    format!("write it in {cur}, e.g. \"{} {cur}\"", m.amount),
                    out,
                );
                bounds.push(None);
                continue;
            }
            bounds.push(b);
        }
        let [min, max, limit] = [bounds[0].clone(), bounds[1].clone(), bounds[2].clone()];

        if let (Some((_, lo)), Some((pmax, hi))) = (&min, &max)
            && lo.amount > hi.amount
        {
            at.error(
                pmax,
                format!(
                    "the largest {cur} amount ({}) is below the smallest ({})",
                    format_money(hi),
                    format_money(lo)
                ),
                "make `max` at least `min`".into(),
                out,
            );
        }
        if let (Some((pmax, hi)), Some((plim, lim))) = (&max, &limit)
            && hi.amount > lim.amount
        {
            at.error(
                pmax,
                format!(
                    "the largest {cur} amount ({}) is above the bank's limit ({}, `params.{plim}`)",
                    format_money(hi),
                    format_money(lim)
                ),
                format!("lower `params.{pmax}` to at most {}", format_money(lim)),
                out,
            );
        }

        // Presets.
        let list_path = format!("{}.{cur}", set.presets);
        let presets = lookup(params, &list_path)
            .and_then(Value::as_list)
            .unwrap_or_default();
        for (i, item) in presets.iter().enumerate() {
            let Some(p) = item.as_money() else {
                continue;
            };
            let path = format!("{list_path}.{i}");
            let shown = format_money(p);
            if p.currency.as_str() != cur {
                at.error(
                    &path,
                    format!("the preset {shown} is listed among the {cur} presets"),
                    format!(
                        "write it in {cur}, or move it to the {} presets",
                        p.currency
                    ),
                    out,
                );
                continue;
            }
            let mut problems = Vec::new();
            if let Some(m) = multiple
                && !(p.amount % m).is_zero()
            {
                problems.push(format!(
                    "is not a multiple of {} {cur} (`params.{}.{cur}`)",
                    m.normalize(),
                    set.multiple
                ));
            }
            if let Some((pmin, lo)) = &min
                && p.amount < lo.amount
            {
                problems.push(format!(
                    "is below the smallest amount {} (`params.{pmin}`)",
                    format_money(lo)
                ));
            }
            if let Some((pmax, hi)) = &max
                && p.amount > hi.amount
            {
                problems.push(format!(
                    "is above the largest amount {} (`params.{pmax}`)",
                    format_money(hi)
                ));
            }
            if let Some(d) = &notes
                && !makeable(p.amount, d)
            {
                problems.push(format!(
                    "cannot be made from the notes in the terminal ({})",
                    denominations(d, cur)
                ));
            }
            if !problems.is_empty() {
                at.error(
                    &path,
                    format!("the preset {shown} {}", problems.join(", and ")),
                    "change the preset, or the rule it breaks".into(),
                    out,
                );
            }
        }

        // Every amount "Other" accepts.
        if let (Some(m), Some(d), Some((_, hi))) = (multiple, &notes, &max) {
            let lo = min.as_ref().map_or(m, |(_, lo)| lo.amount);
            let mut k: u64 = 1;
            while k <= MAX_OTHER_AMOUNTS {
                let a = m * Decimal::from(k);
                k += 1;
                if a < lo {
                    continue;
                }
                if a > hi.amount {
                    break;
                }
                if !makeable(a, d) {
                    let p = format!("{}.{cur}", set.multiple);
                    at.error(
                        &p,
                        format!(
                            "\"Other\" accepts {} (a multiple of {} {cur} within the limits), but the notes in the terminal ({}) cannot make it",
                            format_money(&Money::new(a, hi.currency.clone())),
                            m.normalize(),
                            denominations(d, cur)
                        ),
                        "make the multiple one the notes can always make (e.g. the smallest note), or load other notes".into(),
                        out,
                    );
                    break;
                }
            }
        }
    }
}

fn denominations(d: &[u64], cur: &str) -> String {
    let v: Vec<String> = d.iter().map(u64::to_string).collect();
    format!("{} {cur}", v.join(", "))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Whether whole notes of the given denominations add up to `amount` exactly.
pub(crate) fn makeable(amount: Decimal, notes: &[u64]) -> bool {
    if amount.is_sign_negative() || !amount.fract().is_zero() {
        return false;
    }
    let Some(n) = amount.to_u64() else {
        return false;
    };
    let g = notes.iter().copied().fold(0, gcd);
    if g == 0 || n % g != 0 {
        return false;
    }
    let n = n / g;
    let notes: Vec<u64> = notes.iter().map(|d| d / g).collect();
    let smallest = notes.iter().copied().min().unwrap_or(1);
    let largest = notes.iter().copied().max().unwrap_or(1);
    // Every multiple of the common divisor above (smallest-1)(largest-1) can be made
    // (Schur's bound on the Frobenius number).
    if n >= (smallest - 1).saturating_mul(largest - 1) {
        return true;
    }
    let n = n as usize;
    let mut can = vec![false; n + 1];
    can[0] = true;
    for i in 1..=n {
        can[i] = notes
            .iter()
            .any(|&d| (d as usize) <= i && can[i - d as usize]);
    }
    can[n]
}

#[cfg(test)]
mod tests {
    use super::makeable;
    use rust_decimal::Decimal;

    #[test]
    fn amounts_are_made_of_whole_notes() {
        let all = [500, 1000, 2000, 5000];
        assert!(makeable(Decimal::from(2500), &all));
        assert!(!makeable(Decimal::from(2250), &all));
        let big = [1000, 2000, 5000];
        assert!(!makeable(Decimal::from(1500), &big));
        assert!(makeable(Decimal::from(3000), &big));
        assert!(!makeable(Decimal::new(255, 1), &[5, 10]));
        let odd = [20, 50];
        assert!(!makeable(Decimal::from(30), &odd));
        assert!(makeable(Decimal::from(60), &odd));
        assert!(makeable(Decimal::from(1_000_000), &odd));
    }
}
