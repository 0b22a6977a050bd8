//! The probe and metrics endpoint: `/healthz` (alive), `/readyz` (notebooks watched) and `/metrics`, over a
//! minimal HTTP/1.1 responder (one request per connection) so the binary needs no web framework.

use super::metrics::Metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The largest request head read; probes and Prometheus send far less.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The pause after a failed accept (e.g. out of file descriptors), so the loop does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// One answer: status code, content type, body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        content_type: "text/plain; charset=utf-8",
        body: format!("{body}\n"),
    }
}

/// The answer to the request line `request` (`GET /readyz HTTP/1.1`), given readiness and the metrics.
pub fn respond(request: &str, ready: bool, metrics: &Metrics) -> Response {
    let mut parts = request.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if method != "GET" && method != "HEAD" {
        return text(405, "method not allowed");
    }
    match target.split('?').next().unwrap_or_default() {
        "/healthz" => text(200, "ok"),
        "/readyz" if ready => text(200, "ok"),
        "/readyz" => text(503, "not ready: notebooks not listed yet"),
        "/metrics" => Response {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: metrics.render(),
        },
        _ => text(404, "not found"),
    }
}

/// Serve `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, ready: Arc<AtomicBool>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(ACCEPT_PAUSE).await;
            continue;
        };
        let (metrics, ready) = (metrics.clone(), ready.clone());
        tokio::spawn(async move {
            let _ = answer(stream, &metrics, ready.load(Ordering::Relaxed)).await;
        });
    }
}

/// Read one request head from `stream` and write its response.
async fn answer(mut stream: TcpStream, metrics: &Metrics, ready: bool) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        std::io::Result::Ok(())
    };
    tokio::time::timeout(READ_TIMEOUT, read).await??;
    let head = String::from_utf8_lossy(&head);
    let request = head.lines().next().unwrap_or_default();
    let response = respond(request, ready, metrics);
    let body = if request.starts_with("HEAD ") {
        ""
    } else {
        response.body.as_str()
    };
    let message = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len(),
    );
    stream.write_all(message.as_bytes()).await?;
    stream.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let metrics = Metrics::default();
        let status = |request: &str, ready: bool| respond(request, ready, &metrics).status;
        assert_eq!(status("GET /healthz HTTP/1.1", false), 200);
        assert_eq!(status("GET /readyz HTTP/1.1", false), 503);
        assert_eq!(status("GET /readyz?verbose HTTP/1.1", true), 200);
        assert_eq!(status("GET /nothing HTTP/1.1", true), 404);
        assert_eq!(status("POST /healthz HTTP/1.1", true), 405);
        let scrape = respond("GET /metrics HTTP/1.1", true, &metrics);
        assert!(scrape.body.contains("jupyflux_reconciles_total 0\n"));
        assert!(scrape.content_type.starts_with("text/plain; version=0.0.4"));
    }

    #[tokio::test]
    async fn answers_over_tcp() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(
            listener,
            Arc::new(Metrics::default()),
            Arc::new(AtomicBool::new(true)),
        ));
        let mut client = TcpStream::connect(address).await.unwrap();
        client
            .write_all(b"GET /readyz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        let read = client.read_to_string(&mut answer);
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .unwrap()
            .unwrap();
        server.abort();
        assert_eq!(
            answer,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n"
        );
    }
}
