//! A fault-injecting HTTP proxy between obsctl and the emulator, for the
//! failures real AWS produces and the emulator never does. A configurable
//! share of requests is answered with one of:
//!
//! - the protocol's own throttling error: CloudWatch (Smithy RPC v2 CBOR)
//!   `{"__type": "Throttling"}` in CBOR, CloudWatch Logs (JSON 1.1)
//!   `ThrottlingException`, SNS (query protocol) an XML `Throttled`
//!   `ErrorResponse`, STS `Throttling`;
//! - a bare `503 Service Unavailable`;
//! - a connection closed before the request is forwarded;
//! - a connection closed after the request was forwarded and processed, its
//!   answer lost (the case that duplicates non-idempotent creates).
//!
//! Decisions are seeded and keyed on the request's content and how often
//! that same request was seen, so a run is reproducible whatever order
//! concurrent requests arrive in, and a retried request gets a fresh draw.
//! One request per connection (`connection: close` both ways).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What went through the proxy.
#[derive(Debug, Default)]
pub struct Counts {
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
    pub unavailable: AtomicU64,
    pub dropped_before: AtomicU64,
    pub dropped_after: AtomicU64,
}

impl Counts {
    pub fn faults(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
            + self.unavailable.load(Ordering::Relaxed)
            + self.dropped_before.load(Ordering::Relaxed)
            + self.dropped_after.load(Ordering::Relaxed)
    }

    pub fn summary(&self) -> String {
        format!(
            "forwarded {} (of which {} answers lost), throttled {}, 503 {}, dropped before forwarding {}",
            self.forwarded.load(Ordering::Relaxed),
            self.dropped_after.load(Ordering::Relaxed),
            self.throttled.load(Ordering::Relaxed),
            self.unavailable.load(Ordering::Relaxed),
            self.dropped_before.load(Ordering::Relaxed),
        )
    }
}

/// A running proxy; stops accepting on drop.
pub struct FaultProxy {
    pub url: String,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    addr: String,
}

struct Config {
    upstream: String,
    share: f64,
    seed: u64,
    seen: Mutex<HashMap<u64, u32>>,
}

impl FaultProxy {
    /// Proxies to `upstream` (`http://127.0.0.1:port`), faulting `share`
    /// (0.0–1.0) of requests, decided from `seed`.
    pub fn start(upstream: &str, share: f64, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let config = Arc::new(Config {
            upstream: upstream.trim_start_matches("http://").to_string(),
            share,
            seed,
            seen: Mutex::new(HashMap::new()),
        });
        {
            let (counts, stop) = (counts.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (config, counts) = (config.clone(), counts.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, &config, &counts);
                    });
                }
            });
        }
        FaultProxy {
            url: format!("http://{addr}"),
            counts,
            stop,
            addr,
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

fn fnv(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A request: head (without the final blank line) and body.
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn read_request(conn: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut body = buf[head_end + 4..].to_vec();
    let request = Request { head, body: vec![] };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Request { body, ..request }))
}

#[derive(Clone, Copy)]
enum Fault {
    Throttle,
    Unavailable,
    DropBefore,
    DropAfter,
}

fn decide(config: &Config, req: &Request) -> Option<Fault> {
    let line = req.head.lines().next().unwrap_or_default();
    let target = req.header("x-amz-target").unwrap_or_default();
    let key = fnv(
        config.seed,
        &[line.as_bytes(), target.as_bytes(), &req.body],
    );
    let occurrence = {
        let mut seen = config.seen.lock().unwrap();
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        *n
    };
    let draw = fnv(
        config.seed,
        &[&key.to_le_bytes(), &occurrence.to_le_bytes()],
    );
    let fraction = (draw % 1_000_000) as f64 / 1_000_000.0;
    if fraction >= config.share {
        return None;
    }
    Some(match (draw / 1_000_000) % 10 {
        0..=3 => Fault::Throttle,
        4..=5 => Fault::Unavailable,
        6..=7 => Fault::DropBefore,
        _ => Fault::DropAfter,
    })
}

fn serve(mut conn: TcpStream, config: &Config, counts: &Counts) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let Some(req) = read_request(&mut conn)? else {
        return Ok(());
    };
    match decide(config, &req) {
        Some(Fault::Throttle) => {
            counts.throttled.fetch_add(1, Ordering::Relaxed);
            conn.write_all(&throttling(&req))?;
        }
        Some(Fault::Unavailable) => {
            counts.unavailable.fetch_add(1, Ordering::Relaxed);
            conn.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )?;
        }
        Some(Fault::DropBefore) => {
            counts.dropped_before.fetch_add(1, Ordering::Relaxed);
        }
        Some(Fault::DropAfter) => {
            counts.dropped_after.fetch_add(1, Ordering::Relaxed);
            counts.forwarded.fetch_add(1, Ordering::Relaxed);
            forward(config, &req)?;
        }
        None => {
            counts.forwarded.fetch_add(1, Ordering::Relaxed);
            let response = forward(config, &req)?;
            conn.write_all(&response)?;
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
    Ok(())
}

/// Sends the request upstream on a fresh connection and returns the whole
/// response, marked `connection: close`.
fn forward(config: &Config, req: &Request) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(&config.upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head: Vec<&str> = req
        .head
        .lines()
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        })
        .collect();
    head.push("connection: close");
    up.write_all(format!("{}\r\n\r\n", head.join("\r\n")).as_bytes())?;
    up.write_all(&req.body)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    Ok(mark_close(response))
}

fn mark_close(response: Vec<u8>) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response;
    };
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    if head.to_ascii_lowercase().contains("\r\nconnection:") {
        return response;
    }
    let mut out = format!("{head}\r\nconnection: close").into_bytes();
    out.extend_from_slice(&response[end..]);
    out
}

/// A CBOR text string.
fn cbor_text(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 24 {
        out.push(0x60 | n as u8);
    } else {
        out.push(0x78);
        out.push(n as u8);
    }
    out.extend_from_slice(s.as_bytes());
}

/// The throttling error of the request's protocol.
fn throttling(req: &Request) -> Vec<u8> {
    let response = |content_type: &str, extra: &str, body: &[u8]| {
        let mut out = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: {content_type}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    };
    if req.header("smithy-protocol").is_some()
        || req.header("content-type") == Some("application/cbor")
    {
        let mut body = vec![0xa2];
        cbor_text(&mut body, "__type");
        cbor_text(&mut body, "Throttling");
        cbor_text(&mut body, "message");
        cbor_text(&mut body, "Rate exceeded");
        return response(
            "application/cbor",
            "smithy-protocol: rpc-v2-cbor\r\n",
            &body,
        );
    }
    if req.header("x-amz-target").is_some() {
        return response(
            "application/x-amz-json-1.1",
            "",
            br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
        );
    }
    let body = String::from_utf8_lossy(&req.body);
    let code = if body.contains("Action=GetCallerIdentity") {
        "Throttling"
    } else {
        "Throttled"
    };
    let xml = format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    response("text/xml", "", xml.as_bytes())
}
