//! The JSON Schema (draft 7) of the flow files, for YAML editors.
//!
//! One hand-written document describes every kind of file under `flows/`: `terminal.yaml`,
//! `catalogue.yaml`, `params*.yaml`, `texts*.yaml` and the flows. A YAML language server
//! does not know a file's name, so the root picks the kind from the keys the file uses
//! (`languages`/`entry` → terminal; `types`/`host`/`devices`/`signals` → catalogue;
//! `params` → params; `texts` alone → texts; anything else → flow), as the loader picks
//! it from the name. [`schema_for`] gives the schema of one kind, for tools that know the
//! file name.
//!
//! The shapes follow [`crate::model`]: `additionalProperties: false` wherever the model
//! denies unknown fields (a test compares the keys). Expressions and templates accept any
//! YAML scalar, as the loader reads an unquoted `5` or `true` as the expression's text.
//! A few checks the loader makes later are made here too, so the editor shows them while
//! typing: one kind per step, no `on` in `decide`/`end` steps, a `currency` for amount
//! inputs, and names (not broken YAML like `{x: money(0, c)}`) as `set` and `args` keys.
//! Everything else (names, types, expressions) is checked by `atmflow lint`.
//! `docs/flow-format.md` documents the format for people.

use std::path::Path;

use serde_json::{Value, json};

use crate::ports::DeviceClass;

/// The kinds of flow file, told apart by file name as the loader does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Terminal,
    Catalogue,
    Params,
    Texts,
    Flow,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::Terminal,
        FileKind::Catalogue,
        FileKind::Params,
        FileKind::Texts,
        FileKind::Flow,
    ];

    /// `terminal.yaml`, `catalogue.yaml`, `params*.yaml` (`params.yaml`, `params.x.yaml`,
    /// `params_x.yaml`), `texts*.yaml` likewise; every other `.yaml` file is a flow.
    pub fn of_path(path: &Path) -> FileKind {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let family = |base: &str| {
            stem == base
                || stem
                    .strip_prefix(base)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('_'))
        };
        match stem {
            "terminal" => FileKind::Terminal,
            "catalogue" => FileKind::Catalogue,
            _ if family("params") => FileKind::Params,
            _ if family("texts") => FileKind::Texts,
            _ => FileKind::Flow,
        }
    }

    /// The name of the kind's entry under `definitions`.
    pub fn definition(self) -> &'static str {
        match self {
            FileKind::Terminal => "terminal",
            FileKind::Catalogue => "catalogue",
            FileKind::Params => "params",
            FileKind::Texts => "texts",
            FileKind::Flow => "flow",
        }
    }
}

const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// The schema of every flow file as one JSON value: `atmflow schema` prints it.
pub fn json_schema() -> Value {
    let by_keys = |keys: &[&str]| {
        let any: Vec<Value> = keys.iter().map(|k| json!({"required": [k]})).collect();
        json!({"type": "object", "anyOf": any})
    };
    let flow_keys = ["id", "manual", "start", "steps"];
    let texts_alone = {
        let flow: Vec<Value> = flow_keys.iter().map(|k| json!({"required": [k]})).collect();
        json!({"type": "object", "required": ["texts"], "not": {"anyOf": flow}})
    };
    json!({
        "$schema": DRAFT_07,
        "title": "atmflow flow files",
        "description": "Any YAML file under flows/: terminal.yaml, catalogue.yaml, params*.yaml, texts*.yaml or a flow. The kind is chosen by the keys the file uses, as the loader chooses it by the file name. See docs/flow-format.md.",
        "definitions": definitions(),
        "if": by_keys(&["languages", "entry", "session", "handlers"]),
        "then": reference("terminal"),
        "else": {
            "if": by_keys(&["types", "host", "devices", "signals"]),
            "then": reference("catalogue"),
            "else": {
                "if": by_keys(&["params"]),
                "then": reference("params"),
                "else": {
                    "if": texts_alone,
                    "then": reference("texts"),
                    "else": reference("flow")
                }
            }
        }
    })
}

/// The schema of one kind of file, e.g. for a tool that knows the file's name.
pub fn schema_for(kind: FileKind) -> Value {
    json!({
        "$schema": DRAFT_07,
        "title": format!("atmflow {} file", kind.definition()),
        "definitions": definitions(),
        "allOf": [reference(kind.definition())]
    })
}

fn reference(definition: &str) -> Value {
    json!({"$ref": format!("#/definitions/{definition}")})
}

/// A reference with its own description (draft 7 ignores keywords beside `$ref`).
fn described_ref(definition: &str, description: &str) -> Value {
    json!({"description": description, "allOf": [reference(definition)]})
}

/// An expression of the flow language. YAML may give it unquoted as a number or a bool.
fn expr(description: &str) -> Value {
    json!({"type": ["string", "number", "boolean"], "description": description})
}

/// A text with `{expression}` holes.
fn template(description: &str) -> Value {
    json!({"type": ["string", "number", "boolean"], "description": description})
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn boolean(description: &str) -> Value {
    json!({"type": "boolean", "description": description, "default": false})
}

fn list_of(items: Value, description: &str) -> Value {
    json!({"type": "array", "description": description, "items": items})
}

fn map_of(values: Value, description: &str) -> Value {
    json!({"type": "object", "description": description, "additionalProperties": values})
}

fn device_names() -> Vec<&'static str> {
    DeviceClass::ALL.iter().map(|c| c.name()).collect()
}

fn definitions() -> Value {
    let devices = device_names();
    let device_command = format!(r"^({})\.[A-Za-z_][A-Za-z0-9_]*$", devices.join("|"));
    // Built apart: one json! literal of the whole schema reaches the macro's recursion limit.
    let side_key = json!({
        "description": "The side function key that also presses the button: F1-F4 beside the screen's left edge, top to bottom, F5-F8 beside its right edge.",
        "enum": crate::ports::SIDE_KEYS
    });
    json!({
        // ----- shared pieces -----
        "typeName": {
            "type": "string",
            "description": "A type: bool, number, money, text, date, secret, list<T>, or a record type declared under `types:` in catalogue.yaml.",
            "pattern": r"^\s*(list<\s*)*[A-Za-z_][A-Za-z0-9_]*(\s*>)*\s*$",
            "patternErrorMessage": "a type is a name such as money, text or account, or list<T>",
            "examples": ["bool", "number", "money", "text", "date", "secret", "list<money>", "account"]
        },
        "fields": map_of(
            reference("typeName"),
            "Named fields and their types, e.g. {amount: money, currency: text}."
        ),
        "typeDef": {
            "description": "A type name (`money`, `list<account>`) or an inline record: a map of field names to type names, e.g. {amount: money}.",
            "oneOf": [reference("typeName"), reference("fields")]
        },
        "text": {
            "type": "object",
            "description": "One text in every language of the terminal, by language code, e.g. {sq: \"Po\", en: \"Yes\"}. A text may hold {expressions}; `{{` and `}}` are literal braces.",
            "minProperties": 1,
            "additionalProperties": template("The text in this language.")
        },
        "texts": {
            "type": "object",
            "description": "texts*.yaml: texts shared by all flows, by key, in every language of the terminal.",
            "additionalProperties": false,
            "required": ["texts"],
            "properties": {
                "texts": map_of(reference("text"), "Texts by key, e.g. `btn.ok: {sq: \"OK\", en: \"OK\"}`. A flow's own text of the same key shadows a shared one.")
            }
        },
        "assignments": {
            "type": "object",
            "description": "Assignments: a flow variable or `session.NAME`, and the expression it is set to, done in order. Inside `{ ... }` quote a value holding `,`: {x: \"money(0, currency)\"}.",
            "propertyNames": {
                "pattern": r"^\s*(session\.)?[A-Za-z_][A-Za-z0-9_]*\s*$",
                "patternErrorMessage": "not a variable name: inside { ... } put quotes around a value that holds a comma, e.g. {x: \"money(0, currency)\"}"
            },
            "additionalProperties": expr("The value, as an expression of the variable's type.")
        },

        // ----- terminal.yaml -----
        "terminal": {
            "type": "object",
            "description": "terminal.yaml: how the terminal runs the flows.",
            "additionalProperties": false,
            "required": ["languages", "entry"],
            "properties": {
                "languages": {
                    "type": "array",
                    "description": "Languages every text must have; the first is the default.",
                    "minItems": 1,
                    "items": string("A language code, e.g. sq or en.")
                },
                "entry": string("The flow each session starts in (the idle screen)."),
                "session": map_of(
                    reference("typeName"),
                    "Variables that live for one session and every flow can read as `session.NAME`, by name and type. They are wiped when the session ends."
                ),
                "handlers": described_ref("handlers", "Flows that handle what a step leaves unhandled.")
            }
        },
        "handlers": {
            "type": "object",
            "description": "Session handlers: flows started when a step does not handle an event. A handler flow that ends with outcome `resume` re-enters the interrupted step; any other outcome ends the session.",
            "additionalProperties": false,
            "properties": {
                "timeout": string("A screen timed out and its step has no `timeout` branch (\"more time?\")."),
                "eject": string("The customer pressed `eject` and the step has no `eject` branch."),
                "fault": string("A device reported `fault` and the step has no `fault` branch; also a run-time error in an expression."),
                "unavailable": string("The host could not be reached, or refused with a code the step does not handle, and the step has no branch for it.")
            }
        },

        // ----- catalogue.yaml -----
        "catalogue": {
            "type": "object",
            "description": "catalogue.yaml: record types, host operations, and device commands and events.",
            "additionalProperties": false,
            "properties": {
                "types": map_of(
                    reference("fields"),
                    "Record types by name, each a map of fields to types; a type may use the types above it."
                ),
                "host": map_of(
                    reference("hostOp"),
                    "Operations of the bank host, by name, as `host` steps call them."
                ),
                "devices": {
                    "type": "object",
                    "description": "Device classes, with the commands `device` steps may send and the events they report.",
                    "propertyNames": {"enum": devices},
                    "additionalProperties": reference("device")
                },
                "signals": map_of(
                    reference("fields"),
                    "Events from outside the devices (another channel, a test harness), by name, with their data fields and types. Screen and `wait` steps may handle them."
                )
            }
        },
        "hostOp": {
            "type": "object",
            "description": "A host operation: its arguments, result type, refusal codes.",
            "additionalProperties": false,
            "required": ["result"],
            "properties": {
                "args": map_of(reference("typeName"), "Arguments by name and type; a `host` step must give every one."),
                "result": described_ref("typeDef", "The result's type: a type name, `list<T>`, or a map of fields. A step receives it as `event` on `ok` and stores it in its `result` variable."),
                "moves_money": boolean("Whether the operation moves money (checked by the linter's `unconfirmed-money`)."),
                "errors": list_of(string("A refusal code."), "Refusal codes the host may answer with; each is an event the step may handle, with `event.code` and `event.message`."),
                "doc": string("What the operation does, for staff.")
            }
        },
        "device": {
            "type": "object",
            "description": "One device class.",
            "additionalProperties": false,
            "properties": {
                "commands": map_of(reference("fields"), "Commands by name, each with its arguments and their types ({} for none)."),
                "events": map_of(reference("fields"), "Events by name, each with the fields of its data (`event.FIELD`) and their types.")
            }
        },

        // ----- params*.yaml -----
        "params": {
            "type": "object",
            "description": "params*.yaml: the parameters staff edit (presets, multiples, limits, timeouts). Flows read them as `params.NAME`.",
            "additionalProperties": false,
            "required": ["params"],
            "properties": {
                "params": map_of(reference("paramValue"), "Parameters by name.")
            }
        },
        "paramValue": {
            "description": "A parameter: true/false, a whole number, a text, a list (all items of one type) or a map. Write money as \"5000 ALL\" (amount, space, currency code) and decimals in quotes (\"20.10\"): an unquoted 20.10 is refused.",
            "type": ["boolean", "integer", "string", "array", "object"],
            "items": reference("paramValue"),
            "additionalProperties": reference("paramValue")
        },

        // ----- flows -----
        "flow": {
            "type": "object",
            "description": "A flow: typed variables, a start step, steps, screens and texts.",
            "additionalProperties": false,
            "required": ["id", "manual", "start", "steps"],
            "properties": {
                "id": string("The flow's id (the inventory id of the manual's screen or transaction); `call` steps and terminal.yaml name flows by it."),
                "manual": string("The manual section, e.g. §III.2."),
                "description": string("What the flow is for, for staff."),
                "inputs": map_of(reference("typeDef"), "Values the caller passes in (`call` step `args`), by name and type. They are variables of the flow."),
                "vars": map_of(reference("typeDef"), "The flow's own variables, by name and type (a type name or a map of fields). Each starts at its type's empty value."),
                "outputs": list_of(string("A variable of this flow."), "Variables handed back to the caller as the fields of its `result` record."),
                "start": string("The step the flow starts in."),
                "steps": map_of(reference("step"), "The steps, by name."),
                "screens": map_of(reference("screen"), "The screens `screen` steps show, by name."),
                "texts": map_of(reference("text"), "Texts of this flow, by key; they shadow shared texts of the same key and may use the flow's variables.")
            }
        },
        "step": {
            "type": "object",
            "description": "One step. Exactly one of `screen`, `host`, `device`, `call`, `decide`, `wait`, `end` is given.",
            "additionalProperties": false,
            "properties": {
                "screen": string("Show this screen of the flow and wait for an event: a button, a choice, a device event, `timeout`, `eject` or `language`."),
                "host": string("Call this host operation; events `ok` (data: the result), its refusal codes and `unavailable` (data: {code, message})."),
                "device": {
                    "type": "string",
                    "description": "Send `device.command`, e.g. cash_dispenser.dispense; the device's events follow (and `eject`).",
                    "pattern": device_command,
                    "patternErrorMessage": "write DEVICE.COMMAND, e.g. cash_dispenser.dispense"
                },
                "call": string("Run this flow; its end outcomes are this step's events, with its outputs as `event`."),
                "decide": {
                    "type": "array",
                    "description": "Take the first branch whose `if` holds; end with a branch without `if` (the else).",
                    "minItems": 1,
                    "items": reference("branch")
                },
                "wait": described_ref("wait", "Wait for an event without showing a screen: a device event, a signal, `timeout` or `eject`. Written `wait: {}` or `wait: {timeout: expr}`."),
                "end": string("End this flow with this outcome: the calling step receives it as an event. A session handler ending with `resume` re-enters the interrupted step."),
                "args": {
                    "type": "object",
                    "description": "Arguments of `host`, `device` or `call`, by name, as expressions. Inside `{ ... }` quote a value holding `,`.",
                    "propertyNames": {
                        "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
                        "patternErrorMessage": "not an argument name: inside { ... } put quotes around a value that holds a comma, e.g. {amount: \"money(5, currency)\"}"
                    },
                    "additionalProperties": expr("The argument's value.")
                },
                "result": string("The variable that receives the host result (on `ok`) or the called flow's outputs record."),
                "set": {
                    "description": "Assignments made when the step is entered, before it acts.",
                    "allOf": [reference("assignments")]
                },
                "on": map_of(reference("transition"), "What to do on each event, by event name.")
            },
            "oneOf": [
                {"required": ["screen"]},
                {"required": ["host"]},
                {"required": ["device"]},
                {"required": ["call"]},
                {"required": ["decide"]},
                {"required": ["wait"]},
                {"required": ["end"]}
            ],
            "if": {"anyOf": [{"required": ["decide"]}, {"required": ["end"]}]},
            "then": {"not": {"required": ["on"]}}
        },
        "wait": {
            "type": "object",
            "description": "How a `wait` step waits.",
            "additionalProperties": false,
            "properties": {
                "timeout": expr("Seconds before the `timeout` event, as an expression. No timeout: the step waits.")
            }
        },
        "transition": {
            "description": "The way out on one event: a step name, one branch {if, set, goto}, or a list of branches tried in order.",
            "oneOf": [
                string("The step to go to."),
                reference("branch"),
                {"type": "array", "items": reference("branch")}
            ]
        },
        "branch": {
            "type": "object",
            "description": "One guarded way out: if `if` holds (or there is none), do `set`, then go to `goto`.",
            "additionalProperties": false,
            "required": ["goto"],
            "properties": {
                "if": expr("The condition (bool); `event` is the event's data."),
                "set": {
                    "description": "Assignments made when the branch is taken.",
                    "allOf": [reference("assignments")]
                },
                "goto": string("The step to go to.")
            }
        },

        // ----- screens -----
        "screen": {
            "type": "object",
            "description": "A screen: texts, inputs, choices, buttons and a timeout.",
            "additionalProperties": false,
            "properties": {
                "title": string("Text key of the title."),
                "lines": list_of(string("A text key."), "Text keys of the lines shown under the title; texts may hold {expressions}."),
                "notes": list_of(reference("note"), "Lines shown only when an expression holds: {if: expr, text: key}."),
                "promo": list_of(string("A text key."), "Promotional messages: the screen shows one at a time, in turn."),
                "footer": list_of(string("A text key."), "Small print at the foot of the screen: the service phone number, fees."),
                "table": list_of(reference("tableRow"), "A table of label/value rows: [label key, value template]."),
                "rows": described_ref("rows", "A table with one row per item of a list, e.g. the notes counted."),
                "inputs": list_of(reference("input"), "Fields the customer types into; the first has the focus."),
                "choices": described_ref("choices", "Buttons made from a list: one per item, e.g. preset amounts or accounts."),
                "buttons": list_of(reference("button"), "Buttons; each raises the event named by its id."),
                "qr": template("A QR code whose payload is this template."),
                "timeout": expr("Seconds before the `timeout` event, as an expression (usually a parameter). No timeout: the screen waits."),
                "languages": boolean("Offer the language switch on this screen: a button `lang.CODE` for each other language.")
            }
        },
        "note": {
            "type": "object",
            "description": "A line shown only while a condition holds.",
            "additionalProperties": false,
            "required": ["if", "text"],
            "properties": {
                "if": expr("The condition (bool)."),
                "text": string("Text key of the line.")
            }
        },
        "tableRow": {
            "type": "array",
            "description": "[label key, value template].",
            "items": [
                string("Text key of the label."),
                template("The value, a template, e.g. \"{format_money(total)}\".")
            ],
            "minItems": 2,
            "additionalItems": false
        },
        "rows": {
            "type": "object",
            "description": "One table row per item of a list.",
            "additionalProperties": false,
            "required": ["items", "label", "value"],
            "properties": {
                "items": expr("The list, as an expression; `item` is each element in the templates."),
                "label": template("The row's label, a template; `item` is the element."),
                "value": template("The row's value, a template; `item` is the element.")
            }
        },
        "input": {
            "type": "object",
            "description": "An input field. Its value is bound to `bind` when a button or choice is pressed, and readable on the screen as `input.ID`.",
            "additionalProperties": false,
            "required": ["id", "kind", "bind"],
            "properties": {
                "id": string("The input's id: `input.ID` on the screen."),
                "kind": {
                    "type": "string",
                    "description": "`amount` (money in `currency`), `digits` (text), `pin` (secret) or `text` (any characters, virtual keyboard).",
                    "enum": ["amount", "digits", "pin", "text"]
                },
                "label": string("Text key of the label."),
                "bind": string("The variable that receives the input when a button is pressed: a flow variable or `session.NAME` of the input's type."),
                "currency": expr("For `amount`: the currency, as an expression (required for `amount`)."),
                "pattern": string("For `digits` and `text`: the pattern (a regular expression) a complete entry matches."),
                "max": {
                    "type": "integer",
                    "description": "Most characters accepted (default: pin 4, amount 9, digits 16, text 64).",
                    "minimum": 0
                },
                "secret": boolean("For `digits`: keep the entry secret (one-time codes), masked on screen."),
                "prefix": string("Text before the typed digits (e.g. \"+3556\"), part of the bound value. Quote it.")
            },
            "if": {"properties": {"kind": {"const": "amount"}}, "required": ["kind"]},
            "then": {"required": ["currency"]}
        },
        "choices": {
            "type": "object",
            "description": "One button per item of a list. Pressing one raises the event `id` with `event.item`; the buttons are `ID.0`, `ID.1`, ...",
            "additionalProperties": false,
            "required": ["id", "items", "label"],
            "properties": {
                "id": string("The event each choice raises; `event.item` is the chosen item."),
                "items": expr("The list of items, as an expression."),
                "label": template("A template for each button's label; `item` is the item.")
            }
        },
        "button": {
            "type": "object",
            "description": "A button; pressing it (while shown and enabled) binds the inputs and raises the event `id`.",
            "additionalProperties": false,
            "required": ["id", "label"],
            "properties": {
                "id": string("The event the button raises."),
                "label": string("Text key of the label."),
                "enabled": expr("Enabled only while this expression holds."),
                "reason": string("Text key saying why the button is disabled."),
                "if": expr("Shown only while this expression holds."),
                "primary": boolean("Show the button as the main action."),
                "key": side_key
            }
        }
    })
}
