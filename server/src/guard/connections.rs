//! What [`super::serve`] keeps per connection: the caps' counts, whether the connection
//! is idle between requests, and a socket that gives up on a client that stopped reading.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::body::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Open connections, in all and per peer address.
pub struct Connections {
    max_total: usize,
    max_per_address: Option<usize>,
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// A place under the caps, given back when dropped.
pub struct Ticket {
    connections: Arc<Connections>,
    address: Option<IpAddr>,
}

impl Connections {
    pub fn new(max_total: usize, max_per_address: Option<usize>) -> Connections {
        Connections {
            max_total,
            max_per_address,
            total: AtomicUsize::new(0),
            per_address: Mutex::new(HashMap::new()),
        }
    }

    /// A ticket, or `None` when the instance or this address is at its cap.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Ticket> {
        if self.total.fetch_add(1, Ordering::AcqRel) >= self.max_total {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let mut ticket = Ticket {
            connections: self.clone(),
            address: None,
        };
        if let Some(max) = self.max_per_address {
            let mut per = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
            let count = per.entry(address).or_insert(0);
            if *count >= max {
                return None; // the ticket's drop gives the total back
            }
            *count += 1;
            ticket.address = Some(address);
        }
        Some(ticket)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.connections.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(address) = self.address {
            let mut per = self
                .connections
                .per_address
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(count) = per.get_mut(&address) {
                *count -= 1;
                if *count == 0 {
                    per.remove(&address);
                }
            }
        }
    }
}

/// A small bounded count (refused connections lingering before they close).
#[derive(Default)]
pub struct Stalls {
    count: Arc<AtomicUsize>,
}

pub struct StallGuard(Arc<AtomicUsize>);

impl Stalls {
    const MAX: usize = 256;

    pub fn enter(&self) -> Option<StallGuard> {
        if self.count.fetch_add(1, Ordering::AcqRel) >= Self::MAX {
            self.count.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(StallGuard(self.count.clone()))
    }
}

impl Drop for StallGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Whether a connection is between requests, and since when.
pub struct Activity {
    in_flight: AtomicUsize,
    /// Bytes arrived since the last answer ended: a request is on its way, so the header
    /// timeout, not the idle limit, governs.
    heard: AtomicBool,
    /// When the last answer ended; `None` before the first (the header timeout governs a
    /// new connection).
    idle_since: Mutex<Option<Instant>>,
    changed: Notify,
}

impl Default for Activity {
    fn default() -> Activity {
        Activity {
            in_flight: AtomicUsize::new(0),
            heard: AtomicBool::new(false),
            idle_since: Mutex::new(None),
            changed: Notify::new(),
        }
    }
}

/// A request being answered; its drop (the answer's body sent or abandoned) ends it.
pub struct InFlight(Arc<Activity>);

impl Activity {
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_waiters();
        InFlight(self.clone())
    }

    /// Resolves once the connection has been idle between requests for `limit`.
    pub async fn idle_for(&self, limit: Duration) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let since = *self.idle_since.lock().unwrap_or_else(|e| e.into_inner());
            match since {
                Some(since)
                    if self.in_flight.load(Ordering::Acquire) == 0
                        && !self.heard.load(Ordering::Acquire) =>
                {
                    let deadline = since + limit;
                    if Instant::now() >= deadline {
                        return;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => {}
                        _ = changed => {}
                    }
                }
                _ => changed.await,
            }
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        *activity
            .idle_since
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        activity.heard.store(false, Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
        activity.changed.notify_waiters();
    }
}

/// An answer's body that ends its request's [`InFlight`] when it ends or is dropped.
pub struct TrackedBody {
    body: Body,
    in_flight: Option<InFlight>,
}

impl TrackedBody {
    pub fn new(body: Body, in_flight: InFlight) -> TrackedBody {
        TrackedBody {
            body,
            in_flight: Some(in_flight),
        }
    }
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.in_flight = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, with two watches: bytes heard (for [`Activity`]) and writes that make no
/// progress for `send_timeout` (a client that stopped reading, e.g. a stalled download),
/// which fail so that the connection and what it holds are let go. nginx's `send_timeout`.
pub struct Guarded<IO> {
    io: IO,
    send_timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    activity: Arc<Activity>,
}

impl<IO> Guarded<IO> {
    pub fn new(io: IO, send_timeout: Duration, activity: Arc<Activity>) -> Guarded<IO> {
        Guarded {
            io,
            send_timeout,
            stalled: None,
            activity,
        }
    }

    /// Called when a write is pending: fails once it has been pending too long.
    fn check_stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        let timeout = self.send_timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(
        &mut self,
        polled: Poll<std::io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                self.stalled = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.check_stall(cx),
        }
    }
}

use std::future::Future;

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.heard.store(true, Ordering::Release);
            self.activity.changed.notify_waiters();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.progressed(polled, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.progressed(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.progressed(polled, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
