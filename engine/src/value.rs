//! Runtime values and their static types, shared by the expression language, the
//! interpreter, the ports and the journal.
//!
//! Money is exact (`rust_decimal`); there is no floating point anywhere. Secrets (PIN,
//! full card number, one-time codes) are a value of their own whose text never leaves
//! through `Debug`, `Display` or `Serialize`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// An ISO 4217 currency code such as `ALL` or `EUR`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Currency(pub String);

impl Currency {
    pub fn new(code: &str) -> Option<Currency> {
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
            .then(|| Currency(code.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An exact amount in a currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// A secret (PIN, full card number, one-time code). Its text is only reachable through
/// [`Secret::expose`], which the bank and the devices call; it is never printed,
/// serialized or shown.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }
    /// The secret's text, for the host or a device that must verify it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

/// A value at run time.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    Bool(bool),
    Number(#[serde(with = "rust_decimal::serde::str")] Decimal),
    Money(Money),
    Text(String),
    Date(NaiveDate),
    Secret(Secret),
    List(Vec<Value>),
    Record(BTreeMap<String, Value>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }
    pub fn number(n: i64) -> Value {
        Value::Number(Decimal::from(n))
    }
    pub fn record<I, K>(fields: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Record(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_money(&self) -> Option<&Money> {
        match self {
            Value::Money(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_secret(&self) -> Option<&Secret> {
        match self {
            Value::Secret(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    pub fn as_record(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }
    /// A field of a record value.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.as_record().and_then(|r| r.get(name))
    }

    /// The value as a customer may see it on a screen. Secrets show as dots.
    pub fn display(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.normalize().to_string(),
            Value::Money(m) => format_money(m),
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.format("%d.%m.%Y").to_string(),
            Value::Secret(s) => "•".repeat(s.len()),
            Value::List(items) => items
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(", "),
            Value::Record(fields) => fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.display()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// `5000 ALL` as `5,000.00 ALL`: thousands grouped, two decimals.
pub fn format_money(m: &Money) -> String {
    let rounded = m.amount.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!(
        "{}{grouped}.{frac} {}",
        if negative { "-" } else { "" },
        m.currency
    )
}

/// The static type of a value, checked when flows load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    Money,
    Text,
    Date,
    Secret,
    List(Box<Type>),
    /// A record with known fields. Named record types from the catalogue are expanded
    /// into this when flows load.
    Record(BTreeMap<String, Type>),
    /// The element type of an empty list literal; unifies with any type.
    Any,
}

impl Type {
    /// Whether a value of type `other` may be stored where `self` is expected.
    pub fn accepts(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::List(a), Type::List(b)) => a.accepts(b),
            (Type::Record(a), Type::Record(b)) => a
                .iter()
                .all(|(k, t)| b.get(k).is_some_and(|bt| t.accepts(bt))),
            (a, b) => a == b,
        }
    }

    /// The value a variable of this type holds before anything is assigned.
    pub fn default_value(&self) -> Value {
        match self {
            Type::Bool => Value::Bool(false),
            Type::Number | Type::Any => Value::Number(Decimal::ZERO),
            Type::Money => Value::Money(Money::new(Decimal::ZERO, Currency("ALL".into()))),
            Type::Text => Value::Text(String::new()),
            Type::Date => Value::Date(NaiveDate::default()),
            Type::Secret => Value::Secret(Secret::default()),
            Type::List(_) => Value::List(Vec::new()),
            Type::Record(fields) => Value::Record(
                fields
                    .iter()
                    .map(|(k, t)| (k.clone(), t.default_value()))
                    .collect(),
            ),
        }
    }

    /// Whether `value` has this type.
    pub fn admits(&self, value: &Value) -> bool {
        match (self, value) {
            (Type::Any, _) => true,
            (Type::Bool, Value::Bool(_))
            | (Type::Number, Value::Number(_))
            | (Type::Money, Value::Money(_))
            | (Type::Text, Value::Text(_))
            | (Type::Date, Value::Date(_))
            | (Type::Secret, Value::Secret(_)) => true,
            (Type::List(t), Value::List(items)) => items.iter().all(|v| t.admits(v)),
            (Type::Record(fields), Value::Record(values)) => fields
                .iter()
                .all(|(k, t)| values.get(k).is_some_and(|v| t.admits(v))),
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::Money => f.write_str("money"),
            Type::Text => f.write_str("text"),
            Type::Date => f.write_str("date"),
            Type::Secret => f.write_str("secret"),
            Type::Any => f.write_str("any"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Record(fields) => {
                f.write_str("{")?;
                for (i, (k, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {t}")?;
                }
                f.write_str("}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_formatted_with_grouping_and_two_decimals() {
        let m = Money::new(
            Decimal::from_str("1234567.5").unwrap(),
            Currency("ALL".into()),
        );
        assert_eq!(format_money(&m), "1,234,567.50 ALL");
        let m = Money::new(Decimal::from_str("-500").unwrap(), Currency("EUR".into()));
        assert_eq!(format_money(&m), "-500.00 EUR");
    }

    #[test]
    fn secrets_never_print_or_serialize() {
        let v = Value::Secret(Secret::new("1234"));
        assert!(!format!("{v:?}").contains("1234"));
        assert!(!serde_json::to_string(&v).unwrap().contains("1234"));
        assert_eq!(v.display(), "••••");
    }

    #[test]
    fn record_types_accept_wider_records() {
        let narrow = Type::Record([("id".to_string(), Type::Text)].into());
        let wide = Type::Record(
            [
                ("id".to_string(), Type::Text),
                ("balance".to_string(), Type::Money),
            ]
            .into(),
        );
        assert!(narrow.accepts(&wide));
        assert!(!wide.accepts(&narrow));
    }
}
