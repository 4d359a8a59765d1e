//! The JSON Schema of the flow files: a valid draft-7 document that accepts every shipped
//! file under `flows/` and refuses the common mistakes a YAML editor should flag.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use atmflow_engine::model;
use atmflow_engine::schema::{FileKind, json_schema, schema_for};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn flows_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows")
}

/// Reads YAML as the loader does (YAML 1.2 booleans: only `true` and `false`).
fn yaml(text: &str) -> Value {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Value>(text, options)
        .unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft7::new(schema).unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

/// Every problem the schema finds, as `path: message` lines.
fn problems(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn shipped_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(flows_dir())
        .expect("flows/ is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_schema_is_a_valid_draft_7_document() {
    let schema = json_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    for kind in ["terminal", "catalogue", "params", "texts", "flow"] {
        assert!(
            schema["definitions"][kind].is_object(),
            "no definition for {kind}"
        );
    }
    if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
        panic!("the schema is not valid draft 7: {e}");
    }
    validator(&schema);
    for kind in FileKind::ALL {
        let one = schema_for(kind);
        assert!(jsonschema::draft7::meta::is_valid(&one), "{kind:?}");
        validator(&one);
    }
}

/// The keys a model struct accepts, read from serde's own "unknown field" message.
fn model_keys<T: DeserializeOwned>() -> BTreeSet<String> {
    let message = match serde_saphyr::from_str::<T>("zz_not_a_key: 1\n") {
        Ok(_) => panic!("{} accepts any key", std::any::type_name::<T>()),
        Err(e) => e.to_string(),
    };
    let line = message
        .lines()
        .find(|l| l.contains("zz_not_a_key"))
        .unwrap_or_else(|| panic!("unexpected message: {message}"));
    // serde says "expected one of `a`, `b`"; serde-saphyr drops the backticks.
    let expected = line.rsplit_once("expected").map_or("", |(_, rest)| rest);
    let expected = expected.trim().trim_start_matches("one of").trim();
    expected
        .split(',')
        .map(|k| k.trim().trim_matches('`').to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

fn schema_keys(schema: &Value, definition: &str) -> BTreeSet<String> {
    schema["definitions"][definition]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {definition}"))
        .keys()
        .cloned()
        .collect()
}

/// The schema keeps up with `model.rs`: every struct's keys, no more and no fewer.
#[test]
fn the_schema_has_the_keys_of_the_model() {
    let schema = json_schema();
    let pairs = [
        ("terminal", model_keys::<model::TerminalFile>()),
        ("handlers", model_keys::<model::HandlersDef>()),
        ("catalogue", model_keys::<model::CatalogueFile>()),
        ("hostOp", model_keys::<model::HostOpDef>()),
        ("device", model_keys::<model::DeviceDef>()),
        ("params", model_keys::<model::ParamsFile>()),
        ("texts", model_keys::<model::TextsFile>()),
        ("flow", model_keys::<model::FlowFile>()),
        ("step", model_keys::<model::StepDef>()),
        ("wait", model_keys::<model::WaitDef>()),
        ("branch", model_keys::<model::BranchDef>()),
        ("screen", model_keys::<model::ScreenDef>()),
        ("note", model_keys::<model::NoteDef>()),
        ("input", model_keys::<model::InputDef>()),
        ("choices", model_keys::<model::ChoicesDef>()),
        ("rows", model_keys::<model::RowsDef>()),
        ("button", model_keys::<model::ButtonDef>()),
    ];
    for (definition, model) in pairs {
        assert!(!model.is_empty(), "no keys read for {definition}");
        assert_eq!(
            schema_keys(&schema, definition),
            model,
            "definitions/{definition} differs from model.rs"
        );
    }
    // Every step kind is one branch of the step's `oneOf`.
    let kinds: BTreeSet<String> = schema["definitions"]["step"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["required"][0].as_str().unwrap().to_string())
        .collect();
    let not_kinds = ["args", "result", "set", "on"];
    let model_kinds: BTreeSet<String> = model_keys::<model::StepDef>()
        .into_iter()
        .filter(|k| !not_kinds.contains(&k.as_str()))
        .collect();
    assert_eq!(kinds, model_kinds);
}

#[test]
fn the_schema_prints_as_json_and_reads_back_the_same() {
    let schema = json_schema();
    let text = serde_json::to_string_pretty(&schema).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), schema);
}

/// Every `properties` entry carries a description, so the editor can explain each key.
#[test]
fn every_property_has_a_description() {
    /// Walks a schema; conditions (`if`) are not shown to people and are skipped.
    fn walk(schema: &Value, path: &str, missing: &mut Vec<String>) {
        let Value::Object(map) = schema else {
            return;
        };
        for (keyword, value) in map {
            let here = format!("{path}/{keyword}");
            match (keyword.as_str(), value) {
                ("if", _) => {}
                ("properties", Value::Object(props)) => {
                    for (name, prop) in props {
                        if prop.get("description").and_then(Value::as_str).is_none() {
                            missing.push(format!("{here}/{name}"));
                        }
                        walk(prop, &format!("{here}/{name}"), missing);
                    }
                }
                ("definitions", Value::Object(defs)) => {
                    for (name, def) in defs {
                        walk(def, &format!("{here}/{name}"), missing);
                    }
                }
                (_, Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, &format!("{here}/{i}"), missing);
                    }
                }
                (_, Value::Object(_)) => walk(value, &here, missing),
                _ => {}
            }
        }
    }
    let mut missing = Vec::new();
    walk(&json_schema(), "#", &mut missing);
    assert!(missing.is_empty(), "without a description: {missing:#?}");
}

#[test]
fn every_shipped_file_validates() {
    let all = validator(&json_schema());
    let files = shipped_files();
    assert!(
        files.iter().any(|f| f.ends_with("terminal.yaml")),
        "no flows found in {}",
        flows_dir().display()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = yaml(&text);
        let kind = FileKind::of_path(path);
        // Against the schema an editor uses (kind chosen by keys) and against the kind
        // the loader gives the file by its name.
        for (which, v) in [
            ("json_schema", &all),
            ("schema_for", &validator(&schema_for(kind))),
        ] {
            for p in problems(v, &doc) {
                failures.push(format!("{} ({which}, {kind:?}): {p}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn file_kinds_follow_the_loader_names() {
    let kind = |name: &str| FileKind::of_path(Path::new(name));
    assert_eq!(kind("flows/terminal.yaml"), FileKind::Terminal);
    assert_eq!(kind("catalogue.yaml"), FileKind::Catalogue);
    assert_eq!(kind("params.yaml"), FileKind::Params);
    assert_eq!(kind("params.branch.yaml"), FileKind::Params);
    assert_eq!(kind("params_tirana.yml"), FileKind::Params);
    assert_eq!(kind("texts_extra.yaml"), FileKind::Texts);
    assert_eq!(kind("textsy.yaml"), FileKind::Flow);
    assert_eq!(kind("withdrawal.yaml"), FileKind::Flow);
}

/// A small valid flow the broken documents below are made from.
const FLOW: &str = "\
id: demo
manual: \"§0\"
start: ask
steps:
  ask:
    screen: ask
    on:
      ok: done
      cancel:
        - if: input.code == ''
          goto: done
        - goto: done
  done:
    end: done
screens:
  ask:
    title: t
    inputs:
      - {id: code, kind: digits, bind: code, max: 6}
    buttons:
      - {id: ok, label: btn.ok, enabled: length(input.code) == 6}
";

fn rejected(doc: &str) -> Vec<String> {
    problems(&validator(&json_schema()), &yaml(doc))
}

#[test]
fn the_base_flow_is_accepted() {
    assert_eq!(rejected(FLOW), Vec::<String>::new());
}

#[test]
fn an_unknown_step_key_is_rejected() {
    let doc = FLOW.replace("    end: done", "    end: done\n    gotto: ask");
    let p = rejected(&doc);
    assert!(p.iter().any(|p| p.contains("gotto")), "{p:?}");
}

#[test]
fn a_step_with_two_kinds_is_rejected() {
    let doc = FLOW.replace("    screen: ask\n", "    screen: ask\n    host: accounts\n");
    let p = rejected(&doc);
    assert!(p.iter().any(|p| p.starts_with("/steps/ask")), "{p:?}");
}

#[test]
fn a_step_with_no_kind_is_rejected() {
    let doc = FLOW.replace("    end: done", "    set: {x: '1'}");
    let p = rejected(&doc);
    assert!(p.iter().any(|p| p.starts_with("/steps/done")), "{p:?}");
}

#[test]
fn a_flow_without_start_is_rejected() {
    let doc = FLOW.replace("start: ask\n", "");
    let p = rejected(&doc);
    assert!(p.iter().any(|p| p.contains("start")), "{p:?}");
}

#[test]
fn events_on_a_decide_or_end_step_are_rejected() {
    let doc = FLOW.replace("    end: done", "    end: done\n    on: {ok: ask}");
    assert!(!rejected(&doc).is_empty());
}

#[test]
fn transitions_take_a_name_a_branch_or_a_list() {
    let branch = FLOW.replace("      ok: done", "      ok: {if: 'true', goto: done}");
    assert_eq!(rejected(&branch), Vec::<String>::new());
    let bad = FLOW.replace("      ok: done", "      ok: {if: 'true', to: done}");
    assert!(!rejected(&bad).is_empty());
    let names = FLOW.replace("      ok: done", "      ok: [done]");
    assert!(
        !rejected(&names).is_empty(),
        "a list holds branches, not names"
    );
}

#[test]
fn an_unquoted_comma_inside_braces_is_caught() {
    // `{x: money(0, c)}` is read by YAML as {x: "money(0", "c)": null}.
    let doc = FLOW.replace("    end: done", "    end: done\n    set: {x: money(0, c)}");
    assert!(!rejected(&doc).is_empty());
    let quoted = FLOW.replace(
        "    end: done",
        "    end: done\n    set: {x: \"money(0, c)\"}",
    );
    assert_eq!(rejected(&quoted), Vec::<String>::new());
    let args = FLOW.replace(
        "    end: done",
        "    call: demo\n    args: {amount: money(5, currency)}",
    );
    assert!(!rejected(&args).is_empty());
}

#[test]
fn screen_mistakes_are_rejected() {
    for (from, to) in [
        ("kind: digits", "kind: number"),
        ("kind: digits", "kind: amount"), // an amount input needs a currency
        ("bind: code, ", ""),
        ("title: t", "title: t\n    colour: red"),
        ("enabled:", "enable:"),
    ] {
        let doc = FLOW.replace(from, to);
        assert_ne!(doc, FLOW);
        assert!(!rejected(&doc).is_empty(), "accepted: {from} -> {to}");
    }
}

#[test]
fn other_kinds_of_file_are_checked_by_their_keys() {
    // terminal.yaml without an entry
    assert!(!rejected("languages: [sq, en]\n").is_empty());
    // a handler the terminal does not have
    assert!(!rejected("languages: [en]\nentry: w\nhandlers: {crash: x}\n").is_empty());
    // a plain decimal parameter
    assert!(!rejected("params:\n  fee: 20.10\n").is_empty());
    assert_eq!(
        rejected("params:\n  fee: \"20.10\"\n  max: \"5000 ALL\"\n"),
        Vec::<String>::new()
    );
    // a device class that does not exist
    assert!(!rejected("devices:\n  toaster: {commands: {}}\n").is_empty());
    // a device step naming no command
    let doc = FLOW.replace("    end: done", "    device: card_reader");
    assert!(!rejected(&doc).is_empty());
    // a host operation without a result type
    assert!(!rejected("host:\n  balance: {args: {pan: secret}}\n").is_empty());
    // a texts file with a stray key
    assert!(!rejected("texts: {a: {en: A}}\nlanguages_: [en]\n").is_empty());
    assert_eq!(rejected("texts: {a: {en: A}}\n"), Vec::<String>::new());
}

#[test]
fn schema_for_checks_one_kind() {
    let params = validator(&schema_for(FileKind::Params));
    assert!(params.is_valid(&yaml("params: {a: 1}\n")));
    assert!(!params.is_valid(&yaml(FLOW)));
    let flow = validator(&schema_for(FileKind::Flow));
    assert!(flow.is_valid(&yaml(FLOW)));
    assert!(!flow.is_valid(&yaml("params: {a: 1}\n")));
}
