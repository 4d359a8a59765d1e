//! `atmflow bank serve`: the real binary on a free loopback port (`--port 0`, the chosen
//! port read from its first line) and a temporary data folder, asked with plain
//! `TcpStream`s. Every wait is bounded; the server is killed at the end of each test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A running `atmflow bank serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .env_remove("ATMFLOW_DATA")
        .args(["bank", "serve", "--port", "0", "--data"])
        .arg(data.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("atmflow starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(TIMEOUT) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("the server did not say where it listens");
        }
    };
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse::<SocketAddr>().ok());
    let Some(addr) = addr else {
        let _ = child.kill();
        panic!("no address in {line:?}");
    };
    assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST, "{line}");
    Server {
        child,
        addr,
        _data: data,
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// Sends raw bytes and reads the whole answer.
fn raw(server: &Server, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect_timeout(&server.addr, TIMEOUT).expect("connects");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream.write_all(request).expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("reads the answer");
    let answer = String::from_utf8(answer).expect("UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn request(server: &Server, method: &str, target: &str, body: Option<&str>) -> Reply {
    let mut text = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr
    );
    if let Some(body) = body {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    text.push_str("\r\n");
    text.push_str(body.unwrap_or_default());
    raw(server, text.as_bytes())
}

fn get(server: &Server, target: &str) -> Reply {
    request(server, "GET", target, None)
}

fn post(server: &Server, target: &str, body: &Value) -> Reply {
    request(server, "POST", target, Some(&body.to_string()))
}

#[test]
fn routes_answer_with_the_right_status() {
    let server = start();

    let r = get(&server, "/rates");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.head.contains("Content-Type: application/json"),
        "{}",
        r.head
    );
    let rates = r.json();
    assert!(
        rates
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["currency"] == "EUR")),
        "{rates}"
    );

    let r = get(&server, "/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("/app/unique-codes"), "{}", r.body);

    let r = get(&server, "/no/such/thing");
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["error"], "not_found");

    let r = request(&server, "DELETE", "/rates", None);
    assert_eq!(r.status, 405, "{}", r.body);
    assert!(r.head.contains("Allow: GET"), "{}", r.head);

    let r = request(&server, "POST", "/app/unique-codes", Some("{\"card\": "));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"], "bad_request");

    let r = request(&server, "POST", "/app/unique-codes", Some("[1, 2]"));
    assert_eq!(r.status, 400, "{}", r.body);

    let big = format!("{{\"payload\": \"{}\"}}", "x".repeat(20 * 1024));
    let r = request(&server, "POST", "/epara/intents", Some(&big));
    assert_eq!(r.status, 413, "{}", r.body);

    let r = raw(
        &server,
        b"POST /app/unique-codes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
          Content-Length: 2\r\n\r\n{}",
    );
    assert_eq!(r.status, 415, "{}", r.body);

    let r = raw(
        &server,
        b"GET /rates HTTP/1.1\r\nHost: attacker.example\r\n\r\n",
    );
    assert_eq!(r.status, 403, "{}", r.body);

    let r = raw(&server, b"\x16\x03\x01 definitely not HTTP\r\n\r\n");
    assert_eq!(r.status, 400, "{}", r.body);

    // Still serving after all that.
    assert_eq!(get(&server, "/rates").status, 200);
}

#[test]
fn refusals_are_422_with_their_code() {
    let server = start();
    let r = post(
        &server,
        "/app/unique-codes",
        &json!({"card": "1", "account": "ACC-0001", "amount": "50 ALL", "hours": 24, "terminal": ""}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let v = r.json();
    assert_eq!(v["refused"], "invalid_amount", "{v}");
    assert!(v["message"].is_string(), "{v}");

    let r = get(&server, "/sms?to=%2B355600000000");
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["refused"], "no_sms");
}

#[test]
fn the_channels_work_end_to_end() {
    let server = start();
    let r = post(
        &server,
        "/app/unique-codes",
        &json!({"card": 1, "account": "ACC-0001", "amount": {"amount": 5000, "currency": "ALL"},
                "hours": 24, "terminal": "T001"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let code = v["code"].as_str().unwrap_or_default();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{v}"
    );
    assert_eq!(v["amount"], json!({"amount": "5000.00", "currency": "ALL"}));

    let r = get(&server, "/business/employees?account=ACC-0006");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("E-100"), "{}", r.body);

    let r = post(
        &server,
        "/business/deposit-codes",
        &json!({"account": "ACC-0006", "employee": "E-100", "terminal": "ALL", "hours": 24,
                "source": "daily takings", "currency": "ALL"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let issued = r.json()["code"].clone();

    let r = get(&server, "/sms?to=%2B355694445566");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["code"], issued);

    let r = get(&server, "/outbox");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json()
            .as_array()
            .is_some_and(|l| l.iter().any(|m| m["recipient"] == "+355694445566")),
        "{}",
        r.body
    );

    let r = post(
        &server,
        "/app/soft-pin",
        &json!({"card": "1", "soft_pin": "2580", "soft_pin_again": "2580"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["activated"], true);

    let r = post(
        &server,
        "/epara/intents",
        &json!({"wallet": "W-1001", "kind": "withdrawal", "amount": "2000 ALL",
                "payload": "not-a-terminal"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["refused"], "unknown_qr");
}
