//! The outside world of the ownership checker, run on 127.0.0.1 by each test: a DNS server
//! answering A, AAAA and TXT from a table, a website whose pages a test sets, and a bare
//! listener that counts connections (to prove the checker never connected).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, TXT};
use hickory_proto::rr::{RData, Record, RecordType};

#[derive(Default)]
struct Zone {
    addrs: HashMap<String, Vec<IpAddr>>,
    txt: HashMap<String, Vec<String>>,
}

/// A DNS server over UDP. Names it has nothing for are NXDOMAIN; answers have TTL 0.
#[derive(Clone)]
pub struct FakeDns {
    pub addr: SocketAddr,
    zone: Arc<Mutex<Zone>>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl FakeDns {
    pub async fn start() -> FakeDns {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let zone = Arc::new(Mutex::new(Zone::default()));
        let served = zone.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let answer = answer(&query, &served.lock().unwrap());
                if let Ok(bytes) = answer.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        FakeDns { addr, zone }
    }

    /// Sets every address of `name` (A and AAAA alike).
    pub fn set_addrs(&self, name: &str, addrs: &[IpAddr]) {
        self.zone
            .lock()
            .unwrap()
            .addrs
            .insert(key(name), addrs.to_vec());
    }

    /// Sets the TXT records of `name` (none: removes them).
    pub fn set_txt(&self, name: &str, records: &[&str]) {
        let mut zone = self.zone.lock().unwrap();
        if records.is_empty() {
            zone.txt.remove(&key(name));
        } else {
            zone.txt
                .insert(key(name), records.iter().map(|r| r.to_string()).collect());
        }
    }
}

fn answer(query: &Message, zone: &Zone) -> Message {
    let mut out = Message::new();
    out.set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(query.op_code())
        .set_recursion_desired(query.recursion_desired())
        .set_recursion_available(true)
        .set_authoritative(true);
    let mut known = false;
    for q in query.queries() {
        out.add_query(q.clone());
        let name = key(&q.name().to_ascii());
        if let Some(addrs) = zone.addrs.get(&name) {
            known = true;
            for ip in addrs {
                let rdata = match (ip, q.query_type()) {
                    (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                    (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                    _ => continue,
                };
                out.add_answer(Record::from_rdata(q.name().clone(), 0, rdata));
            }
        }
        if let Some(records) = zone.txt.get(&name) {
            known = true;
            if q.query_type() == RecordType::TXT {
                for r in records {
                    out.add_answer(Record::from_rdata(
                        q.name().clone(),
                        0,
                        RData::TXT(TXT::new(vec![r.clone()])),
                    ));
                }
            }
        }
    }
    if !known {
        out.set_response_code(ResponseCode::NXDomain);
    }
    out
}

/// What the site answers at a path.
#[derive(Clone)]
pub enum Page {
    Html(String),
    Text(String),
    Redirect(String),
}

/// A website on 127.0.0.1: unknown paths are 404. Counts the requests it answered.
#[derive(Clone)]
pub struct FakeSite {
    pub port: u16,
    pages: Arc<Mutex<HashMap<String, Page>>>,
    pub requests: Arc<AtomicUsize>,
}

impl FakeSite {
    pub async fn start() -> FakeSite {
        FakeSite::start_on("127.0.0.1").await
    }

    /// On another loopback address (`127.0.0.2`: another machine, as far as the checker
    /// can tell).
    pub async fn start_on(ip: &str) -> FakeSite {
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let (p, r) = (pages.clone(), requests.clone());
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let page = p.lock().unwrap().get(uri.path()).cloned();
            r.fetch_add(1, Ordering::SeqCst);
            async move { respond(page) }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeSite {
            port,
            pages,
            requests,
        }
    }

    pub fn set(&self, path: &str, page: Page) {
        self.pages.lock().unwrap().insert(path.to_string(), page);
    }

    pub fn remove(&self, path: &str) {
        self.pages.lock().unwrap().remove(path);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn respond(page: Option<Page>) -> Response {
    match page {
        None => (StatusCode::NOT_FOUND, "not here").into_response(),
        Some(Page::Html(body)) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
        }
        Some(Page::Text(body)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
        }
        Some(Page::Redirect(to)) => {
            (StatusCode::FOUND, [(header::LOCATION, to)], "").into_response()
        }
    }
}

/// A listener that accepts and counts connections, answering nothing.
pub struct CountingListener {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
}

impl CountingListener {
    pub async fn start(bind: &str) -> CountingListener {
        let listener = tokio::net::TcpListener::bind(format!("{bind}:0"))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        CountingListener { port, accepted }
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// An HTML page with this verification meta tag in its head.
pub fn page_with_meta(token: &str) -> Page {
    Page::Html(format!(
        "<!doctype html><html><head><title>My site</title><meta name=\"traffic-sources-verification\" content=\"{token}\"></head><body><h1>Hello</h1></body></html>"
    ))
}

/// A port on 127.0.0.1 that nothing listens on (connections are refused).
pub fn closed_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// A port whose connections go unanswered, as a firewall that drops packets makes them:
/// a listener that never accepts, its queue filled first, so the kernel drops new SYNs.
/// Holds the connections that filled it.
pub struct FilteredPort {
    pub port: u16,
    _listener: tokio::net::TcpListener,
    _filling: Vec<tokio::net::TcpStream>,
}

impl FilteredPort {
    pub async fn start() -> FilteredPort {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = socket.local_addr().unwrap().port();
        let listener = socket.listen(0).unwrap();
        let mut filling = Vec::new();
        // Connect until one is not answered within 300 ms: the queue is full from then on.
        for _ in 0..16 {
            let attempt = tokio::time::timeout(
                std::time::Duration::from_millis(300),
                tokio::net::TcpStream::connect(("127.0.0.1", port)),
            )
            .await;
            match attempt {
                Ok(Ok(stream)) => filling.push(stream),
                _ => {
                    return FilteredPort {
                        port,
                        _listener: listener,
                        _filling: filling,
                    }
                }
            }
        }
        panic!("the listen queue never filled up");
    }
}

/// A listener on 127.0.0.1 that accepts and then answers with `greeting` (or, empty,
/// with nothing at all), holding the connection open: an open port that is no website.
pub async fn open_port(greeting: &'static [u8]) -> u16 {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            if !greeting.is_empty() {
                let _ = socket.write_all(greeting).await;
            }
            held.push(socket);
        }
    });
    port
}
