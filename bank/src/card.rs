//! Card secrets: how a card number becomes a lookup token and a masked form, and how PINs
//! are hashed and verified. The clear card number and PIN exist only on the stack of these
//! functions; nothing here returns, stores or prints them.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::error::BankError;

/// Mixed into every card-number hash so that a copy of the database alone does not let
/// anyone confirm a guessed card number with a plain SHA-256. A real bank keeps this in an
/// HSM or a secret store; for the embedded demo bank it is a constant.
const PAN_PEPPER: &str = "atmflow-demo-bank/pan-pepper/v1/7c1f0e5a9b2d";

/// Argon2id cost for PIN hashes: 8 KiB, one pass, one lane. Deliberately cheap: the data
/// is demo data, tests verify PINs many times, and a 4-digit PIN cannot be protected by
/// hashing cost anyway (10,000 candidates): what protects it is the try counter and the
/// card block. A production bank verifies PINs in an HSM (PIN blocks), not with a hash.
const PIN_HASH_MEMORY_KIB: u32 = 8;
const PIN_HASH_PASSES: u32 = 1;
const PIN_HASH_LANES: u32 = 1;

/// The card number with spaces removed, if what remains is 12 to 19 digits.
fn normalise(pan: &str) -> Option<String> {
    let digits: String = pan.chars().filter(|c| !c.is_whitespace()).collect();
    let valid = (12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(digits)
}

/// The token under which a card is stored and looked up: hex SHA-256 of pepper and number.
/// `None` when the text is not a card number at all.
pub(crate) fn pan_token(pan: &str) -> Option<String> {
    let digits = normalise(pan)?;
    let mut hasher = Sha256::new();
    hasher.update(PAN_PEPPER.as_bytes());
    hasher.update(b":");
    hasher.update(digits.as_bytes());
    Some(hex::encode(hasher.finalize()))
}

/// `4741230000001234` as `474123******1234`: the first six (the issuer) and the last four.
pub(crate) fn mask_pan(pan: &str) -> Option<String> {
    let digits = normalise(pan)?;
    let hidden = digits.len() - 10;
    Some(format!(
        "{}{}{}",
        &digits[..6],
        "*".repeat(hidden),
        &digits[digits.len() - 4..]
    ))
}

/// `5234560000007788` as `5234 56** **** 7788`: the credit cards' form, in groups of four
/// with the first six and the last four digits shown.
pub(crate) fn mask_pan_grouped(pan: &str) -> Option<String> {
    let masked = mask_pan(pan)?;
    let chars: Vec<char> = masked.chars().collect();
    Some(
        chars
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Whether `pin` is a PIN this bank issues: exactly four ASCII digits.
pub(crate) fn is_valid_pin(pin: &str) -> bool {
    pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit())
}

fn hasher() -> Result<Argon2<'static>, BankError> {
    let params = Params::new(PIN_HASH_MEMORY_KIB, PIN_HASH_PASSES, PIN_HASH_LANES, None)
        .map_err(|e| BankError::PinHash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An Argon2id PHC string (`$argon2id$v=19$m=8,t=1,p=1$salt$hash`) with a random salt.
pub(crate) fn hash_pin(pin: &str) -> Result<String, BankError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| BankError::PinHash(e.to_string()))
}

/// Whether `pin` matches the stored hash. The cost parameters are read from the hash
/// itself, so hashes written with other parameters keep verifying.
pub(crate) fn verify_pin(pin: &str, stored: &str) -> Result<bool, BankError> {
    let parsed = PasswordHash::new(stored).map_err(|e| BankError::PinHash(e.to_string()))?;
    match hasher()?.verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(BankError::PinHash(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_and_ignore_spaces() {
        let a = pan_token("4741230000001234").expect("valid pan");
        let b = pan_token("4741 2300 0000 1234").expect("valid pan");
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert!(!a.contains("4741230000001234"));
        assert_ne!(Some(a), pan_token("4741230000005678"));
        assert_eq!(pan_token("47412300000012x4"), None);
        assert_eq!(pan_token("1234"), None);
    }

    #[test]
    fn masks_keep_issuer_and_last_four() {
        assert_eq!(
            mask_pan("4741230000001234").as_deref(),
            Some("474123******1234")
        );
        assert_eq!(
            mask_pan("5355000000009999").as_deref(),
            Some("535500******9999")
        );
    }

    #[test]
    fn credit_card_masks_are_grouped() {
        assert_eq!(
            mask_pan_grouped("5234560000007788").as_deref(),
            Some("5234 56** **** 7788")
        );
        assert_eq!(mask_pan_grouped("52345600"), None);
    }

    #[test]
    fn pins_are_four_digits() {
        assert!(is_valid_pin("0000"));
        assert!(is_valid_pin("9876"));
        for bad in ["", "123", "12345", "12a4", "１２３４", " 123"] {
            assert!(!is_valid_pin(bad), "{bad:?}");
        }
    }

    #[test]
    fn pins_hash_and_verify() {
        let hash = hash_pin("1234").expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(verify_pin("1234", &hash).expect("verify"));
        assert!(!verify_pin("1235", &hash).expect("verify"));
        assert!(!verify_pin("", &hash).expect("verify"));
    }
}
