//! An SMTP server inside the process (Tokio): answers the dialogue minimally but correctly
//! (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps or
//! counts what it receives, so tests can count the emails the notifier sent and read their
//! headers and links. It can be stopped (its port then refuses connections, like a mail server
//! that is down) and started again on the same port. A message cut off before its final dot is
//! not kept (as with any SMTP server).
//!
//! Used by the integration tests and by the notifier's SMTP benchmark.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader,
    ReadBuf,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One received email.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed, CRLF line ends).
    pub data: Vec<u8>,
}

impl Received {
    /// The message as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The value of the first header `name` (case-insensitive), unfolded, still encoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// The message with quoted-printable soft line breaks and `=3D` undone, enough to find links.
    pub fn decoded(&self) -> String {
        self.text().replace("=\r\n", "").replace("=3D", "=")
    }

    /// Every `http(s)://…` link in the message that contains `path`.
    pub fn links(&self, path: &str) -> Vec<String> {
        let text = self.decoded();
        let mut links = Vec::new();
        for (i, _) in text.match_indices("http") {
            let rest = &text[i..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
                .unwrap_or(rest.len());
            let link = rest[..end].replace("&amp;", "&");
            if link.contains(path) && !links.contains(&link) {
                links.push(link);
            }
        }
        links
    }
}

/// How the sink behaves.
#[derive(Debug, Clone, Copy)]
pub struct SinkOptions {
    /// Keep every message (tests) or only count them (benchmark).
    pub keep: bool,
    /// Wait this long before accepting each message (makes concurrent senders overlap).
    pub data_delay: Duration,
    /// Acknowledge every TCP segment at once (`TCP_QUICKACK` after each read) instead of
    /// delaying ACKs as kernels (and real mail servers) do by default: removes the stall of a
    /// client that writes a message in two pieces without `TCP_NODELAY` (the benchmark uses it
    /// to show that stall).
    pub quick_ack: bool,
}

impl Default for SinkOptions {
    fn default() -> Self {
        Self {
            keep: true,
            data_delay: Duration::ZERO,
            quick_ack: false,
        }
    }
}

#[derive(Debug, Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    accepted: AtomicU64,
    connections: AtomicU64,
}

/// The sink. Dropping it stops the server.
pub struct SmtpSink {
    pub addr: SocketAddr,
    options: SinkOptions,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// A running sink on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        Self::start_with(SinkOptions::default()).await
    }

    pub async fn start_with(options: SinkOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("local address of the sink");
        let shared = Arc::new(Shared::default());
        let task = Some(tokio::spawn(accept(listener, Arc::clone(&shared), options)));
        Self {
            addr,
            options,
            shared,
            task,
        }
    }

    /// A sink that is down: a free port where nothing listens (until [`SmtpSink::restart`]).
    pub async fn down() -> Self {
        let mut sink = Self::start().await;
        sink.stop().await;
        sink
    }

    /// `smtp://127.0.0.1:<port>` (plain: a local test server).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn is_running(&self) -> bool {
        self.task.is_some()
    }

    /// Stops listening and drops open connections; returns when the port refuses connections.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Starts again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    tries += 1;
                    assert!(tries < 100, "cannot bind {} again: {e}", self.addr);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        self.task = Some(tokio::spawn(accept(
            listener,
            Arc::clone(&self.shared),
            self.options,
        )));
    }

    /// Every message kept so far.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.messages).clone()
    }

    /// The messages to `rcpt`.
    pub fn to(&self, rcpt: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(rcpt)))
            .collect()
    }

    /// Messages accepted (kept or not).
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// Connections accepted.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Owns the listener and every session: aborting it closes them all.
async fn accept(listener: TcpListener, shared: Arc<Shared>, options: SinkOptions) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    sessions.spawn(session(stream, Arc::clone(&shared), options));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}

/// One line without its CRLF (or LF); `None` at end of stream.
async fn read_line<R: AsyncBufRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> Option<()> {
    buf.clear();
    match r.read_until(b'\n', buf).await {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            Some(())
        }
    }
}

/// The server's side of a connection (see [`SinkOptions::quick_ack`]).
struct Conn {
    stream: TcpStream,
    quick_ack: bool,
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if self.quick_ack && polled.is_ready() {
            let _ = socket2::SockRef::from(&self.stream).set_tcp_quickack(true);
        }
        polled
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>, options: SinkOptions) {
    let _ = stream.set_nodelay(true);
    let mut read = BufReader::new(Conn {
        stream,
        quick_ack: options.quick_ack,
    });
    if reply(&mut read, b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = Vec::with_capacity(256);
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    while read_line(&mut read, &mut line).await.is_some() {
        let text = String::from_utf8_lossy(&line).into_owned();
        let verb = text
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 sink.test\r\n",
            "NOOP" => b"250 ok\r\n",
            "RSET" => {
                from = None;
                to.clear();
                b"250 ok\r\n"
            }
            "MAIL" => match path_of(&text, "MAIL FROM:") {
                Some(addr) => {
                    from = Some(addr);
                    to.clear();
                    b"250 ok\r\n"
                }
                None => b"501 syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (&from, path_of(&text, "RCPT TO:")) {
                (None, _) => b"503 need MAIL first\r\n",
                (Some(_), Some(addr)) => {
                    to.push(addr);
                    b"250 ok\r\n"
                }
                (Some(_), None) => b"501 syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if from.is_none() || to.is_empty() => b"503 need MAIL and RCPT first\r\n",
            "DATA" => {
                if reply(&mut read, b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = Vec::with_capacity(8 * 1024);
                loop {
                    if read_line(&mut read, &mut line).await.is_none() {
                        return; // the client went away mid-message: nothing accepted
                    }
                    if line == b"." {
                        break;
                    }
                    let content = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(content);
                    data.extend_from_slice(b"\r\n");
                }
                if !options.data_delay.is_zero() {
                    tokio::time::sleep(options.data_delay).await;
                }
                shared.accepted.fetch_add(1, Ordering::Relaxed);
                if options.keep {
                    lock(&shared.messages).push(Received {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                from = None;
                to.clear();
                b"250 ok: queued\r\n"
            }
            "QUIT" => {
                let _ = reply(&mut read, b"221 bye\r\n").await;
                let _ = read.get_mut().shutdown().await;
                return;
            }
            _ => b"502 command not implemented\r\n",
        };
        if reply(&mut read, answer).await.is_err() {
            return;
        }
    }
}

async fn reply(conn: &mut BufReader<Conn>, text: &[u8]) -> std::io::Result<()> {
    conn.get_mut().write_all(text).await
}

/// The address of `MAIL FROM:<a> [params]` / `RCPT TO:<a> [params]` (case-insensitive).
fn path_of(line: &str, prefix: &str) -> Option<String> {
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}
