//! Change-making with limited note counts: which notes make an amount.
//!
//! The mix uses the fewest notes possible; among mixes with as few notes, the one with the
//! most notes of the largest denomination (then the next largest, ...) is chosen, so the
//! answer is deterministic. It is an exact dynamic programme over the amount in units of
//! the denominations' greatest common divisor, not a greedy pick: 60 EUR from 50s and 20s
//! is 3 × 20, and 1,500 ALL from 1000s alone is not makeable.

use std::collections::{BTreeMap, VecDeque};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::args::notes_total;

/// The largest amount, in units of the denominations' common divisor, the programme
/// works over (one `u32` per unit and denomination).
const STATE_LIMIT: u64 = 1 << 20;
/// The most decimal places a denomination or an amount may have.
const MAX_SCALE: u32 = 6;
const UNREACHABLE: u32 = u32::MAX;

/// Why an amount cannot be paid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MixError {
    /// Zero or negative.
    InvalidAmount,
    /// No notes of the currency are loaded.
    NoNotes,
    /// More than all notes loaded are worth.
    InsufficientCash,
    /// The loaded notes cannot make the amount exactly.
    NotMakeable,
    /// Too large to work out (only with unusual loadings).
    TooLarge,
}

impl MixError {
    /// The `reason` text of `not_dispensable`.
    pub fn reason(self) -> &'static str {
        match self {
            MixError::InvalidAmount => "invalid_amount",
            MixError::NoNotes => "no_notes",
            MixError::InsufficientCash => "insufficient_cash",
            MixError::NotMakeable => "not_makeable",
            MixError::TooLarge => "amount_too_large",
        }
    }
}

/// The notes that make `amount` from `available` `(denomination, count)` pairs, as
/// `(denomination, count)` by descending denomination, counts above zero.
pub fn make_change(
    amount: Decimal,
    available: &[(Decimal, u64)],
) -> Result<Vec<(Decimal, u64)>, MixError> {
    if amount <= Decimal::ZERO {
        return Err(MixError::InvalidAmount);
    }
    // Ascending denominations with their total counts.
    let mut notes: BTreeMap<Decimal, u64> = BTreeMap::new();
    for (denomination, count) in available {
        if *denomination > Decimal::ZERO && *count > 0 {
            let slot = notes.entry(denomination.normalize()).or_default();
            *slot = slot.saturating_add(*count);
        }
    }
    if notes.is_empty() {
        return Err(MixError::NoNotes);
    }
    if amount > notes_total(notes.iter()) {
        return Err(MixError::InsufficientCash);
    }

    // Whole units: scale everything to integers.
    let amount = amount.normalize();
    let scale = notes
        .keys()
        .map(Decimal::scale)
        .chain([amount.scale()])
        .max()
        .unwrap_or(0);
    if scale > MAX_SCALE {
        return Err(MixError::NotMakeable);
    }
    let factor = Decimal::from(10u64.pow(scale));
    let units = |x: Decimal| -> Option<u64> {
        let scaled = x.checked_mul(factor)?;
        (scaled.fract().is_zero())
            .then(|| scaled.to_u64())
            .flatten()
    };
    let amount_units = units(amount).ok_or(MixError::TooLarge)?;
    let mut denominations = Vec::with_capacity(notes.len());
    for (denomination, count) in &notes {
        denominations.push((units(*denomination).ok_or(MixError::TooLarge)?, *count));
    }
    let divisor = denominations.iter().fold(0, |g, (d, _)| gcd(g, *d)).max(1);
    if amount_units % divisor != 0 {
        return Err(MixError::NotMakeable);
    }
    let target = amount_units / divisor;
    if target >= STATE_LIMIT {
        return Err(MixError::TooLarge);
    }
    let target = usize::try_from(target).map_err(|_| MixError::TooLarge)?;
    let steps = denominations
        .iter()
        .map(|(d, count)| {
            let step = usize::try_from(d / divisor).map_err(|_| MixError::TooLarge)?;
            let count = usize::try_from(*count).unwrap_or(usize::MAX);
            Ok((step, count))
        })
        .collect::<Result<Vec<(usize, usize)>, MixError>>()?;

    let layers = fewest_notes(target, &steps);
    let last = layers.last().and_then(|l| l.get(target)).copied();
    if last.is_none_or(|n| n == UNREACHABLE) {
        return Err(MixError::NotMakeable);
    }

    // Walk back from the largest denomination, taking as many of it as an optimal mix
    // allows.
    let mut remaining = target;
    let mut mix = Vec::new();
    for (i, ((step, count), (denomination, _))) in steps.iter().zip(notes.iter()).enumerate().rev()
    {
        let current = layers[i + 1][remaining];
        let before = &layers[i];
        let most = (*count).min(remaining / step);
        let taken = (0..=most)
            .rev()
            .find(|k| {
                let prev = before[remaining - k * step];
                prev != UNREACHABLE && prev as usize + k == current as usize
            })
            .ok_or(MixError::NotMakeable)?;
        remaining -= taken * step;
        if taken > 0 {
            mix.push((*denomination, taken as u64));
        }
    }
    if remaining != 0 {
        return Err(MixError::NotMakeable);
    }
    Ok(mix)
}

/// `layers[i][v]`: the fewest notes making `v` units from the first `i` denominations
/// (`UNREACHABLE` if none). Bounded counts, one pass per denomination with a sliding
/// window minimum per residue class, so O(target × denominations).
fn fewest_notes(target: usize, steps: &[(usize, usize)]) -> Vec<Vec<u32>> {
    let states = target + 1;
    let mut base = vec![UNREACHABLE; states];
    base[0] = 0;
    let mut layers = Vec::with_capacity(steps.len() + 1);
    layers.push(base);
    for &(step, count) in steps {
        let prev = &layers[layers.len() - 1];
        let mut next = vec![UNREACHABLE; states];
        for residue in 0..step.min(states) {
            // Window of (j', prev[residue + j'·step] − j'), keys non-decreasing.
            let mut window: VecDeque<(usize, i64)> = VecDeque::new();
            let mut j = 0usize;
            let mut v = residue;
            while v < states {
                if prev[v] != UNREACHABLE {
                    let key = i64::from(prev[v]) - j as i64;
                    while window.back().is_some_and(|&(_, k)| k > key) {
                        window.pop_back();
                    }
                    window.push_back((j, key));
                }
                while window
                    .front()
                    .is_some_and(|&(jf, _)| jf.saturating_add(count) < j)
                {
                    window.pop_front();
                }
                if let Some(&(_, key)) = window.front() {
                    next[v] = u32::try_from(key + j as i64).unwrap_or(UNREACHABLE);
                }
                j += 1;
                v += step;
            }
        }
        layers.push(next);
    }
    layers
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn mix(amount: i64, available: &[(i64, u64)]) -> Result<Vec<(i64, u64)>, MixError> {
        let available: Vec<(Decimal, u64)> = available.iter().map(|(a, c)| (d(*a), *c)).collect();
        make_change(d(amount), &available).map(|m| {
            m.into_iter()
                .map(|(den, c)| (den.to_i64().unwrap_or(-1), c))
                .collect()
        })
    }

    const ALL: &[(i64, u64)] = &[(500, 200), (1000, 200), (2000, 200), (5000, 200)];
    const EUR: &[(i64, u64)] = &[(5, 100), (10, 100), (20, 100), (50, 100), (100, 100)];

    #[test]
    fn simple_amounts_use_fewest_notes() {
        assert_eq!(mix(2500, ALL), Ok(vec![(2000, 1), (500, 1)]));
        assert_eq!(mix(5000, ALL), Ok(vec![(5000, 1)]));
        assert_eq!(
            mix(18500, ALL),
            Ok(vec![(5000, 3), (2000, 1), (1000, 1), (500, 1)])
        );
        assert_eq!(
            mix(185, EUR),
            Ok(vec![(100, 1), (50, 1), (20, 1), (10, 1), (5, 1)])
        );
    }

    #[test]
    fn amounts_that_cannot_be_made() {
        assert_eq!(mix(7, EUR), Err(MixError::NotMakeable));
        assert_eq!(
            mix(1500, &[(500, 0), (1000, 50)]),
            Err(MixError::NotMakeable)
        );
        assert_eq!(
            mix(2500, &[(1000, 1), (2000, 5)]),
            Err(MixError::NotMakeable)
        );
        assert_eq!(mix(0, ALL), Err(MixError::InvalidAmount));
        assert_eq!(mix(-500, ALL), Err(MixError::InvalidAmount));
        assert_eq!(mix(500, &[]), Err(MixError::NoNotes));
        assert_eq!(mix(500, &[(500, 0)]), Err(MixError::NoNotes));
        assert_eq!(mix(1_700_500, ALL), Err(MixError::InsufficientCash));
    }

    #[test]
    fn counts_limit_the_mix() {
        // Only two 5000s: the rest comes from smaller notes.
        assert_eq!(
            mix(14000, &[(5000, 2), (2000, 10), (1000, 10)]),
            Ok(vec![(5000, 2), (2000, 2)])
        );
        // Everything loaded, to the last note.
        assert_eq!(
            mix(1_700_000, ALL),
            Ok(vec![(5000, 200), (2000, 200), (1000, 200), (500, 200)])
        );
    }

    #[test]
    fn not_greedy() {
        // Greedy takes 50 and is stuck with 10.
        assert_eq!(mix(60, &[(50, 5), (20, 5)]), Ok(vec![(20, 3)]));
        // Greedy takes 4+1+1; fewest is 3+3.
        assert_eq!(mix(6, &[(1, 5), (3, 5), (4, 5)]), Ok(vec![(3, 2)]));
        // Greedy with counts: one 2000 left, then 1000s are gone → 500s fill in.
        assert_eq!(
            mix(4000, &[(2000, 1), (1000, 0), (500, 4)]),
            Ok(vec![(2000, 1), (500, 4)])
        );
    }

    #[test]
    fn ties_prefer_larger_notes() {
        // 30 = 20+10 (two notes) rather than 10+10+10.
        assert_eq!(mix(30, &[(10, 5), (20, 5)]), Ok(vec![(20, 1), (10, 1)]));
        // 6 = 3+3 or 5+1, both two notes: the one with the larger note wins.
        assert_eq!(mix(6, &[(1, 5), (3, 5), (5, 5)]), Ok(vec![(5, 1), (1, 1)]));
    }

    #[test]
    fn fractional_denominations() {
        let available = [(Decimal::new(5, 1), 10), (Decimal::from(1), 10)];
        let m = make_change(Decimal::new(250, 2), &available).expect("2.50 makeable");
        assert_eq!(m, vec![(Decimal::from(1), 2), (Decimal::new(5, 1), 1)]);
        assert_eq!(
            make_change(Decimal::new(25, 2), &available),
            Err(MixError::NotMakeable)
        );
    }

    #[test]
    fn duplicate_denominations_are_merged() {
        assert_eq!(mix(3000, &[(1000, 2), (1000, 1)]), Ok(vec![(1000, 3)]));
    }

    #[test]
    fn huge_amounts_do_not_hang() {
        let available = [(d(1), u64::MAX), (d(3), 5)];
        assert_eq!(
            make_change(Decimal::from(10_000_000_000i64), &available),
            Err(MixError::TooLarge)
        );
        assert_eq!(
            make_change(Decimal::MAX, &[(d(5000), 200)]),
            Err(MixError::InsufficientCash)
        );
    }
}
