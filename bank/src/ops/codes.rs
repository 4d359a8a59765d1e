//! One-time codes (unique withdrawal codes, business deposit codes, SMS codes for a
//! cardless deposit) and how phones are shown.
//!
//! Codes are 6 digits. They are stored only as a peppered hash, like card numbers: a copy of
//! the database does not list the codes that can be used. (Six digits cannot be protected by
//! hashing against someone who has the database; what protects them at the terminal is the
//! amount that must match, the terminal binding, the expiry and the one use.)
//!
//! Codes are made deterministically from a peppered hash of what they are for, a sequence
//! number and the time, so tests and scenarios are repeatable; a production bank draws them
//! from a CSPRNG. A new withdrawal or deposit code is never equal to a code of the same kind
//! that is still live.

use chrono::NaiveDateTime;

use super::fingerprint;

/// Mixed into code hashes and into code generation.
const CODE_PEPPER: &str = "atmflow-demo-bank/one-time-code/v1/3f9a61";

/// Digits in a one-time code.
pub(super) const CODE_DIGITS: usize = 6;

/// The stored form of a code: a peppered hash, per purpose.
pub(super) fn code_hash(purpose: &str, code: &str) -> String {
    fingerprint(&[CODE_PEPPER, "hash", purpose, code.trim()])
}

/// The `attempt`th candidate code for the `seq`th code of a purpose, made at `now`.
pub(super) fn candidate_code(purpose: &str, seq: i64, attempt: u32, now: NaiveDateTime) -> String {
    let hash = fingerprint(&[
        CODE_PEPPER,
        "make",
        purpose,
        &seq.to_string(),
        &attempt.to_string(),
        &now.format("%Y%m%d%H%M%S").to_string(),
    ]);
    let n = u64::from_str_radix(&hash[..12], 16).unwrap_or(0) % 1_000_000;
    format!("{n:06}")
}

/// Whether `text` could be a code: exactly six ASCII digits.
pub(super) fn is_code(text: &str) -> bool {
    text.len() == CODE_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// `+355694445566` as `+355 69 *** 5566`: the operator prefix and the last four digits.
pub(crate) fn mask_phone(number: &str) -> String {
    let compact: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    match (compact.get(..4), compact.get(4..6), compact.len()) {
        (Some(country), Some(prefix), len) if len >= 10 && compact.starts_with("+355") => {
            format!("{country} {prefix} *** {}", &compact[len - 4..])
        }
        (_, _, len) if len > 4 => format!("*** {}", &compact[len - 4..]),
        _ => "***".to_string(),
    }
}

/// The first run of exactly six digits in a text: the code an SMS carries.
pub(crate) fn code_in(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let len = rest[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - start);
        if len == CODE_DIGITS {
            return Some(rest[start..start + len].to_string());
        }
        rest = &rest[start + len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("+355694445566"), "+355 69 *** 5566");
        assert_eq!(mask_phone("+355 68 234 5678"), "+355 68 *** 5678");
        assert_eq!(mask_phone("0612345"), "*** 2345");
        assert_eq!(mask_phone("12"), "***");
    }

    #[test]
    fn codes_are_six_digits_and_found_in_texts() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("time");
        let a = candidate_code("withdrawal", 1, 0, at);
        assert!(is_code(&a), "{a}");
        assert_eq!(a, candidate_code("withdrawal", 1, 0, at));
        assert_ne!(a, candidate_code("withdrawal", 2, 0, at));
        assert_ne!(code_hash("withdrawal", &a), code_hash("business", &a));
        assert!(!is_code("12345") && !is_code("1234567") && !is_code("12a456"));
        assert_eq!(
            code_in("BKT: kodi 123456, deri 26.11.2026 10:30").as_deref(),
            Some("123456")
        );
        assert_eq!(code_in("1234567 and 12345").as_deref(), None);
    }
}
