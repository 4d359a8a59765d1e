//! Loading: read the flow files, parse them with positions, and compile them into a
//! checked [`Program`], collecting every problem as a [`Diagnostic`].
//!
//! Loading never stops at the first problem: a run reports everything it can find, so
//! staff fix a file in one pass. A program is produced only when no error was found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Loc, SourceFile};
use crate::expr::{Expr, ExprError, ExprErrorKind, Template, TypeEnv};
use crate::model::{self, ParamNode, Src};
use crate::ports::DeviceClass;
use crate::program::*;
use crate::value::{Currency, Money, Type, Value};

/// Files larger than this are refused before parsing: flows are small, and a huge file is
/// a mistake or an attack.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The result of loading: the program if nothing was wrong, and everything found.
#[derive(Debug)]
pub struct Loaded {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: IndexMap<Arc<str>, SourceFile>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
    }
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// Loads every `.yaml` file under `dir` (recursively, in name order).
pub fn load_dir(dir: &Path) -> Loaded {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut paths = Vec::new();
    collect_yaml(dir, &mut paths, &mut diagnostics);
    paths.sort();
    for path in paths {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.len() as usize > MAX_FILE_BYTES => {
                let src = SourceFile::new(&path, String::new());
                diagnostics.push(
                    Diagnostic::error(
                        "file-too-large",
                        Loc::file_start(&src),
                        format!(
                            "this file has {} bytes; flow files may have at most {MAX_FILE_BYTES}",
                            meta.len()
                        ),
                    )
                    .with_hint("split the flow into sub-flows, or remove what is not a flow"),
                );
                continue;
            }
            _ => {}
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile::new(&path, text)),
            Err(e) => {
                let src = SourceFile::new(&path, String::new());
                diagnostics.push(Diagnostic::error(
                    "unreadable-file",
                    Loc::file_start(&src),
                    format!("cannot read this file: {e}"),
                ));
            }
        }
    }
    let mut loaded = load_sources(files);
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    if loaded.has_errors() {
        loaded.program = None;
    }
    loaded
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>, diagnostics: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let src = SourceFile::new(dir, String::new());
            diagnostics.push(
                Diagnostic::error(
                    "unreadable-file",
                    Loc::file_start(&src),
                    format!("cannot read the flows folder: {e}"),
                )
                .with_hint("give the folder that holds terminal.yaml"),
            );
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out, diagnostics);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Terminal,
    Catalogue,
    Params,
    Texts,
    Flow,
}

fn file_kind(path: &str) -> FileKind {
    let name = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    match name {
        "terminal" => FileKind::Terminal,
        "catalogue" => FileKind::Catalogue,
        n if n == "params" || n.starts_with("params.") || n.starts_with("params_") => {
            FileKind::Params
        }
        n if n == "texts" || n.starts_with("texts.") || n.starts_with("texts_") => FileKind::Texts,
        _ => FileKind::Flow,
    }
}

/// Parses one YAML file into `T`, turning a parse failure into a diagnostic.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(src: &SourceFile) -> Result<T, Box<Diagnostic>> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options::<T>(&src.text, options)
        .map_err(|e| Box::new(yaml_error_diagnostic(src, &e)))
}

fn yaml_error_diagnostic(src: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    let loc = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| {
            let offset = l
                .span()
                .byte_offset()
                .map(|o| o as usize)
                .unwrap_or_else(|| src.offset_of(l.line() as usize, l.column() as usize));
            Loc::new(src, offset, 1)
        })
        .unwrap_or_else(|| Loc::file_start(src));
    let raw = plain_message(e);
    let lower = raw.to_lowercase();
    let (rule, hint) = if lower.contains("null") {
        (
            "missing-value",
            "a value is missing here; inside `{ ... }` put quotes around a value that holds `,` `:` `{` or `[`, e.g. {x: \"money(0, currency)\"}",
        )
    } else if lower.contains("duplicate") {
        (
            "duplicate-key",
            "each key may appear once in a map: remove or rename one of them",
        )
    } else if lower.contains("unknown field") {
        (
            "unknown-key",
            "check the spelling; docs/flow-format.md lists the keys each part accepts",
        )
    } else if lower.contains("missing field") {
        (
            "missing-key",
            "add the key; docs/flow-format.md says what it holds",
        )
    } else if lower.contains("budget") || lower.contains("alias") || lower.contains("limit") {
        (
            "oversized-input",
            "flow files must be small and plain: avoid deep nesting and repeated aliases",
        )
    } else if lower.contains("invalid type") || lower.contains("expected") {
        (
            "wrong-type",
            "this value has the wrong shape; docs/flow-format.md shows the expected form",
        )
    } else {
        (
            "yaml-syntax",
            "check the indentation and quoting around this place",
        )
    };
    Diagnostic::error(rule, loc, raw).with_hint(hint)
}

/// The error's message without serde-saphyr's own location and snippet: ours follow.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let first = full.lines().next().unwrap_or("").trim();
    let first = first.trim_start_matches("error: ");
    // Drop a leading "line X column Y: ": the diagnostic carries the position.
    let first = match first.find(": ") {
        Some(i) if first.starts_with("line ") => &first[i + 2..],
        _ => first,
    };
    // Strip a trailing " at line X column Y" that duplicates our position.
    let cut = first
        .find(" at line ")
        .map(|i| &first[..i])
        .unwrap_or(first)
        .trim_start_matches("error: ");
    // serde-saphyr speaks to programmers here; staff need the key only.
    let cut = cut
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(cut)
        .trim();
    if cut.is_empty() {
        "this file is not valid YAML".to_string()
    } else {
        cut.to_string()
    }
}

/// Loads flows from sources already in memory (tests, the editor).
pub fn load_sources(files: Vec<SourceFile>) -> Loaded {
    let mut cx = Compiler::default();
    for f in &files {
        cx.sources.insert(f.path.clone(), f.clone());
    }
    let program = cx.compile(&files);
    let has_errors = cx
        .diagnostics
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error);
    Loaded {
        program: if has_errors { None } else { program },
        diagnostics: cx.diagnostics,
        sources: cx.sources,
    }
}

#[derive(Default)]
struct Compiler {
    diagnostics: Vec<Diagnostic>,
    sources: IndexMap<Arc<str>, SourceFile>,
    named_types: IndexMap<String, Type>,
    /// File names (without `.yaml`) of flow files that could not be parsed: a reference
    /// to a flow of that name is not reported again as unknown.
    unparsed_flows: BTreeSet<String>,
    /// The type of `params`, once known: to tell an unknown parameter from other errors.
    params_type: Option<Type>,
}

/// The signature of a flow, known before any flow body is compiled so calls can be checked.
struct Signature {
    inputs: IndexMap<String, Type>,
    outputs_type: Type,
    outcomes: BTreeSet<String>,
}

struct Env {
    roots: BTreeMap<String, Type>,
}

impl TypeEnv for Env {
    fn type_of(&self, name: &str) -> Option<Type> {
        self.roots.get(name).cloned()
    }
    fn known_names(&self) -> Vec<String> {
        self.roots.keys().cloned().collect()
    }
}

impl Env {
    fn with(&self, name: &str, ty: Type) -> Env {
        let mut roots = self.roots.clone();
        roots.insert(name.to_string(), ty);
        Env { roots }
    }
}

fn record(fields: &[(&str, Type)]) -> Type {
    Type::Record(
        fields
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn empty_record() -> Type {
    Type::Record(BTreeMap::new())
}

/// Events every screen may receive besides its buttons and choices.
pub const SCREEN_EVENTS: [&str; 3] = ["timeout", "eject", "language"];

impl Compiler {
    fn loc_of(&self, src: &SourceFile, s: &Src) -> Loc {
        let loc = &s.referenced;
        if loc.line() == 0 {
            return Loc::file_start(src);
        }
        let offset = loc
            .span()
            .byte_offset()
            .map(|o| o as usize)
            .unwrap_or_else(|| src.offset_of(loc.line() as usize, loc.column() as usize));
        let len = loc
            .span()
            .byte_len()
            .map(|l| l as usize)
            .unwrap_or(s.value.len());
        Loc::new(src, offset, len.max(1))
    }

    fn loc_spanned<T>(&self, src: &SourceFile, s: &Spanned<T>) -> Loc {
        let loc = &s.referenced;
        if loc.line() == 0 {
            return Loc::file_start(src);
        }
        let offset = loc
            .span()
            .byte_offset()
            .map(|o| o as usize)
            .unwrap_or_else(|| src.offset_of(loc.line() as usize, loc.column() as usize));
        Loc::new(src, offset, 1)
    }

    fn error(
        &mut self,
        rule: &'static str,
        loc: Loc,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(rule, loc, msg).with_hint(hint));
    }

    fn expr_diag(&mut self, src: &SourceFile, s: &Src, e: ExprError) {
        let at = self.loc_of(src, s).offset;
        let start = value_offset_in_source(&src.text, at, &s.value, e.span.start);
        let end = value_offset_in_source(&src.text, at, &s.value, e.span.end);
        let loc = Loc::new(src, start, end.saturating_sub(start).max(1));
        if let Some(d) = self.unknown_param(&s.value, &e, loc.clone()) {
            self.diagnostics.push(d);
            return;
        }
        let rule = match e.kind {
            ExprErrorKind::Syntax => "expr-syntax",
            ExprErrorKind::Type => "expr-type",
            ExprErrorKind::UndefinedVariable => "undefined-variable",
        };
        let hint = e.hint.unwrap_or_else(|| match e.kind {
            ExprErrorKind::Syntax => "docs/flow-format.md describes the expression language".into(),
            ExprErrorKind::Type => "check the types of the values this expression combines".into(),
            ExprErrorKind::UndefinedVariable => {
                "declare it under `vars:` or check the spelling".into()
            }
        });
        self.diagnostics
            .push(Diagnostic::error(rule, loc, e.message).with_hint(hint));
    }

    /// Parses and type-checks an expression; `expected` is the type it must have.
    fn expr(
        &mut self,
        src: &SourceFile,
        s: &Src,
        env: &Env,
        expected: Option<&Type>,
    ) -> Option<Cx> {
        let expr = match Expr::parse(&s.value) {
            Ok(e) => e,
            Err(e) => {
                self.expr_diag(src, s, e);
                return None;
            }
        };
        let ty = match expr.check(env) {
            Ok(t) => t,
            Err(e) => {
                self.expr_diag(src, s, e);
                return None;
            }
        };
        let loc = self.loc_of(src, s);
        if let Some(want) = expected
            && !want.accepts(&ty)
        {
            self.error(
                "expr-type",
                loc.clone(),
                format!("this expression gives {ty}, but {want} is needed here"),
                "change the expression so its value has the needed type",
            );
            return None;
        }
        Some(Cx { expr, loc })
    }

    fn expr_typed(&mut self, src: &SourceFile, s: &Src, env: &Env) -> Option<(Cx, Type)> {
        let cx = self.expr(src, s, env, None)?;
        let ty = cx.expr.check(env).ok()?;
        Some((cx, ty))
    }

    fn template(&mut self, src: &SourceFile, s: &Src, env: Option<&Env>) -> Option<Tx> {
        let template = match Template::parse(&s.value) {
            Ok(t) => t,
            Err(e) => {
                self.expr_diag(src, s, e);
                return None;
            }
        };
        if let Some(env) = env
            && let Err(e) = template.check(env)
        {
            self.expr_diag(src, s, e);
            return None;
        }
        Some(Tx {
            template,
            loc: self.loc_of(src, s),
        })
    }

    /// `money`, `list<account>`, or a catalogue type name.
    fn parse_type(&mut self, src: &SourceFile, s: &Src) -> Option<Type> {
        match self.type_from_text(s.value.trim()) {
            Ok(t) => Some(t),
            Err(msg) => {
                let mut known: Vec<String> = ["bool", "number", "money", "text", "date", "secret"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                known.extend(self.named_types.keys().cloned());
                let loc = self.loc_of(src, s);
                self.error(
                    "unknown-type",
                    loc,
                    msg,
                    format!("known types: {}, and list<T>", known.join(", ")),
                );
                None
            }
        }
    }

    fn type_from_text(&self, text: &str) -> Result<Type, String> {
        if let Some(inner) = text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
            return Ok(Type::List(Box::new(self.type_from_text(inner.trim())?)));
        }
        Ok(match text {
            "bool" => Type::Bool,
            "number" => Type::Number,
            "money" => Type::Money,
            "text" => Type::Text,
            "date" => Type::Date,
            "secret" => Type::Secret,
            other => match self.named_types.get(other) {
                Some(t) => t.clone(),
                None => return Err(format!("`{other}` is not a type")),
            },
        })
    }

    fn type_def(&mut self, src: &SourceFile, def: &Spanned<model::TypeDef>) -> Option<Type> {
        match &def.value {
            model::TypeDef::Named(s) => {
                // The name was read inside a custom visitor: its span is the outer one.
                let s = Spanned::new(s.value.clone(), def.referenced, def.defined);
                self.parse_type(src, &s)
            }
            model::TypeDef::Fields(f) => Some(Type::Record(
                self.typed_fields(src, f).into_iter().collect(),
            )),
        }
    }

    fn typed_defs(
        &mut self,
        src: &SourceFile,
        defs: &IndexMap<String, Spanned<model::TypeDef>>,
    ) -> IndexMap<String, Type> {
        let mut out = IndexMap::new();
        for (name, def) in defs {
            if let Some(t) = self.type_def(src, def) {
                out.insert(name.clone(), t);
            }
        }
        out
    }

    fn typed_fields(
        &mut self,
        src: &SourceFile,
        fields: &IndexMap<String, Src>,
    ) -> IndexMap<String, Type> {
        let mut out = IndexMap::new();
        for (name, ty) in fields {
            if let Some(t) = self.parse_type(src, ty) {
                out.insert(name.clone(), t);
            }
        }
        out
    }

    fn compile(&mut self, files: &[SourceFile]) -> Option<Program> {
        let mut hasher = Sha256::new();
        let mut terminal = None;
        let mut catalogue = None;
        let mut params = Vec::new();
        let mut texts = Vec::new();
        let mut flows = Vec::new();
        for f in files {
            hasher.update(f.path.as_bytes());
            hasher.update([0]);
            hasher.update(f.text.as_bytes());
            hasher.update([0]);
            match file_kind(&f.path) {
                FileKind::Terminal => match parse_yaml::<model::TerminalFile>(f) {
                    Ok(t) => terminal = Some((f, t)),
                    Err(d) => self.diagnostics.push(*d),
                },
                FileKind::Catalogue => match parse_yaml::<model::CatalogueFile>(f) {
                    Ok(c) => catalogue = Some((f, c)),
                    Err(d) => self.diagnostics.push(*d),
                },
                FileKind::Params => match parse_yaml::<model::ParamsFile>(f) {
                    Ok(p) => params.push((f, p)),
                    Err(d) => self.diagnostics.push(*d),
                },
                FileKind::Texts => match parse_yaml::<model::TextsFile>(f) {
                    Ok(t) => texts.push((f, t)),
                    Err(d) => self.diagnostics.push(*d),
                },
                FileKind::Flow => match parse_yaml::<model::FlowFile>(f) {
                    Ok(fl) => flows.push((f, fl)),
                    Err(d) => {
                        if let Some(stem) = Path::new(&*f.path).file_stem().and_then(|s| s.to_str())
                        {
                            self.unparsed_flows.insert(stem.to_string());
                        }
                        self.diagnostics.push(*d)
                    }
                },
            }
        }
        let hash = hex::encode(hasher.finalize());

        let Some((tsrc, terminal)) = terminal else {
            let anchor = files.first().cloned().unwrap_or_else(|| {
                SourceFile::new(Path::new("flows/terminal.yaml"), String::new())
            });
            if !self
                .diagnostics
                .iter()
                .any(|d| d.loc.file.ends_with("terminal.yaml"))
            {
                self.error(
                    "missing-file",
                    Loc::file_start(&anchor),
                    "the flows have no terminal.yaml",
                    "add terminal.yaml with `languages`, `entry` and `handlers` (docs/flow-format.md)",
                );
            }
            return None;
        };

        // Catalogue: types first, in order (a type may use the ones above it).
        let mut host_ops = IndexMap::new();
        let mut devices = BTreeMap::new();
        let mut signals = IndexMap::new();
        if let Some((csrc, cat)) = &catalogue {
            for (name, fields) in &cat.types {
                let t = Type::Record(self.typed_fields(csrc, fields).into_iter().collect());
                self.named_types.insert(name.clone(), t);
            }
            for (name, op) in &cat.host {
                let args = self.typed_fields(csrc, &op.args);
                let result = self.type_def(csrc, &op.result).unwrap_or(Type::Any);
                host_ops.insert(
                    name.clone(),
                    HostOp {
                        name: name.clone(),
                        args,
                        result,
                        moves_money: op.moves_money,
                        errors: op.errors.iter().map(|e| e.value.clone()).collect(),
                        loc: self.loc_spanned(csrc, &op.result),
                    },
                );
            }
            for (name, dev) in &cat.devices {
                let Some(class) = DeviceClass::from_name(name) else {
                    let loc = Loc::file_start(csrc);
                    self.error(
                        "unknown-device",
                        loc,
                        format!("`{name}` is not a device class"),
                        device_hint(),
                    );
                    continue;
                };
                let mut spec = DeviceSpec::default();
                for (cmd, args) in &dev.commands {
                    let args = self.typed_fields(csrc, args);
                    spec.commands.insert(cmd.clone(), args);
                }
                for (ev, data) in &dev.events {
                    let data = self.typed_fields(csrc, data);
                    spec.events
                        .insert(ev.clone(), Type::Record(data.into_iter().collect()));
                }
                devices.insert(class, spec);
            }
            for (name, data) in &cat.signals {
                let data = self.typed_fields(csrc, data);
                signals.insert(name.clone(), Type::Record(data.into_iter().collect()));
            }
        } else {
            self.error(
                "missing-file",
                Loc::file_start(tsrc),
                "the flows have no catalogue.yaml",
                "add catalogue.yaml declaring types, host operations and device events",
            );
        }

        // Parameters.
        let mut param_fields = BTreeMap::new();
        let mut param_types = BTreeMap::new();
        let mut param_locs = IndexMap::new();
        for (psrc, pf) in &params {
            for (name, node) in &pf.params {
                if param_fields.contains_key(name) {
                    let loc = self.loc_spanned(psrc, node);
                    self.error(
                        "duplicate-key",
                        loc,
                        format!("parameter `{name}` is defined in more than one params file"),
                        "keep one definition",
                    );
                    continue;
                }
                if let Some((v, t)) = self.param_value(psrc, node) {
                    param_fields.insert(name.clone(), v);
                    param_types.insert(name.clone(), t);
                    self.param_locations(psrc, name.clone(), node, &mut param_locs);
                }
            }
        }
        let params_value = Value::Record(param_fields);
        let params_type = Type::Record(param_types);
        self.params_type = Some(params_type.clone());

        // Languages and session.
        let languages: Vec<String> = terminal.languages.iter().map(|l| l.value.clone()).collect();
        if languages.is_empty() {
            self.error(
                "missing-key",
                Loc::file_start(tsrc),
                "terminal.yaml lists no languages",
                "add e.g. `languages: [sq, en]`",
            );
        }
        let session_vars = self.typed_fields(tsrc, &terminal.session);
        let session_type = Type::Record(session_vars.clone().into_iter().collect());

        // Shared texts.
        let mut shared_texts = IndexMap::new();
        for (xsrc, tf) in &texts {
            for (key, by_lang) in &tf.texts {
                let text = self.text(xsrc, key, by_lang, &languages);
                shared_texts.insert(key.clone(), text);
            }
        }

        // Flow signatures, so calls between flows can be checked in any order.
        let mut signatures: IndexMap<String, Signature> = IndexMap::new();
        for (fsrc, flow) in &flows {
            let id = flow.id.value.clone();
            if signatures.contains_key(&id) {
                let loc = self.loc_of(fsrc, &flow.id);
                self.error(
                    "duplicate-flow",
                    loc,
                    format!("another file already defines the flow `{id}`"),
                    "give every flow its own id",
                );
                continue;
            }
            let inputs = self.typed_defs(fsrc, &flow.inputs);
            let vars = {
                let mut v = inputs.clone();
                v.extend(self.typed_defs(fsrc, &flow.vars));
                v
            };
            let mut out_fields = BTreeMap::new();
            for o in &flow.outputs {
                match vars.get(&o.value) {
                    Some(t) => {
                        out_fields.insert(o.value.clone(), t.clone());
                    }
                    None => {
                        let loc = self.loc_of(fsrc, o);
                        self.error(
                            "undefined-variable",
                            loc,
                            format!("output `{}` is not a variable of this flow", o.value),
                            "declare it under `vars:`",
                        );
                    }
                }
            }
            let outcomes = flow
                .steps
                .values()
                .filter_map(|s| s.value.end.as_ref().map(|e| e.value.clone()))
                .collect();
            signatures.insert(
                id,
                Signature {
                    inputs,
                    outputs_type: Type::Record(out_fields),
                    outcomes,
                },
            );
        }

        let mut event_types = device_event_types(&devices);
        for (name, ty) in &signals {
            event_types.insert(name.clone(), ty.clone());
        }
        let mut compiled = IndexMap::new();
        for (fsrc, flow) in &flows {
            if compiled.contains_key(&flow.id.value) {
                continue;
            }
            let ctx = FlowCtx {
                languages: &languages,
                params_type: &params_type,
                session_type: &session_type,
                session_vars: &session_vars,
                host_ops: &host_ops,
                devices: &devices,
                event_types: &event_types,
                signatures: &signatures,
                shared_texts: &shared_texts,
            };
            if let Some(f) = self.flow(fsrc, flow, &ctx) {
                compiled.insert(f.id.clone(), Arc::new(f));
            }
        }

        // Terminal references.
        let check_flow_ref = |cx: &mut Compiler, s: &Option<Src>| -> Option<String> {
            let s = s.as_ref()?;
            if !compiled.contains_key(&s.value) {
                if cx.unparsed_flows.contains(&s.value) {
                    return None;
                }
                let loc = cx.loc_of(tsrc, s);
                cx.error(
                    "unknown-flow",
                    loc,
                    format!("there is no flow `{}`", s.value),
                    format!("known flows: {}", join_keys(compiled.keys())),
                );
                return None;
            }
            Some(s.value.clone())
        };
        let entry = check_flow_ref(self, &Some(terminal.entry.clone()));
        let handlers = Handlers {
            timeout: check_flow_ref(self, &terminal.handlers.timeout),
            eject: check_flow_ref(self, &terminal.handlers.eject),
            fault: check_flow_ref(self, &terminal.handlers.fault),
            unavailable: check_flow_ref(self, &terminal.handlers.unavailable),
        };

        Some(Program {
            languages,
            entry: entry?,
            session_vars,
            handlers,
            flows: compiled,
            host_ops,
            devices,
            signals,
            texts: shared_texts,
            params: params_value,
            params_type,
            param_locs,
            hash,
        })
    }

    /// Where each parameter is written, by dotted path (list items by index).
    fn param_locations(
        &self,
        src: &SourceFile,
        path: String,
        node: &Spanned<ParamNode>,
        out: &mut IndexMap<String, Loc>,
    ) {
        out.insert(path.clone(), self.loc_spanned(src, node));
        match &node.value {
            ParamNode::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.param_locations(src, format!("{path}.{i}"), item, out);
                }
            }
            ParamNode::Map(fields) => {
                for (k, v) in fields {
                    self.param_locations(src, format!("{path}.{k}"), v, out);
                }
            }
            _ => {}
        }
    }

    /// An `unknown-param` diagnostic when a type error is a `params.…` path naming a
    /// parameter that does not exist (`text` is the expression or template source).
    fn unknown_param(&self, text: &str, e: &ExprError, loc: Loc) -> Option<Diagnostic> {
        if e.kind != ExprErrorKind::Type {
            return None;
        }
        let name = text.get(e.span.clone())?;
        let prefix = params_path_before(text, e.span.start)?;
        let mut ty = self.params_type.as_ref()?;
        for seg in &prefix {
            match ty {
                Type::Record(fields) => ty = fields.get(seg)?,
                _ => return None,
            }
        }
        let Type::Record(fields) = ty else {
            return None;
        };
        if fields.contains_key(name) {
            return None;
        }
        let written = std::iter::once("params")
            .chain(prefix.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".");
        let mut hint = format!(
            "parameters under `{written}`: {} (params.yaml)",
            join_keys(fields.keys())
        );
        if let Some(close) = closest(name, fields.keys()) {
            hint = format!("did you mean `{written}.{close}`? {hint}");
        }
        Some(
            Diagnostic::error(
                "unknown-param",
                loc,
                format!("there is no parameter `{written}.{name}`"),
            )
            .with_hint(hint),
        )
    }

    fn param_value(
        &mut self,
        src: &SourceFile,
        node: &Spanned<ParamNode>,
    ) -> Option<(Value, Type)> {
        let loc = self.loc_spanned(src, node);
        match &node.value {
            ParamNode::Bool(b) => Some((Value::Bool(*b), Type::Bool)),
            ParamNode::Integer(i) => match Decimal::try_from_i128_with_scale(*i, 0) {
                Ok(d) => Some((Value::Number(d), Type::Number)),
                Err(_) => {
                    self.error(
                        "param-value",
                        loc,
                        "this number is too large",
                        "use a smaller number",
                    );
                    None
                }
            },
            ParamNode::Float => {
                self.error(
                    "param-value",
                    loc,
                    "a plain decimal number would be read through floating point and could lose digits",
                    "write decimals in quotes, e.g. \"20.10\", or as money, e.g. \"20.10 EUR\"",
                );
                None
            }
            ParamNode::Text(t) => Some(parse_param_text(t)),
            ParamNode::List(items) => {
                let mut values = Vec::new();
                let mut elem: Option<Type> = None;
                for item in items {
                    let (v, t) = self.param_value(src, item)?;
                    if let Some(e) = &elem
                        && !e.accepts(&t)
                    {
                        let loc = self.loc_spanned(src, item);
                        self.error(
                            "param-value",
                            loc,
                            format!("this list holds {e} values, but this one is {t}"),
                            "every item of a parameter list must have the same type",
                        );
                        return None;
                    }
                    elem.get_or_insert(t);
                    values.push(v);
                }
                Some((
                    Value::List(values),
                    Type::List(Box::new(elem.unwrap_or(Type::Any))),
                ))
            }
            ParamNode::Map(fields) => {
                let mut values = BTreeMap::new();
                let mut types = BTreeMap::new();
                for (k, v) in fields {
                    if let Some((v, t)) = self.param_value(src, v) {
                        values.insert(k.clone(), v);
                        types.insert(k.clone(), t);
                    }
                }
                Some((Value::Record(values), Type::Record(types)))
            }
        }
    }

    fn text(
        &mut self,
        src: &SourceFile,
        key: &str,
        by_lang: &Spanned<IndexMap<String, Src>>,
        languages: &[String],
    ) -> Text {
        let loc = self.loc_spanned(src, by_lang);
        let mut out = IndexMap::new();
        for (lang, s) in &by_lang.value {
            if !languages.contains(lang) {
                let l = self.loc_of(src, s);
                self.diagnostics.push(
                    Diagnostic::warning(
                        "unknown-language",
                        l,
                        format!("`{lang}` is not a language of this terminal"),
                    )
                    .with_hint(format!(
                        "the terminal's languages are {}",
                        languages.join(", ")
                    )),
                );
            }
            if let Some(t) = self.template(src, s, None) {
                out.insert(lang.clone(), t);
            }
        }
        for lang in languages {
            if !by_lang.value.contains_key(lang) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "missing-translation",
                        loc.clone(),
                        format!("the text `{key}` has no `{lang}` version"),
                    )
                    .with_hint(format!("add `{lang}: \"...\"` to this text")),
                );
            }
        }
        Text {
            key: key.to_string(),
            by_language: out,
            loc,
        }
    }
}

/// The segments after `params` of a member path that ends right before `at` with a `.`
/// (`params.withdrawal.` gives `[withdrawal]`), or `None` if the text there is not one.
fn params_path_before(text: &str, at: usize) -> Option<Vec<String>> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut rest = text.get(..at)?.trim_end().strip_suffix('.')?;
    let mut segments = Vec::new();
    loop {
        rest = rest.trim_end();
        let start = rest.rfind(|c: char| !is_ident(c)).map_or(0, |i| i + 1);
        let ident = &rest[start..];
        if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        rest = rest[..start].trim_end();
        match rest.strip_suffix('.') {
            Some(r) => {
                segments.push(ident.to_string());
                rest = r;
            }
            None if ident == "params" => {
                segments.reverse();
                return Some(segments);
            }
            None => return None,
        }
    }
}

fn join_keys<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let mut v: Vec<&str> = keys.map(String::as_str).collect();
    v.sort();
    if v.len() > 12 {
        let n = v.len() - 12;
        v.truncate(12);
        format!("{} and {n} more", v.join(", "))
    } else {
        v.join(", ")
    }
}

fn device_hint() -> String {
    format!(
        "device classes: {}",
        DeviceClass::ALL.map(|c| c.name()).join(", ")
    )
}

/// `5000 ALL` is money, `20.10` a number, anything else text.
fn parse_param_text(t: &str) -> (Value, Type) {
    let trimmed = t.trim();
    if let Some((amount, cur)) = trimmed.rsplit_once(' ')
        && let (Ok(a), Some(c)) = (Decimal::from_str_exact(amount.trim()), Currency::new(cur))
    {
        return (Value::Money(Money::new(a, c)), Type::Money);
    }
    if trimmed.chars().any(|c| c.is_ascii_digit())
        && let Ok(d) = Decimal::from_str(trimmed)
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return (Value::Number(d), Type::Number);
    }
    (Value::Text(t.to_string()), Type::Text)
}

/// Event name to its data type, over all devices. Where two devices share an event name
/// (`fault`), its type is the fields they have in common.
fn device_event_types(devices: &BTreeMap<DeviceClass, DeviceSpec>) -> BTreeMap<String, Type> {
    let mut out: BTreeMap<String, Type> = BTreeMap::new();
    for spec in devices.values() {
        for (name, ty) in &spec.events {
            match out.get_mut(name) {
                None => {
                    out.insert(name.clone(), ty.clone());
                }
                Some(existing) => {
                    if let (Type::Record(a), Type::Record(b)) = (existing.clone(), ty) {
                        let common = a.into_iter().filter(|(k, t)| b.get(k) == Some(t)).collect();
                        *existing = Type::Record(common);
                    }
                }
            }
        }
    }
    out
}

struct FlowCtx<'a> {
    languages: &'a [String],
    params_type: &'a Type,
    session_type: &'a Type,
    session_vars: &'a IndexMap<String, Type>,
    host_ops: &'a IndexMap<String, HostOp>,
    devices: &'a BTreeMap<DeviceClass, DeviceSpec>,
    event_types: &'a BTreeMap<String, Type>,
    signatures: &'a IndexMap<String, Signature>,
    shared_texts: &'a IndexMap<String, Text>,
}

impl Compiler {
    fn flow(&mut self, src: &SourceFile, f: &model::FlowFile, ctx: &FlowCtx) -> Option<Flow> {
        let sig = ctx.signatures.get(&f.id.value)?;
        let mut vars = sig.inputs.clone();
        vars.extend(self.typed_defs(src, &f.vars));
        let mut roots: BTreeMap<String, Type> = vars.clone().into_iter().collect();
        roots.insert("params".into(), ctx.params_type.clone());
        roots.insert("session".into(), ctx.session_type.clone());
        let env = Env { roots };

        // Texts of this flow.
        let mut texts = IndexMap::new();
        for (key, by_lang) in &f.texts {
            let t = self.text(src, key, by_lang, ctx.languages);
            texts.insert(key.clone(), t);
        }

        let text_known = |key: &str| texts.contains_key(key) || ctx.shared_texts.contains_key(key);

        // Screens.
        let mut screens = IndexMap::new();
        for (name, def) in &f.screens {
            let s = self.screen(src, name, def, &env, &vars, ctx, &text_known, &texts);
            screens.insert(name.clone(), s);
        }

        if !f.steps.contains_key(&f.start.value) {
            let loc = self.loc_of(src, &f.start);
            self.error(
                "unknown-target",
                loc,
                format!("the start step `{}` does not exist", f.start.value),
                format!("steps of this flow: {}", join_keys(f.steps.keys())),
            );
        }

        let mut steps = IndexMap::new();
        for (name, def) in &f.steps {
            if let Some(step) = self.step(src, name, def, f, &env, &vars, &screens, ctx) {
                steps.insert(name.clone(), Arc::new(step));
            }
        }

        Some(Flow {
            id: f.id.value.clone(),
            manual: f.manual.value.clone(),
            file: src.path.clone(),
            loc: self.loc_of(src, &f.id),
            inputs: sig.inputs.clone(),
            vars,
            outputs: f.outputs.iter().map(|o| o.value.clone()).collect(),
            outputs_type: sig.outputs_type.clone(),
            start: f.start.value.clone(),
            steps,
            screens,
            texts,
        })
    }

    fn text_ref(
        &mut self,
        src: &SourceFile,
        s: &Src,
        known: &dyn Fn(&str) -> bool,
        env: &Env,
        flow_texts: &IndexMap<String, Text>,
    ) -> String {
        if !known(&s.value) {
            let loc = self.loc_of(src, s);
            self.error(
                "unknown-text",
                loc,
                format!("there is no text `{}`", s.value),
                "add it under `texts:` in this flow or in texts.yaml, in every language",
            );
        } else if let Some(t) = flow_texts.get(&s.value) {
            // Flow texts may use the flow's variables: check them where they are used.
            for tx in t.by_language.values() {
                if let Err(e) = tx.template.check(env) {
                    let text = tx.template.source();
                    let start =
                        value_offset_in_source(&src.text, tx.loc.offset, text, e.span.start);
                    let end = value_offset_in_source(&src.text, tx.loc.offset, text, e.span.end);
                    let rule = match e.kind {
                        ExprErrorKind::Syntax => "expr-syntax",
                        ExprErrorKind::Type => "expr-type",
                        ExprErrorKind::UndefinedVariable => "undefined-variable",
                    };
                    let loc = Loc::new(src, start, end.saturating_sub(start).max(1));
                    let d = match self.unknown_param(tx.template.source(), &e, loc.clone()) {
                        Some(d) => d,
                        None => Diagnostic::error(rule, loc, e.message).with_hint(
                            e.hint
                                .unwrap_or_else(|| "check the text's {expressions}".into()),
                        ),
                    };
                    if !self.diagnostics.contains(&d) {
                        self.diagnostics.push(d);
                    }
                }
            }
        }
        s.value.clone()
    }

    #[allow(clippy::too_many_arguments)]
    fn screen(
        &mut self,
        src: &SourceFile,
        name: &str,
        def: &Spanned<model::ScreenDef>,
        env: &Env,
        vars: &IndexMap<String, Type>,
        ctx: &FlowCtx,
        known: &dyn Fn(&str) -> bool,
        flow_texts: &IndexMap<String, Text>,
    ) -> Screen {
        let d = &def.value;
        let loc = self.loc_spanned(src, def);
        // Inputs first: the rest of the screen may read them as `input.ID`.
        let mut inputs = Vec::new();
        let mut input_types = BTreeMap::new();
        for i in &d.inputs {
            if let Some(input) = self.input(src, &i.value, env, vars, ctx) {
                input_types.insert(input.id.clone(), input.value_type());
                inputs.push(input);
            }
        }
        let env = env.with("input", Type::Record(input_types));
        let title = d
            .title
            .as_ref()
            .map(|t| self.text_ref(src, t, known, &env, flow_texts));
        let lines = d
            .lines
            .iter()
            .map(|l| self.text_ref(src, l, known, &env, flow_texts))
            .collect();
        let promo = d
            .promo
            .iter()
            .map(|l| self.text_ref(src, l, known, &env, flow_texts))
            .collect();
        let footer = d
            .footer
            .iter()
            .map(|l| self.text_ref(src, l, known, &env, flow_texts))
            .collect();
        let mut notes = Vec::new();
        for n in &d.notes {
            let key = self.text_ref(src, &n.text, known, &env, flow_texts);
            if let Some(cx) = self.expr(src, &n.guard, &env, Some(&Type::Bool)) {
                notes.push((cx, key));
            }
        }
        let mut table = Vec::new();
        for (label, value) in &d.table {
            let key = self.text_ref(src, label, known, &env, flow_texts);
            if let Some(tx) = self.template(src, value, Some(&env)) {
                table.push((key, tx));
            }
        }
        let rows = d.rows.as_ref().and_then(|r| {
            let (items, ty) = self.expr_typed(src, &r.items, &env)?;
            let Type::List(item_type) = ty else {
                let loc = items.loc.clone();
                self.error(
                    "expr-type",
                    loc,
                    format!("rows need a list, but this is {ty}"),
                    "give an expression whose value is a list",
                );
                return None;
            };
            let item_env = env.with("item", *item_type);
            let label = self.template(src, &r.label, Some(&item_env))?;
            let value = self.template(src, &r.value, Some(&item_env))?;
            Some(Rows {
                items,
                label,
                value,
            })
        });
        let choices = d.choices.as_ref().and_then(|c| {
            let (items, ty) = self.expr_typed(src, &c.items, &env)?;
            let item_type = match ty {
                Type::List(t) => *t,
                other => {
                    let loc = items.loc.clone();
                    self.error(
                        "expr-type",
                        loc,
                        format!("choices need a list, but this is {other}"),
                        "give an expression whose value is a list",
                    );
                    return None;
                }
            };
            let label = self.template(src, &c.label, Some(&env.with("item", item_type.clone())))?;
            Some(Choices {
                id: c.id.value.clone(),
                items,
                item_type,
                label,
            })
        });
        let mut buttons = Vec::new();
        let mut keys_taken: Vec<(String, String)> = Vec::new();
        for b in &d.buttons {
            let b = &b.value;
            let key = b.key.as_ref().and_then(|k| {
                let loc = self.loc_of(src, k);
                if !crate::ports::SIDE_KEYS.contains(&k.value.as_str()) {
                    self.error(
                        "side-key",
                        loc,
                        format!("`{}` is not a side key", k.value),
                        "a terminal has eight side keys: F1-F4 beside the left edge of the \
                         screen, top to bottom, and F5-F8 beside the right edge",
                    );
                    return None;
                }
                if let Some((_, other)) = keys_taken.iter().find(|(key, _)| *key == k.value) {
                    self.error(
                        "side-key",
                        loc,
                        format!("{} already presses `{other}` on this screen", k.value),
                        "give each button of a screen its own side key",
                    );
                    return None;
                }
                keys_taken.push((k.value.clone(), b.id.value.clone()));
                Some(k.value.clone())
            });
            let label = self.text_ref(src, &b.label, known, &env, flow_texts);
            let reason = b
                .reason
                .as_ref()
                .map(|r| self.text_ref(src, r, known, &env, flow_texts));
            let enabled = b
                .enabled
                .as_ref()
                .and_then(|e| self.expr(src, e, &env, Some(&Type::Bool)));
            let visible = b
                .visible
                .as_ref()
                .and_then(|e| self.expr(src, e, &env, Some(&Type::Bool)));
            buttons.push(Button {
                id: b.id.value.clone(),
                label,
                enabled,
                reason,
                visible,
                primary: b.primary,
                key,
                loc: self.loc_of(src, &b.id),
            });
        }
        let qr =
            d.qr.as_ref()
                .and_then(|q| self.template(src, q, Some(&env)));
        let timeout = d
            .timeout
            .as_ref()
            .and_then(|t| self.expr(src, t, &env, Some(&Type::Number)));
        Screen {
            name: name.to_string(),
            loc,
            title,
            lines,
            notes,
            promo,
            footer,
            table,
            rows,
            inputs,
            choices,
            buttons,
            qr,
            timeout,
            languages: d.languages,
        }
    }

    fn target(
        &mut self,
        src: &SourceFile,
        s: &Src,
        vars: &IndexMap<String, Type>,
        ctx: &FlowCtx,
    ) -> Option<(Target, Type)> {
        let name = s.value.trim();
        if let Some(sv) = name.strip_prefix("session.") {
            if let Some(t) = ctx.session_vars.get(sv) {
                return Some((Target::Session(sv.to_string()), t.clone()));
            }
            let loc = self.loc_of(src, s);
            self.error(
                "undefined-variable",
                loc,
                format!("`{sv}` is not a session variable"),
                format!(
                    "session variables (terminal.yaml): {}",
                    join_keys(ctx.session_vars.keys())
                ),
            );
            return None;
        }
        if let Some(t) = vars.get(name) {
            return Some((Target::Var(name.to_string()), t.clone()));
        }
        let loc = self.loc_of(src, s);
        self.error(
            "undefined-variable",
            loc,
            format!("`{name}` is not a variable of this flow"),
            "declare it under `vars:` with its type, or write `session.NAME`",
        );
        None
    }

    fn input(
        &mut self,
        src: &SourceFile,
        d: &model::InputDef,
        env: &Env,
        vars: &IndexMap<String, Type>,
        ctx: &FlowCtx,
    ) -> Option<Input> {
        let kind = match d.kind.value.as_str() {
            "amount" => InputKind::Amount,
            "digits" => InputKind::Digits,
            "pin" => InputKind::Pin,
            "text" => InputKind::Text,
            other => {
                let loc = self.loc_of(src, &d.kind);
                self.error(
                    "unknown-input-kind",
                    loc,
                    format!("`{other}` is not an input kind"),
                    "input kinds: amount, digits, pin, text",
                );
                return None;
            }
        };
        let (bind, bind_type) = self.target(src, &d.bind, vars, ctx)?;
        let mut input = Input {
            id: d.id.value.clone(),
            kind,
            label: d.label.as_ref().map(|l| l.value.clone()),
            bind,
            currency: None,
            pattern: d.pattern.as_ref().map(|p| p.value.clone()),
            max: d.max,
            secret: d.secret,
            prefix: d.prefix.clone().unwrap_or_default(),
            loc: self.loc_of(src, &d.id),
        };
        if !bind_type.accepts(&input.value_type()) {
            let loc = self.loc_of(src, &d.bind);
            self.error(
                "expr-type",
                loc,
                format!(
                    "a {} input gives {}, but `{}` holds {bind_type}",
                    d.kind.value,
                    input.value_type(),
                    d.bind.value
                ),
                "bind the input to a variable of the input's type",
            );
        }
        if kind == InputKind::Amount {
            match &d.currency {
                Some(c) => input.currency = self.expr(src, c, env, Some(&Type::Text)),
                None => {
                    let loc = self.loc_of(src, &d.id);
                    self.error(
                        "missing-key",
                        loc,
                        "an amount input needs a `currency`",
                        "add e.g. `currency: currency` (an expression giving ALL or EUR)",
                    );
                }
            }
        }
        Some(input)
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        src: &SourceFile,
        name: &str,
        def: &Spanned<model::StepDef>,
        flow: &model::FlowFile,
        env: &Env,
        vars: &IndexMap<String, Type>,
        screens: &IndexMap<String, Screen>,
        ctx: &FlowCtx,
    ) -> Option<Step> {
        let d = &def.value;
        let loc = self.loc_spanned(src, def);
        let kinds = [
            d.screen.is_some(),
            d.host.is_some(),
            d.device.is_some(),
            d.call.is_some(),
            d.decide.is_some(),
            d.wait.is_some(),
            d.end.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds != 1 {
            self.error(
                "step-kind",
                loc,
                if kinds == 0 {
                    format!("step `{name}` does nothing")
                } else {
                    format!("step `{name}` has more than one kind")
                },
                "give exactly one of `screen`, `host`, `device`, `call`, `decide`, `wait` or `end`",
            );
            return None;
        }
        let set = self.assigns(src, &d.set, env, vars, ctx);
        let takes_args = d.host.is_some() || d.device.is_some() || d.call.is_some();
        if !takes_args && !d.args.is_empty() {
            self.error(
                "unexpected-key",
                loc.clone(),
                format!(
                    "step `{name}` has `args`, but only host, device and call steps take arguments"
                ),
                "remove `args`, or make this a host, device or call step",
            );
        }
        if d.result.is_some() && d.host.is_none() && d.call.is_none() {
            self.error(
                "unexpected-key",
                loc.clone(),
                format!("step `{name}` has `result`, but only host and call steps give one"),
                "remove `result`",
            );
        }
        if d.decide.as_ref().is_some_and(Vec::is_empty) {
            self.error(
                "decide-no-else",
                loc.clone(),
                format!("the decision `{name}` has no branch at all"),
                "give at least one branch; the last one without `if`",
            );
            return None;
        }

        // What the step is, and which events it may receive with which data.
        let mut events: BTreeMap<String, Type> = BTreeMap::new();
        let kind = if let Some(s) = &d.screen {
            let Some(screen) = screens.get(&s.value) else {
                let loc = self.loc_of(src, s);
                self.error(
                    "unknown-screen",
                    loc,
                    format!("there is no screen `{}` in this flow", s.value),
                    format!("screens of this flow: {}", join_keys(screens.keys())),
                );
                return None;
            };
            for b in &screen.buttons {
                events.insert(b.id.clone(), empty_record());
            }
            if let Some(c) = &screen.choices {
                events.insert(c.id.clone(), record(&[("item", c.item_type.clone())]));
            }
            for e in SCREEN_EVENTS {
                events.insert(e.to_string(), empty_record());
            }
            for (e, t) in ctx.event_types {
                events.entry(e.clone()).or_insert_with(|| t.clone());
            }
            StepKind::Screen(s.value.clone())
        } else if let Some(h) = &d.host {
            let Some(op) = ctx.host_ops.get(&h.value) else {
                let loc = self.loc_of(src, h);
                self.error(
                    "unknown-host-op",
                    loc,
                    format!("the host has no operation `{}`", h.value),
                    format!(
                        "operations in catalogue.yaml: {}",
                        join_keys(ctx.host_ops.keys())
                    ),
                );
                return None;
            };
            let args = self.args(
                src,
                &d.args,
                &op.args,
                env,
                &format!("host operation `{}`", op.name),
                &loc,
            );
            events.insert("ok".into(), op.result.clone());
            let refusal = record(&[("code", Type::Text), ("message", Type::Text)]);
            for e in &op.errors {
                events.insert(e.clone(), refusal.clone());
            }
            events.insert("unavailable".into(), refusal);
            let result = match &d.result {
                Some(r) => Some(self.result_target(src, r, vars, ctx, &op.name, &op.result)?),
                None => None,
            };
            StepKind::Host {
                op: op.name.clone(),
                args,
                result,
            }
        } else if let Some(dv) = &d.device {
            let (dev, cmd) = dv.value.split_once('.').unwrap_or((&dv.value, ""));
            let class = DeviceClass::from_name(dev);
            let spec = class.and_then(|c| ctx.devices.get(&c));
            let Some((class, spec)) = class.zip(spec) else {
                let loc = self.loc_of(src, dv);
                self.error(
                    "unknown-device",
                    loc,
                    format!("`{dev}` is not a device in catalogue.yaml"),
                    format!("write `device.command`; {}", device_hint()),
                );
                return None;
            };
            let Some(arg_types) = spec.commands.get(cmd) else {
                let loc = self.loc_of(src, dv);
                self.error(
                    "unknown-device-command",
                    loc,
                    format!("the {dev} has no command `{cmd}`"),
                    format!("its commands: {}", join_keys(spec.commands.keys())),
                );
                return None;
            };
            let args = self.args(
                src,
                &d.args,
                arg_types,
                env,
                &format!("command `{}`", dv.value),
                &loc,
            );
            events.extend(spec.events.clone());
            events.insert("eject".into(), empty_record());
            StepKind::Device {
                device: class,
                command: cmd.to_string(),
                args,
            }
        } else if let Some(c) = &d.call {
            let Some(sig) = ctx.signatures.get(&c.value) else {
                if self.unparsed_flows.contains(&c.value) {
                    // Its file did not parse, which is reported already.
                    return None;
                }
                let loc = self.loc_of(src, c);
                self.error(
                    "unknown-flow",
                    loc,
                    format!("there is no flow `{}`", c.value),
                    format!("known flows: {}", join_keys(ctx.signatures.keys())),
                );
                return None;
            };
            let args = self.args(
                src,
                &d.args,
                &sig.inputs,
                env,
                &format!("flow `{}`", c.value),
                &loc,
            );
            for o in &sig.outcomes {
                events.insert(o.clone(), sig.outputs_type.clone());
            }
            let result = match &d.result {
                Some(r) => {
                    Some(self.result_target(src, r, vars, ctx, &c.value, &sig.outputs_type)?)
                }
                None => None,
            };
            StepKind::Call {
                flow: c.value.clone(),
                args,
                result,
            }
        } else if let Some(branches) = &d.decide {
            let bs = self.branches(src, branches, env, vars, flow, ctx);
            if let Some(last) = bs.last()
                && last.guard.is_some()
            {
                self.error(
                    "decide-no-else",
                    loc.clone(),
                    format!("the decision `{name}` has no branch for when no condition holds"),
                    "end the list with a branch without `if` (the `else`)",
                );
            }
            self.shadowed(&bs);
            StepKind::Decide(bs)
        } else if let Some(w) = &d.wait {
            events.extend(ctx.event_types.iter().map(|(k, v)| (k.clone(), v.clone())));
            events.insert("timeout".into(), empty_record());
            events.insert("eject".into(), empty_record());
            let timeout = w
                .timeout
                .as_ref()
                .and_then(|t| self.expr(src, t, env, Some(&Type::Number)));
            StepKind::Wait { timeout }
        } else if let Some(e) = &d.end {
            StepKind::End(e.value.clone())
        } else {
            return None;
        };

        let mut on = IndexMap::new();
        if matches!(kind, StepKind::Decide(_) | StepKind::End(_)) && !d.on.is_empty() {
            self.error(
                "unexpected-events",
                loc.clone(),
                format!(
                    "a `{}` step does not wait for events, so `on` is never used",
                    kind.name()
                ),
                "remove `on`, or make this a screen, host, device or call step",
            );
        }
        for (event, tr) in &d.on {
            let Some(ev_type) = events.get(&event.value) else {
                let eloc = self.loc_of(src, event);
                let mut known: Vec<&String> = events.keys().collect();
                known.sort();
                self.error(
                    "unknown-event",
                    eloc,
                    format!(
                        "a `{}` step never receives the event `{}`",
                        kind.name(),
                        event.value
                    ),
                    format!(
                        "events it can receive: {}",
                        known
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            };
            // A plain `goto` string carries no span of its own: use the transition's.
            let mut branches_def: Vec<&model::BranchDef> = tr.value.branches.iter().collect();
            let fixed: Vec<model::BranchDef>;
            if branches_def.len() == 1 && branches_def[0].goto.referenced.line() == 0 {
                let b = branches_def[0];
                fixed = vec![model::BranchDef {
                    guard: b.guard.clone(),
                    set: b.set.clone(),
                    goto: Spanned::new(b.goto.value.clone(), tr.referenced, tr.defined),
                }];
                branches_def = fixed.iter().collect();
            }
            let benv = env.with("event", ev_type.clone());
            let owned: Vec<model::BranchDef> = branches_def
                .into_iter()
                .map(|b| model::BranchDef {
                    guard: b.guard.clone(),
                    set: b.set.clone(),
                    goto: b.goto.clone(),
                })
                .collect();
            let bs = self.branches(src, &owned, &benv, vars, flow, ctx);
            self.shadowed(&bs);
            on.insert(event.value.clone(), bs);
        }

        Some(Step {
            name: name.to_string(),
            loc,
            kind,
            set,
            on,
        })
    }

    /// The variable a host or call step's `result` names, checked against what the
    /// operation or flow `what` gives.
    fn result_target(
        &mut self,
        src: &SourceFile,
        r: &Src,
        vars: &IndexMap<String, Type>,
        ctx: &FlowCtx,
        what: &str,
        gives: &Type,
    ) -> Option<Target> {
        let (target, holds) = self.target(src, r, vars, ctx)?;
        if !holds.accepts(gives) {
            let l = self.loc_of(src, r);
            self.error(
                "expr-type",
                l,
                format!("`{what}` returns {gives}, but `{}` holds {holds}", r.value),
                "declare the variable with the type of what it receives",
            );
        }
        Some(target)
    }

    fn shadowed(&mut self, bs: &[Branch]) {
        if let Some(pos) = bs.iter().position(|b| b.guard.is_none())
            && let Some(next) = bs.get(pos + 1)
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "shadowed-branch",
                    next.loc.clone(),
                    "this branch can never be taken: a branch above it has no condition",
                )
                .with_hint("move the branch without `if` to the end, or give it a condition"),
            );
        }
    }

    fn args(
        &mut self,
        src: &SourceFile,
        given: &IndexMap<String, Src>,
        wanted: &IndexMap<String, Type>,
        env: &Env,
        what: &str,
        step_loc: &Loc,
    ) -> Vec<(String, Cx)> {
        let mut out = Vec::new();
        for (name, s) in given {
            match wanted.get(name) {
                Some(t) => {
                    if let Some(cx) = self.expr(src, s, env, Some(t)) {
                        out.push((name.clone(), cx));
                    }
                }
                None => {
                    let loc = self.loc_of(src, s);
                    self.error(
                        "unknown-argument",
                        loc,
                        format!("{what} takes no argument `{name}`"),
                        format!("its arguments: {}", join_keys(wanted.keys())),
                    );
                }
            }
        }
        for name in wanted.keys() {
            if !given.contains_key(name) && what.starts_with("host") {
                self.error(
                    "missing-argument",
                    step_loc.clone(),
                    format!("{what} needs the argument `{name}`"),
                    format!("add `{name}: <expression>` under `args:`"),
                );
            }
        }
        out
    }

    fn assigns(
        &mut self,
        src: &SourceFile,
        set: &IndexMap<Src, Src>,
        env: &Env,
        vars: &IndexMap<String, Type>,
        ctx: &FlowCtx,
    ) -> Vec<Assign> {
        let mut out = Vec::new();
        for (target, value) in set {
            let Some((target, ty)) = self.target(src, target, vars, ctx) else {
                continue;
            };
            if let Some(cx) = self.expr(src, value, env, Some(&ty)) {
                out.push(Assign { target, value: cx });
            }
        }
        out
    }

    fn branches(
        &mut self,
        src: &SourceFile,
        defs: &[model::BranchDef],
        env: &Env,
        vars: &IndexMap<String, Type>,
        flow: &model::FlowFile,
        ctx: &FlowCtx,
    ) -> Vec<Branch> {
        let mut out = Vec::new();
        for b in defs {
            let loc = self.loc_of(src, &b.goto);
            if !flow.steps.contains_key(&b.goto.value) {
                let mut hint = format!("steps of this flow: {}", join_keys(flow.steps.keys()));
                if let Some(close) = closest(&b.goto.value, flow.steps.keys()) {
                    hint = format!("did you mean `{close}`? ({hint})");
                }
                self.error(
                    "unknown-target",
                    loc.clone(),
                    format!("there is no step `{}` in this flow", b.goto.value),
                    hint,
                );
            }
            let guard = match &b.guard {
                Some(g) => match self.expr(src, g, env, Some(&Type::Bool)) {
                    Some(cx) => Some(cx),
                    // Reported already; leaving it out keeps it from looking unconditional.
                    None => continue,
                },
                None => None,
            };
            let set = self.assigns(src, &b.set, env, vars, ctx);
            out.push(Branch {
                guard,
                set,
                goto: b.goto.value.clone(),
                loc,
            });
        }
        out
    }
}

/// Maps a byte offset inside a scalar's value to a byte offset in the YAML source, where
/// the scalar starts at `at`. The value and its source text differ by quotes, escapes
/// (`\"`, `''`) and line folding (a line break and indentation read as one space): walk
/// both, skipping source characters that the value does not have.
pub fn value_offset_in_source(source: &str, at: usize, value: &str, value_off: usize) -> usize {
    let Some(raw) = source.get(at..) else {
        return source.len();
    };
    let skippable = |c: char| matches!(c, ' ' | '\n' | '\r' | '\t' | '\\' | '"' | '\'');
    let mut chars = raw.char_indices().peekable();
    if matches!(raw.chars().next(), Some('"' | '\'')) {
        chars.next();
    }
    for (vi, vc) in value.char_indices() {
        if vi >= value_off {
            // Skip what stands between the previous character and this one (a folded
            // line break and its indentation, an escape's backslash).
            while let Some(&(si, rc)) = chars.peek() {
                if rc == vc || !skippable(rc) {
                    return at + si;
                }
                chars.next();
            }
            return source.len();
        }
        while let Some(&(_, rc)) = chars.peek() {
            chars.next();
            if rc == vc || !skippable(rc) {
                break;
            }
        }
    }
    chars.peek().map_or(source.len(), |&(si, _)| at + si)
}

/// The known name closest to `name`, if one is close enough to be a typo.
pub fn closest<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
