//! The bank's other channels from outside the terminal: the phone app, the business
//! internet bank and the epara wallet, as `atmflow bank ...` commands and as a small JSON
//! API over HTTP on loopback (`atmflow bank serve`, or `atmflow run --api-port`).
//!
//! Both only translate: every request becomes one [`Bank::channel`] operation with text
//! arguments, and its answer (or refusal) is printed or sent back as JSON.
//!
//! The HTTP server is deliberately small and synchronous: one thread per connection, one
//! request per connection (`Connection: close`), request heads up to 8 KiB, bodies up to
//! [`MAX_BODY`] with a `Content-Length`, and read deadlines, so no client can hold it or
//! make it allocate much. It binds `127.0.0.1` only; it answers only requests whose `Host`
//! names the loopback, and JSON bodies only with `Content-Type: application/json`, so a
//! web page in a browser can neither post to it nor read from it.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use atmflow_bank::Bank;
use atmflow_engine::ports::HostError;
use atmflow_engine::value::Value;
use chrono::NaiveDateTime;
use serde_json::{Map, Value as Json, json};

/// The API's port when none is given.
pub const DEFAULT_PORT: u16 = 8077;
/// The largest request body the API reads, in bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// The largest request line and headers, in bytes.
const MAX_HEAD: usize = 8 * 1024;
/// Connections served at once; more are answered 503.
const MAX_CONNECTIONS: usize = 32;
/// How long one read or write on a connection may wait.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to send a whole request.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// The time the channels act at: the local wall clock, as the terminal uses.
pub fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// A demo card's number from its index in `atmflow bank cards` (`1`..`4`); any other
/// text is returned as it is.
pub fn resolve_card(text: &str) -> String {
    let t = text.trim();
    if (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        let card = t
            .parse::<usize>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| Bank::demo_cards().into_iter().nth(i));
        if let Some(card) = card {
            return card.number;
        }
    }
    text.to_string()
}

/// One channel operation on the bank. A `card` argument may be a demo card's index.
pub fn call(
    bank: &mut Bank,
    op: &str,
    mut args: BTreeMap<String, String>,
    now: NaiveDateTime,
) -> Result<Value, HostError> {
    if let Some(card) = args.get_mut("card") {
        *card = resolve_card(card);
    }
    bank.channel(op, &args, now)
}

/// A value as plain JSON: texts, dates (`2026-11-25`) and exact numbers (`"98.50"`) as
/// strings, money as `{"amount": "5000.00", "currency": "ALL"}`, booleans, lists as arrays
/// and records as objects. A secret shows as `"***"`.
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::String(n.to_string()),
        Value::Money(m) => json!({"amount": m.amount.to_string(), "currency": m.currency.as_str()}),
        Value::Text(s) => Json::String(s.clone()),
        Value::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        Value::Secret(_) => Json::String("***".into()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// The JSON of a refusal: `{"refused": CODE, "message": TEXT}`.
pub fn refusal_json(code: &str, message: &str) -> Json {
    json!({"refused": code, "message": message})
}

/// A value as lines for people: `name: value` per field, money as `5,000.00 ALL`, list
/// items after `- `.
pub fn human(value: &Value) -> String {
    let mut out = String::new();
    write_human(&mut out, value, 0);
    out
}

fn is_nested(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Record(_))
}

fn write_field(out: &mut String, pad: &str, name: &str, value: &Value) {
    if is_nested(value) {
        out.push_str(&format!("{pad}{name}:\n"));
        write_human(out, value, pad.len() + 2);
    } else {
        let text = value.display().replace('\n', &format!("\n{pad}  "));
        let line = format!("{pad}{name}: {text}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// A record's fields for people: what names it first (`code`, `intent`, `id`...), then the
/// rest by name, long texts (`body`) last.
fn ordered(fields: &BTreeMap<String, Value>) -> Vec<(&String, &Value)> {
    let rank = |name: &str| match name {
        "code" | "intent" | "id" | "currency" | "channel" => 0,
        "body" => 2,
        _ => 1,
    };
    let mut out: Vec<_> = fields.iter().collect();
    out.sort_by_key(|(name, _)| rank(name));
    out
}

fn write_human(out: &mut String, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Record(fields) if fields.is_empty() => out.push_str(&format!("{pad}ok\n")),
        Value::Record(fields) => {
            for (name, v) in ordered(fields) {
                write_field(out, &pad, name, v);
            }
        }
        Value::List(items) if items.is_empty() => out.push_str(&format!("{pad}(none)\n")),
        Value::List(items) => {
            for item in items {
                match item {
                    Value::Record(fields) => {
                        let simple = fields
                            .values()
                            .all(|v| !is_nested(v) && !v.display().contains('\n'));
                        let line = ordered(fields)
                            .iter()
                            .map(|(k, v)| format!("{k}: {}", v.display()))
                            .collect::<Vec<_>>()
                            .join(", ");
                        if simple && line.chars().count() <= 100 {
                            out.push_str(&format!("{pad}- {line}\n"));
                        } else {
                            let mut block = String::new();
                            write_human(&mut block, item, indent + 2);
                            let block = block.get(indent + 2..).unwrap_or_default();
                            out.push_str(&format!("{pad}- {block}"));
                        }
                    }
                    Value::List(_) => {
                        out.push_str(&format!("{pad}-\n"));
                        write_human(out, item, indent + 2);
                    }
                    other => out.push_str(&format!("{pad}- {}\n", other.display())),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", other.display())),
    }
}

/// `atmflow bank <channel command>`: opens the bank in `data`, runs one operation and
/// prints its answer (as JSON with `json`). A refusal prints `refused: CODE: message` on
/// stderr (and the refusal's JSON on stdout with `json`) and exits 1.
pub fn run_cli(
    data: &Path,
    op: &str,
    args: BTreeMap<String, String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut bank = open_bank(data)?;
    match call(&mut bank, op, args, now()) {
        Ok(value) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&to_json(&value))?);
            } else {
                print!("{}", human(&value));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(HostError::Refused { code, message }) => {
            if json {
                println!("{}", refusal_json(&code, &message));
            }
            eprintln!("refused: {code}: {message}");
            Ok(ExitCode::from(1))
        }
        Err(e @ HostError::Unavailable(_)) => anyhow::bail!("{e}"),
    }
}

/// The demo cards as JSON (`atmflow bank cards --json`): index, masked number, demo PIN,
/// holder, kind and status.
pub fn cards_json() -> Json {
    Json::Array(
        Bank::demo_cards()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({"index": i + 1, "masked": c.masked, "pin": c.pin, "holder": c.holder,
                       "kind": c.kind, "status": c.status})
            })
            .collect(),
    )
}

/// The channel operations with their arguments and endpoints, for `atmflow bank --help`.
pub fn operations_help() -> String {
    let mut out = String::from(
        "Channel operations (scenario `channel` steps; the HTTP API of `atmflow bank serve`):\n",
    );
    for (op, usage) in atmflow_bank::CHANNEL_OPERATIONS {
        out.push_str(&format!("  {op}: {usage}\n"));
        if let Some(e) = ENDPOINTS.iter().find(|e| e.op == *op) {
            out.push_str(&format!("      {} {}\n", e.method, e.path));
        }
    }
    out
}

/// The demo bank in a data folder, created if need be.
pub fn open_bank(data: &Path) -> anyhow::Result<Bank> {
    std::fs::create_dir_all(data)
        .with_context(|| format!("cannot create the data folder {}", data.display()))?;
    Bank::open(&crate::bank_path(data))
        .with_context(|| format!("cannot open the demo bank in {}", data.display()))
}

/// An endpoint of the HTTP API and the channel operation behind it.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub op: &'static str,
}

/// Every endpoint of the HTTP API.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "POST",
        path: "/app/unique-codes",
        op: "app_issue_code",
    },
    Endpoint {
        method: "POST",
        path: "/app/soft-pin",
        op: "app_activate_soft_pin",
    },
    Endpoint {
        method: "POST",
        path: "/app/qr-intents",
        op: "app_qr",
    },
    Endpoint {
        method: "POST",
        path: "/business/deposit-codes",
        op: "business_deposit_code",
    },
    Endpoint {
        method: "GET",
        path: "/business/employees",
        op: "business_employees",
    },
    Endpoint {
        method: "POST",
        path: "/epara/intents",
        op: "epara_intent",
    },
    Endpoint {
        method: "GET",
        path: "/rates",
        op: "rates",
    },
    Endpoint {
        method: "GET",
        path: "/sms",
        op: "last_sms",
    },
    Endpoint {
        method: "GET",
        path: "/outbox",
        op: "outbox",
    },
];

/// A parsed HTTP request, as [`handle`] takes it.
#[derive(Clone, Debug, Default)]
pub struct ApiRequest {
    pub method: String,
    /// The path and query, e.g. `/sms?to=%2B355691234567`.
    pub target: String,
    /// The `Host` header, if any.
    pub host: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// The API's answer: a status and a JSON body.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Json,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl ApiResponse {
    fn ok(body: Json) -> ApiResponse {
        ApiResponse {
            status: 200,
            body,
            allow: None,
        }
    }

    fn error(status: u16, error: &str, message: impl Into<String>) -> ApiResponse {
        ApiResponse {
            status,
            body: json!({"error": error, "message": message.into()}),
            allow: None,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Whether a `Host` header names the loopback (`127.0.0.1`, `localhost`, `[::1]`, with
/// or without a port).
fn loopback_host(host: &str) -> bool {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or(host, |(name, _)| name)
    } else {
        host.split_once(':').map_or(host, |(name, _)| name)
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

/// `%XX` decoding of a query component (`+` stays a plus: phone numbers keep it).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn query_args(query: &str) -> Result<BTreeMap<String, String>, String> {
    let mut args = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (percent_decode(k), percent_decode(v)) {
            (Some(k), Some(v)) => {
                args.insert(k, v);
            }
            _ => {
                return Err(format!(
                    "the query part `{pair}` is not valid percent-encoding"
                ));
            }
        }
    }
    Ok(args)
}

/// A JSON body's fields as the operation's text arguments: strings as they are, numbers
/// and booleans as their JSON text, `{"amount", "currency"}` as `AMOUNT CURRENCY`; `null`
/// leaves the field out. An empty body is no arguments.
fn body_args(body: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let mut args = BTreeMap::new();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(args);
    }
    let value: Json =
        serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
    let Json::Object(fields) = value else {
        return Err("the body must be a JSON object of the operation's arguments".into());
    };
    for (name, v) in fields {
        let text = match v {
            Json::Null => continue,
            Json::String(s) => s,
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Object(o) => match (o.get("amount"), o.get("currency"), o.len()) {
                (Some(a), Some(Json::String(c)), 2) if a.is_string() || a.is_number() => {
                    let amount = a.as_str().map_or_else(|| a.to_string(), str::to_string);
                    format!("{amount} {c}")
                }
                _ => {
                    return Err(format!(
                        "the field `{name}` must be text, a number or a boolean"
                    ));
                }
            },
            Json::Array(_) => {
                return Err(format!(
                    "the field `{name}` must be text, a number or a boolean"
                ));
            }
        };
        args.insert(name, text);
    }
    Ok(args)
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// Answers one API request: routes it, calls the channel operation on `bank` and turns
/// the answer into a status and JSON. Never panics on any input.
pub fn handle(bank: &Mutex<Bank>, request: &ApiRequest, now: NaiveDateTime) -> ApiResponse {
    if let Some(host) = &request.host
        && !loopback_host(host)
    {
        return ApiResponse::error(
            403,
            "forbidden",
            "the API answers only requests to 127.0.0.1 or localhost",
        );
    }
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    if path == "/" {
        if request.method != "GET" {
            return ApiResponse {
                allow: Some("GET"),
                ..ApiResponse::error(405, "method_not_allowed", "use GET")
            };
        }
        let endpoints: Vec<Json> = ENDPOINTS
            .iter()
            .map(|e| json!({"method": e.method, "path": e.path, "op": e.op}))
            .collect();
        return ApiResponse::ok(json!({"endpoints": endpoints}));
    }
    let Some(endpoint) = ENDPOINTS.iter().find(|e| e.path == path) else {
        return ApiResponse::error(
            404,
            "not_found",
            format!("there is no endpoint {path}; GET / lists them"),
        );
    };
    if request.method != endpoint.method {
        return ApiResponse {
            allow: Some(endpoint.method),
            ..ApiResponse::error(
                405,
                "method_not_allowed",
                format!("{} takes {}", endpoint.path, endpoint.method),
            )
        };
    }
    let args = if endpoint.method == "GET" {
        query_args(query)
    } else if !is_json(request.content_type.as_deref()) && !request.body.is_empty() {
        return ApiResponse::error(
            415,
            "unsupported_media_type",
            "send the body as Content-Type: application/json",
        );
    } else {
        body_args(&request.body)
    };
    let args = match args {
        Ok(args) => args,
        Err(message) => return ApiResponse::error(400, "bad_request", message),
    };
    let answer = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut bank = bank.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        call(&mut bank, endpoint.op, args, now)
    }));
    match answer {
        Ok(Ok(value)) => ApiResponse::ok(to_json(&value)),
        Ok(Err(HostError::Refused { code, message })) => ApiResponse {
            status: 422,
            body: refusal_json(&code, &message),
            allow: None,
        },
        Ok(Err(HostError::Unavailable(message))) => ApiResponse::error(503, "unavailable", message),
        Err(_) => ApiResponse::error(500, "internal", "the bank failed on this request"),
    }
}

/// The HTTP API, bound to a loopback port, with its own connection to the bank.
pub struct Api {
    listener: TcpListener,
    bank: Arc<Mutex<Bank>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("addr", &self.listener.local_addr().ok())
            .finish()
    }
}

impl Api {
    /// Binds `127.0.0.1:port` (`0`: a free port) and opens the bank in `data`.
    pub fn bind(data: &Path, port: u16) -> anyhow::Result<Api> {
        let bank = open_bank(data)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        Ok(Api {
            listener,
            bank: Arc::new(Mutex::new(bank)),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves requests until the process ends.
    pub fn serve(self) {
        let live = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            let mut stream = match stream {
                Ok(s) => s,
                Err(_) => {
                    // Out of file descriptors or an aborted handshake: try again shortly.
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            };
            if live.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                live.fetch_sub(1, Ordering::SeqCst);
                let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
                let busy = ApiResponse::error(503, "busy", "too many connections; try again");
                let _ = write_response(&mut stream, &busy);
                continue;
            }
            let bank = Arc::clone(&self.bank);
            let counter = Arc::clone(&live);
            let spawned = std::thread::Builder::new()
                .name("atmflow-api".into())
                .spawn(move || {
                    serve_connection(stream, &bank);
                    counter.fetch_sub(1, Ordering::SeqCst);
                });
            if spawned.is_err() {
                live.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Serves requests on a thread of its own.
    pub fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("atmflow-api-accept".into())
            .spawn(move || self.serve())
    }
}

fn serve_connection(mut stream: TcpStream, bank: &Mutex<Bank>) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let response = match read_request(&mut stream) {
        Ok(request) => handle(bank, &request, now()),
        Err(Some(response)) => response,
        Err(None) => return,
    };
    if write_response(&mut stream, &response).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Read what the client may still send (a refused body) so that closing does not reset
    // the connection before it read the answer; bounded in bytes and time.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0_u8; 4096];
    let mut drained = 0;
    while drained < 4 * MAX_BODY {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Reads one request: `Err(Some(answer))` for a request to refuse, `Err(None)` when the
/// client went away.
fn read_request(stream: &mut impl Read) -> Result<ApiRequest, Option<ApiResponse>> {
    let start = Instant::now();
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 4096];
    let (mut request, head_len, content_length) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(head_len)) => {
                let mut request = ApiRequest {
                    method: parsed.method.unwrap_or_default().to_string(),
                    target: parsed.path.unwrap_or_default().to_string(),
                    ..ApiRequest::default()
                };
                let mut content_length = None;
                for h in parsed.headers.iter() {
                    let value = String::from_utf8_lossy(h.value).trim().to_string();
                    if h.name.eq_ignore_ascii_case("host") {
                        request.host = Some(value);
                    } else if h.name.eq_ignore_ascii_case("content-type") {
                        request.content_type = Some(value);
                    } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                        return Err(Some(ApiResponse::error(
                            411,
                            "length_required",
                            "send the body with a Content-Length",
                        )));
                    } else if h.name.eq_ignore_ascii_case("content-length") {
                        let Ok(n) = value.parse::<u64>() else {
                            return Err(Some(ApiResponse::error(
                                400,
                                "bad_request",
                                "the Content-Length is not a number",
                            )));
                        };
                        if content_length.is_some_and(|c| c != n) {
                            return Err(Some(ApiResponse::error(
                                400,
                                "bad_request",
                                "two different Content-Length headers",
                            )));
                        }
                        content_length = Some(n);
                    }
                }
                break (request, head_len, content_length.unwrap_or(0));
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Some(ApiResponse::error(
                    431,
                    "headers_too_large",
                    "too many headers",
                )));
            }
            Err(e) => {
                return Err(Some(ApiResponse::error(
                    400,
                    "bad_request",
                    format!("not an HTTP request: {e}"),
                )));
            }
        }
        if buf.len() >= MAX_HEAD {
            return Err(Some(ApiResponse::error(
                431,
                "headers_too_large",
                "the request line and headers exceed 8 KiB",
            )));
        }
        read_more(stream, &mut buf, &mut chunk, start)?;
    };
    let limit = u64::try_from(MAX_BODY).unwrap_or(u64::MAX);
    if content_length > limit {
        return Err(Some(ApiResponse::error(
            413,
            "too_large",
            format!("the body exceeds {MAX_BODY} bytes"),
        )));
    }
    let wanted = head_len + usize::try_from(content_length).unwrap_or(MAX_BODY);
    while buf.len() < wanted {
        read_more(stream, &mut buf, &mut chunk, start)?;
    }
    request.body = buf.get(head_len..wanted).unwrap_or_default().to_vec();
    Ok(request)
}

fn read_more(
    stream: &mut impl Read,
    buf: &mut Vec<u8>,
    chunk: &mut [u8],
    start: Instant,
) -> Result<(), Option<ApiResponse>> {
    let timeout = || ApiResponse::error(408, "timeout", "the request came too slowly");
    if start.elapsed() > REQUEST_DEADLINE {
        return Err(Some(timeout()));
    }
    match stream.read(chunk) {
        Ok(0) => Err(None),
        Ok(n) => {
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            Ok(())
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Err(Some(timeout()))
        }
        Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
        Err(_) => Err(None),
    }
}

fn write_response(stream: &mut impl Write, response: &ApiResponse) -> std::io::Result<()> {
    let mut body = serde_json::to_vec_pretty(&response.body).unwrap_or_else(|_| b"{}".to_vec());
    body.push(b'\n');
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        reason(response.status),
        body.len()
    );
    if let Some(allow) = response.allow {
        head.push_str(&format!("Allow: {allow}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use atmflow_engine::value::{Currency, Money};
    use rust_decimal::Decimal;

    fn bank() -> Mutex<Bank> {
        Mutex::new(Bank::open_in_memory().expect("bank"))
    }

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("time")
    }

    fn req(method: &str, target: &str, body: &str) -> ApiRequest {
        ApiRequest {
            method: method.into(),
            target: target.into(),
            host: Some("127.0.0.1:8077".into()),
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn demo_indexes_become_card_numbers() {
        let cards = Bank::demo_cards();
        assert_eq!(resolve_card("1"), cards[0].number);
        assert_eq!(resolve_card(" 2 "), cards[1].number);
        assert_eq!(resolve_card("0"), "0");
        assert_eq!(resolve_card("99"), "99");
        assert_eq!(resolve_card("4741230000001234"), "4741230000001234");
    }

    #[test]
    fn values_become_plain_json() {
        let money = Value::Money(Money::new(
            Decimal::new(500000, 2),
            Currency::new("ALL").expect("currency"),
        ));
        let v = Value::record([
            ("amount", money),
            ("code", Value::text("123456")),
            ("n", Value::number(3)),
            (
                "pin",
                Value::Secret(atmflow_engine::value::Secret::new("1234")),
            ),
            ("list", Value::List(vec![Value::Bool(true)])),
        ]);
        assert_eq!(
            to_json(&v),
            json!({"amount": {"amount": "5000.00", "currency": "ALL"}, "code": "123456",
                   "n": "3", "pin": "***", "list": [true]})
        );
        let text = human(&v);
        assert!(text.contains("amount: 5,000.00 ALL\n"), "{text}");
        assert!(text.contains("code: 123456\n"), "{text}");
        assert!(!text.contains("1234\n"), "{text}");
    }

    #[test]
    fn human_lists_records_on_lines_or_blocks() {
        let short = Value::record([("currency", Value::text("EUR"))]);
        let long = Value::record([
            ("to", Value::text("+355")),
            ("body", Value::text("line one\nline two")),
        ]);
        let text = human(&Value::List(vec![short, long]));
        assert_eq!(
            text,
            "- currency: EUR\n- to: +355\n  body: line one\n    line two\n"
        );
        assert_eq!(human(&Value::List(vec![])), "(none)\n");
    }

    #[test]
    fn body_fields_become_text_arguments() {
        let args = body_args(
            br#"{"card": 1, "amount": {"amount": 5000, "currency": "ALL"}, "x": null, "b": true, "s": "t"}"#,
        )
        .expect("args");
        assert_eq!(args.get("card").map(String::as_str), Some("1"));
        assert_eq!(args.get("amount").map(String::as_str), Some("5000 ALL"));
        assert_eq!(args.get("b").map(String::as_str), Some("true"));
        assert!(!args.contains_key("x"));
        assert!(body_args(b"").expect("empty").is_empty());
        assert!(body_args(b"[1]").is_err());
        assert!(body_args(b"{\"a\": [1]}").is_err());
        assert!(body_args(b"{\"a\": {\"b\": 1}}").is_err());
        assert!(body_args(b"{not json").is_err());
        assert!(body_args(&vec![b'['; 10_000]).is_err());
    }

    #[test]
    fn queries_decode() {
        let args = query_args("to=%2B355691234567&account=ACC-0001&flag").expect("query");
        assert_eq!(args.get("to").map(String::as_str), Some("+355691234567"));
        assert_eq!(args.get("flag").map(String::as_str), Some(""));
        assert_eq!(
            query_args("to=+355")
                .expect("plus")
                .get("to")
                .map(String::as_str),
            Some("+355")
        );
        assert!(query_args("to=%2").is_err());
        assert!(query_args("to=%+1").is_err());
        assert!(query_args("to=%FF").is_err());
    }

    #[test]
    fn routes_and_refusals() {
        let bank = bank();
        let now = at();
        assert_eq!(handle(&bank, &req("GET", "/", ""), now).status, 200);
        assert_eq!(handle(&bank, &req("GET", "/nope", ""), now).status, 404);
        let r = handle(&bank, &req("GET", "/app/unique-codes", ""), now);
        assert_eq!((r.status, r.allow), (405, Some("POST")));
        assert_eq!(
            handle(&bank, &req("POST", "/app/unique-codes", "{"), now).status,
            400
        );
        let mut plain = req("POST", "/app/unique-codes", "{}");
        plain.content_type = Some("text/plain".into());
        assert_eq!(handle(&bank, &plain, now).status, 415);
        let mut foreign = req("GET", "/rates", "");
        foreign.host = Some("evil.example:8077".into());
        assert_eq!(handle(&bank, &foreign, now).status, 403);
        let r = handle(
            &bank,
            &req(
                "POST",
                "/app/unique-codes",
                r#"{"card": "1", "amount": "x"}"#,
            ),
            now,
        );
        assert_eq!(r.status, 422, "{:?}", r.body);
        assert!(r.body["refused"].is_string(), "{:?}", r.body);
    }

    #[test]
    fn every_channel_operation_has_an_endpoint() {
        for (op, _) in atmflow_bank::CHANNEL_OPERATIONS {
            assert!(ENDPOINTS.iter().any(|e| e.op == *op), "{op}");
        }
        for e in ENDPOINTS {
            assert!(
                atmflow_bank::CHANNEL_OPERATIONS
                    .iter()
                    .any(|(op, _)| *op == e.op),
                "{}",
                e.op
            );
        }
    }

    #[test]
    fn hosts() {
        assert!(loopback_host("127.0.0.1:8077"));
        assert!(loopback_host("localhost"));
        assert!(loopback_host("[::1]:8077"));
        assert!(loopback_host("LOCALHOST:1"));
        assert!(!loopback_host("127.0.0.1.evil.example"));
        assert!(!loopback_host("example.com"));
        assert!(!loopback_host("[::1"));
    }

    #[test]
    fn requests_are_read_within_limits() {
        let ok = b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}extra";
        let r = read_request(&mut &ok[..]).expect("request");
        assert_eq!((r.method.as_str(), r.body.as_slice()), ("POST", &b"{}"[..]));
        let big = b"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n";
        assert_eq!(
            read_request(&mut &big[..])
                .err()
                .flatten()
                .map(|r| r.status),
            Some(400)
        );
        let big = b"POST /x HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n";
        assert_eq!(
            read_request(&mut &big[..])
                .err()
                .flatten()
                .map(|r| r.status),
            Some(413)
        );
        let chunked = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(
            read_request(&mut &chunked[..])
                .err()
                .flatten()
                .map(|r| r.status),
            Some(411)
        );
        let garbage = b"\x00\x01\x02 not http\r\n\r\n";
        assert_eq!(
            read_request(&mut &garbage[..])
                .err()
                .flatten()
                .map(|r| r.status),
            Some(400)
        );
        let long = [b'a'; MAX_HEAD + 10];
        let mut long_req = b"GET /".to_vec();
        long_req.extend_from_slice(&long);
        assert_eq!(
            read_request(&mut &long_req[..])
                .err()
                .flatten()
                .map(|r| r.status),
            Some(431)
        );
        let short = b"GET / HTTP/1.1\r\n";
        assert!(matches!(read_request(&mut &short[..]), Err(None)));
        let cut = b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}";
        assert!(matches!(read_request(&mut &cut[..]), Err(None)));
    }
}
