//! The flow format as it is written in YAML: the raw, spanned shapes that serde reads.
//!
//! Every value a check may complain about is a [`Spanned`], so diagnostics can name the
//! file, line and column. Steps are structs with one optional field per kind (rather than
//! an internally tagged enum) because serde-saphyr loses spans inside tagged enums; the
//! loader checks that exactly one kind is given. `docs/flow-format.md` documents all of it.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A spanned string: a name, an expression or a text key, with where it was written.
pub type Src = Spanned<String>;

/// `flows/terminal.yaml`: how the terminal runs the flows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalFile {
    /// Languages every text must have; the first is the default.
    pub languages: Vec<Src>,
    /// The flow each session starts in (the idle screen).
    pub entry: Src,
    /// Variables that live for one session and every flow can read as `session.NAME`.
    #[serde(default)]
    pub session: IndexMap<String, Src>,
    /// Flows that handle what a step leaves unhandled.
    #[serde(default)]
    pub handlers: HandlersDef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlersDef {
    /// A screen timed out and its step has no `timeout` branch ("more time?").
    pub timeout: Option<Src>,
    /// The customer pressed `eject` and the step has no `eject` branch.
    pub eject: Option<Src>,
    /// A device reported `fault` and the step has no `fault` branch.
    pub fault: Option<Src>,
    /// The host could not be reached and the step has no `unavailable` branch.
    pub unavailable: Option<Src>,
}

/// `flows/catalogue.yaml`: record types, host operations and device commands and events.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    #[serde(default)]
    pub types: IndexMap<String, IndexMap<String, Src>>,
    #[serde(default)]
    pub host: IndexMap<String, HostOpDef>,
    #[serde(default)]
    pub devices: IndexMap<String, DeviceDef>,
    /// Events from outside the devices (another channel, a test harness), by name, with
    /// their data fields. Screen and `wait` steps may handle them.
    #[serde(default)]
    pub signals: IndexMap<String, IndexMap<String, Src>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostOpDef {
    #[serde(default)]
    pub args: IndexMap<String, Src>,
    /// The result's type: a type name, `list<T>`, or a map of fields.
    pub result: Spanned<TypeDef>,
    /// Whether the operation moves money (checked by the linter's `unconfirmed-money`).
    #[serde(default)]
    pub moves_money: bool,
    /// Refusal codes the host may answer with; each is an event the step may handle.
    #[serde(default)]
    pub errors: Vec<Src>,
    #[serde(default)]
    pub doc: Option<String>,
}

/// A type written either as a name (`money`, `list<account>`) or as a map of fields.
#[derive(Debug)]
pub enum TypeDef {
    Named(Src),
    Fields(IndexMap<String, Src>),
}

impl<'de> Deserialize<'de> for TypeDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TypeDef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a type name such as `money` or `list<account>`, or a map of fields")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeDef, E> {
                Ok(TypeDef::Named(Spanned::new(
                    v.to_string(),
                    serde_saphyr::Location::UNKNOWN,
                    serde_saphyr::Location::UNKNOWN,
                )))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeDef, A::Error> {
                let mut fields = IndexMap::new();
                while let Some((k, v)) = map.next_entry::<String, Src>()? {
                    fields.insert(k, v);
                }
                Ok(TypeDef::Fields(fields))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceDef {
    #[serde(default)]
    pub commands: IndexMap<String, IndexMap<String, Src>>,
    #[serde(default)]
    pub events: IndexMap<String, IndexMap<String, Src>>,
}

/// `flows/texts*.yaml`: texts shared by all flows, by key, in every language.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TextsFile {
    pub texts: IndexMap<String, Spanned<IndexMap<String, Src>>>,
}

/// A flow file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowFile {
    /// The inventory id of the manual's screen or transaction.
    pub id: Src,
    /// The manual section, e.g. `§III.2`.
    pub manual: Src,
    /// What the flow is for, for staff.
    #[serde(default)]
    pub description: Option<String>,
    /// Values the caller passes in (`call` step `args`), by name and type.
    #[serde(default)]
    pub inputs: IndexMap<String, Spanned<TypeDef>>,
    /// The flow's own variables, by name and type (a type name or a map of fields).
    #[serde(default)]
    pub vars: IndexMap<String, Spanned<TypeDef>>,
    /// Variables handed back to the caller as the fields of its `result` record.
    #[serde(default)]
    pub outputs: Vec<Src>,
    pub start: Src,
    pub steps: IndexMap<String, Spanned<StepDef>>,
    #[serde(default)]
    pub screens: IndexMap<String, Spanned<ScreenDef>>,
    /// Texts of this flow, by key; they shadow shared texts of the same key.
    #[serde(default)]
    pub texts: IndexMap<String, Spanned<IndexMap<String, Src>>>,
}

/// One step. Exactly one of `screen`, `host`, `device`, `call`, `decide`, `wait`, `end` is given.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// Show this screen of the flow and wait for an event.
    pub screen: Option<Src>,
    /// Call this host operation; events `ok`, its refusal codes, `unavailable`.
    pub host: Option<Src>,
    /// Send `device.command`; the device's events follow.
    pub device: Option<Src>,
    /// Run this flow; its end outcomes are this step's events.
    pub call: Option<Src>,
    /// Take the first branch whose `if` holds.
    pub decide: Option<Vec<BranchDef>>,
    /// End this flow with this outcome.
    pub end: Option<Src>,
    /// Wait for an event without showing a screen: `wait: {}` or `wait: {timeout: expr}`.
    pub wait: Option<WaitDef>,
    /// Arguments of `host`, `device` or `call`, as expressions.
    #[serde(default)]
    pub args: IndexMap<String, Src>,
    /// The variable that receives the host result (on `ok`) or the called flow's outputs.
    pub result: Option<Src>,
    /// Assignments made when the step is entered, before it acts.
    #[serde(default)]
    pub set: IndexMap<Src, Src>,
    /// What to do on each event.
    #[serde(default)]
    pub on: IndexMap<Src, Spanned<Transition>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WaitDef {
    /// Seconds before the `timeout` event, as an expression.
    pub timeout: Option<Src>,
}

/// The branches taken on one event: written as a step name, one branch, or a list.
#[derive(Debug)]
pub struct Transition {
    pub branches: Vec<BranchDef>,
}

/// One guarded way out: if `if` holds (or there is none), do `set`, then go to `goto`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchDef {
    #[serde(rename = "if")]
    pub guard: Option<Src>,
    #[serde(default)]
    pub set: IndexMap<Src, Src>,
    pub goto: Src,
}

impl<'de> Deserialize<'de> for Transition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A custom visitor rather than an untagged enum: untagged enums buffer their
        // input and lose the spans of everything inside.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Transition;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a step name, a branch {if, set, goto}, or a list of branches")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Transition, E> {
                Ok(Transition {
                    branches: vec![BranchDef {
                        guard: None,
                        set: IndexMap::new(),
                        goto: Spanned::new(
                            v.to_string(),
                            serde_saphyr::Location::UNKNOWN,
                            serde_saphyr::Location::UNKNOWN,
                        ),
                    }],
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Transition, A::Error> {
                let branch = BranchDef::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Transition {
                    branches: vec![branch],
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Transition, A::Error> {
                let mut branches = Vec::new();
                while let Some(b) = seq.next_element::<BranchDef>()? {
                    branches.push(b);
                }
                Ok(Transition { branches })
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A screen: texts, inputs, choices, buttons and a timeout.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ScreenDef {
    /// Text key of the title.
    pub title: Option<Src>,
    /// Text keys of the lines shown under the title; texts may hold `{expressions}`.
    #[serde(default)]
    pub lines: Vec<Src>,
    /// Shown only when the expression holds: `{if: expr, text: key}`.
    #[serde(default)]
    pub notes: Vec<NoteDef>,
    /// Text keys of the promotional messages; the screen shows one at a time, in turn.
    #[serde(default)]
    pub promo: Vec<Src>,
    /// Text keys of small print at the foot of the screen: the service phone, fees.
    #[serde(default)]
    pub footer: Vec<Src>,
    /// A table of label/value rows: `[label key, value template]`.
    #[serde(default)]
    pub table: Vec<(Src, Src)>,
    /// A table with one row per item of a list, e.g. the notes counted.
    pub rows: Option<RowsDef>,
    #[serde(default)]
    pub inputs: Vec<Spanned<InputDef>>,
    /// Buttons made from a list: one per item, e.g. preset amounts or accounts.
    pub choices: Option<ChoicesDef>,
    #[serde(default)]
    pub buttons: Vec<Spanned<ButtonDef>>,
    /// A QR code whose payload is this template.
    pub qr: Option<Src>,
    /// Seconds before the `timeout` event, as an expression (usually a parameter).
    pub timeout: Option<Src>,
    /// Offer the language switch on this screen.
    #[serde(default)]
    pub languages: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteDef {
    #[serde(rename = "if")]
    pub guard: Src,
    pub text: Src,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDef {
    pub id: Src,
    /// `amount`, `digits`, `pin` or `text`.
    pub kind: Src,
    /// Text key of the label.
    pub label: Option<Src>,
    /// The variable that receives the input when a button is pressed.
    pub bind: Src,
    /// For `amount`: the currency, as an expression.
    pub currency: Option<Src>,
    /// For `digits` and `text`: the pattern (a regular expression) a complete entry matches.
    pub pattern: Option<Src>,
    /// Most characters accepted.
    pub max: Option<u32>,
    /// For `digits`: keep the entry secret (one-time codes), masked on screen.
    #[serde(default)]
    pub secret: bool,
    /// Text before the typed digits (e.g. `+3556`), part of the bound value.
    pub prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoicesDef {
    /// The event each choice raises; `event.item` is the chosen item.
    pub id: Src,
    /// The list of items, as an expression.
    pub items: Src,
    /// A template for each button's label; `item` is the item.
    pub label: Src,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowsDef {
    /// The list, as an expression; `item` is each element in the templates.
    pub items: Src,
    pub label: Src,
    pub value: Src,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonDef {
    /// The event the button raises.
    pub id: Src,
    /// Text key of the label.
    pub label: Src,
    /// Enabled only while this expression holds.
    pub enabled: Option<Src>,
    /// Text key saying why the button is disabled.
    pub reason: Option<Src>,
    /// Shown only while this expression holds.
    #[serde(rename = "if")]
    pub visible: Option<Src>,
    #[serde(default)]
    pub primary: bool,
    /// The side function key that also presses the button: `F1`-`F4` beside the
    /// screen's left edge, top to bottom, `F5`-`F8` beside its right edge.
    pub key: Option<Src>,
}

/// `flows/params*.yaml`: the parameters staff edit (presets, multiples, limits, timeouts).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsFile {
    pub params: IndexMap<String, Spanned<ParamNode>>,
}

/// A parameter value. Integers and quoted decimals are exact; `5000 ALL` is money.
#[derive(Debug, Clone)]
pub enum ParamNode {
    Bool(bool),
    Integer(i128),
    /// A string scalar; the loader reads `5000 ALL` as money and `20.10` as a number.
    Text(String),
    /// A plain decimal such as `20.10`: refused, because YAML would read it through f64.
    Float,
    List(Vec<Spanned<ParamNode>>),
    Map(IndexMap<String, Spanned<ParamNode>>),
}

impl<'de> Deserialize<'de> for ParamNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ParamNode;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, a text, a list or a map")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ParamNode, E> {
                Ok(ParamNode::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamNode, E> {
                Ok(ParamNode::Integer(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamNode, E> {
                Ok(ParamNode::Integer(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<ParamNode, E> {
                Ok(ParamNode::Integer(v))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ParamNode, E> {
                Ok(ParamNode::Float)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamNode, E> {
                Ok(ParamNode::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ParamNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<ParamNode>>()? {
                    items.push(item);
                }
                Ok(ParamNode::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParamNode, A::Error> {
                let mut fields = IndexMap::new();
                while let Some((k, v)) = map.next_entry::<String, Spanned<ParamNode>>()? {
                    fields.insert(k, v);
                }
                Ok(ParamNode::Map(fields))
            }
        }
        deserializer.deserialize_any(V)
    }
}
