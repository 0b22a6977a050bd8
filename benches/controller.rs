//! `cargo bench --bench controller`: the `jupyflux-controller` binary (what the image's Deployment runs) against a fake API server on 127.0.0.1 —
//! the initial sync of `BENCH_NOTEBOOKS` notebooks (default 1,000): time and number of requests until every
//! notebook's status is written, reconcile throughput, then the steady-state idle RSS after `BENCH_IDLE_SECS`
//! (default 15). Exits non-zero when the idle RSS misses the 20 MiB target. A plain harness, std only; the fake
//! server answers every request at once and sends no watch events, so it measures the controller, not a server.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The idle RSS the controller must stay under.
const RSS_TARGET_MIB: f64 = 20.0;

/// What the fake server counts.
#[derive(Default)]
struct Counts {
    /// Every request but the watches (which stay open).
    requests: AtomicU64,
    /// Status writes: one per notebook on its first reconcile.
    statuses: AtomicU64,
    /// Watches opened.
    watches: AtomicU64,
    /// When the last request (not a watch) came, in microseconds since the server started.
    last: AtomicU64,
}

fn notebook(i: usize) -> Value {
    let name = format!("nb-{i:04}");
    json!({
        "apiVersion": "jupyflux.dev/v1alpha1", "kind": "Notebook",
        "metadata": {"name": name, "namespace": format!("projects-{:03}", i / 100), "uid": format!("uid-{i}"),
                     "generation": 1, "resourceVersion": "1", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {
            "image": "quay.io/jupyter/base-notebook:2025-01-13",
            "owner": format!("user{i}@example.org"),
            "storage": {"new": {"size": "1Gi"}},
            "routing": {"host": "nb.example.org", "tls": {"secretName": "notebooks-tls"}},
            "auth": {"token": {"vault": format!("notebooks/{name}#token")}},
        },
    })
}

/// The query parameter `key` of `query`.
fn param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// The answer to one request: status code and body, or `None` for a watch (held open).
fn answer(
    method: &str,
    target: &str,
    body: &[u8],
    notebooks: &[Value],
    counts: &Counts,
    started: Instant,
) -> Option<(u16, Value)> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method == "GET" && matches!(param(query, "watch"), Some("true" | "1")) {
        counts.watches.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    counts.requests.fetch_add(1, Ordering::Relaxed);
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    counts.last.fetch_max(micros, Ordering::Relaxed);
    let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let echo = |mut object: Value| {
        object["metadata"]["resourceVersion"] = json!("2");
        object["metadata"]["uid"] = json!("child-uid");
        object
    };
    Some(match method {
        "GET" if path == "/apis/jupyflux.dev/v1alpha1/notebooks" => {
            let limit = param(query, "limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(notebooks.len());
            let from = param(query, "continue")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0usize);
            let to = (from + limit).min(notebooks.len());
            let mut metadata = json!({"resourceVersion": "1"});
            if to < notebooks.len() {
                metadata["continue"] = json!(to.to_string());
            }
            let list = json!({"apiVersion": "jupyflux.dev/v1alpha1", "kind": "NotebookList", "metadata": metadata,
                              "items": notebooks[from..to]});
            (200, list)
        }
        // Every other list (children, the ownership checks): nothing there yet.
        "GET" => (
            200,
            json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "1"}, "items": []}),
        ),
        "PATCH" if path.ends_with("/status") => {
            counts.statuses.fetch_add(1, Ordering::Relaxed);
            (200, echo(sent))
        }
        "PATCH" if path.contains("/statefulsets/") => {
            let mut applied = echo(sent);
            applied["metadata"]["generation"] = json!(1);
            applied["status"] = json!({"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1});
            (200, applied)
        }
        "PATCH" => (200, echo(sent)),
        "POST" => (201, echo(sent)),
        _ => (
            404,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound"}),
        ),
    })
}

/// Serve one keep-alive connection.
fn serve(
    stream: TcpStream,
    notebooks: Arc<Vec<Value>>,
    counts: Arc<Counts>,
    started: Instant,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        match answer(&method, &target, &body, &notebooks, &counts, started) {
            None => {
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                )?;
                writer.flush()?;
                // A watch with no events: held until the client goes.
                let mut sink = [0u8; 64];
                while reader.read(&mut sink)? > 0 {}
                return Ok(());
            }
            Some((code, value)) => {
                let text = serde_json::to_vec(&value).unwrap_or_default();
                let reason = match code {
                    200 => "OK",
                    201 => "Created",
                    _ => "Not Found",
                };
                // One write per answer (headers and body together): with Nagle's algorithm a second small
                // write waits for the client's delayed ACK, 40 ms a request.
                let mut answer = format!(
                    "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    text.len()
                )
                .into_bytes();
                answer.extend_from_slice(&text);
                writer.write_all(&answer)?;
                writer.flush()?;
            }
        }
    }
}

fn fake_api_server(notebooks: Vec<Value>, counts: Arc<Counts>, started: Instant) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let address = listener.local_addr().expect("an address");
    let notebooks = Arc::new(notebooks);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (notebooks, counts) = (notebooks.clone(), counts.clone());
            std::thread::spawn(move || serve(stream, notebooks, counts, started));
        }
    });
    format!("http://{address}")
}

/// `VmRSS` and `VmHWM` of process `pid`, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `RssAnon` and `RssFile` (the binary's pages) of process `pid`, in MiB.
fn rss_parts(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("RssAnon:"), field("RssFile:"))
}

fn main() {
    let count: usize = std::env::var("BENCH_NOTEBOOKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let idle: u64 = std::env::var("BENCH_IDLE_SECS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(15);
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let server = fake_api_server((0..count).map(notebook).collect(), counts.clone(), started);
    let dir = std::env::temp_dir().join(format!("jupyflux-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let config = dir.join("kubeconfig");
    std::fs::write(
        &config,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters: [{{name: fake, cluster: {{server: \"{server}\"}}}}]\n\
             users: [{{name: fake, user: {{token: not-a-secret}}}}]\n\
             contexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]\n"
        ),
    )
    .expect("the kubeconfig");
    // The controller-only binary the image's Deployment runs (`JUPYFLUX_CONTROLLER_BIN` to measure another build).
    let binary = std::env::var("JUPYFLUX_CONTROLLER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_jupyflux-controller").to_owned());
    let started = Instant::now();
    let mut controller = Command::new(binary)
        .args(["--listen", "127.0.0.1:0"])
        .env("KUBECONFIG", &config)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the controller starts");
    let pid = controller.id();
    let deadline = Duration::from_secs(600);
    while counts.statuses.load(Ordering::Relaxed) < count as u64 {
        if started.elapsed() > deadline || controller.try_wait().ok().flatten().is_some() {
            let _ = controller.kill();
            eprintln!(
                "the initial sync did not finish: {} statuses",
                counts.statuses.load(Ordering::Relaxed)
            );
            std::process::exit(2);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // The sync ends with the last request of the burst (the events follow the last status): wait for a quiet second.
    let mut seen = counts.requests.load(Ordering::Relaxed);
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = counts.requests.load(Ordering::Relaxed);
        if now == seen {
            break;
        }
        seen = now;
    }
    let sync = Duration::from_micros(counts.last.load(Ordering::Relaxed));
    let requests = seen;
    let (_, sync_peak) = memory(pid);
    std::thread::sleep(Duration::from_secs(idle));
    let (idle_rss, peak) = memory(pid);
    let (anon, file) = rss_parts(pid);
    let idle_requests = counts.requests.load(Ordering::Relaxed) - requests;
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = controller.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let seconds = sync.as_secs_f64();
    println!("jupyflux-controller against a fake API server, {count} notebooks");
    println!("initial sync:       {seconds:.2} s (process start to the last request of the burst)");
    println!(
        "requests in sync:   {requests} ({:.1} per notebook; {} watches held open)",
        requests as f64 / count as f64,
        counts.watches.load(Ordering::Relaxed)
    );
    println!(
        "throughput:         {:.0} reconciles/s",
        count as f64 / seconds
    );
    println!("peak RSS in sync:   {sync_peak:.1} MiB");
    println!(
        "idle RSS after {idle} s: {idle_rss:.1} MiB (peak {peak:.1} MiB; {idle_requests} requests while idle)"
    );
    println!("idle RSS parts:     {anon:.1} MiB heap and stacks, {file:.1} MiB mapped binary");
    if idle_rss.is_nan() || idle_rss > RSS_TARGET_MIB {
        println!("idle RSS target ≤ {RSS_TARGET_MIB} MiB: MISSED");
        std::process::exit(1);
    }
    println!("idle RSS target ≤ {RSS_TARGET_MIB} MiB: met");
}
