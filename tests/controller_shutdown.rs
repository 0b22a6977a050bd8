//! `jupyflux controller` and the controller-only `jupyflux-controller` stop on SIGTERM within their grace period
//! even while their watches keep failing: each binary runs against a fake API server that answers every request
//! with a 500, and must exit soon after the signal.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than the controller's grace period (10 s) plus start-up: past this it hangs.
const BOUND: Duration = Duration::from_secs(20);

/// An API server on 127.0.0.1 that fails every request; its address.
fn failing_api_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = stream.read(&mut buffer);
                let body = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","code":500,"reason":"InternalError","message":"down"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    format!("http://{address}")
}

fn kubeconfig(server: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let config = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
         clusters: [{{name: fake, cluster: {{server: \"{server}\"}}}}]\n\
         users: [{{name: fake, user: {{token: not-a-secret}}}}]\n\
         contexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]\n"
    );
    std::fs::write(&path, config).unwrap();
    path
}

#[test]
fn sigterm_stops_the_controller_while_its_watch_keeps_failing() {
    stops_on_sigterm(env!("CARGO_BIN_EXE_jupyflux"), &["controller"]);
}

#[test]
fn sigterm_stops_the_controller_only_binary_while_its_watch_keeps_failing() {
    stops_on_sigterm(env!("CARGO_BIN_EXE_jupyflux-controller"), &[]);
}

/// Start `binary` with `subcommand` and the controller's flags, fail its requests, then stop it with SIGTERM.
fn stops_on_sigterm(binary: &str, subcommand: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(&failing_api_server(), dir.path());
    let mut controller = Command::new(binary)
        .args(subcommand)
        .args(["--listen", "127.0.0.1:0"])
        .args(["--watch-namespace", "team-a", "--watch-namespace", "team-b"])
        .env("KUBECONFIG", &config)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the watches and the readiness list fail a few times (they back off between attempts).
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        controller.try_wait().unwrap().is_none(),
        "the controller exited before the signal"
    );
    let status = Command::new("kill")
        .args(["-TERM", &controller.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let signalled = Instant::now();
    let exit = loop {
        if let Some(exit) = controller.try_wait().unwrap() {
            break exit;
        }
        if signalled.elapsed() > BOUND {
            controller.kill().unwrap();
            panic!("the controller ignored SIGTERM for {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    controller
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(exit.success(), "{exit:?}\n{log}");
    assert!(
        log.contains("watching notebooks in team-a, team-b"),
        "{log}"
    );
    assert!(log.contains("stopped"), "{log}");
    assert!(!log.contains("not-a-secret"), "{log}");
}
