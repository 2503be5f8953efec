//! The plugin process itself: refusing to run by hand, the handshake line, the private socket,
//! logging through Terraform, the TCP fallback and prompt shutdown.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use globaldeploy_e2e::{provider_binary, Workspace, REQUIRED_PROVIDERS};

const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

#[test]
fn run_by_hand_it_explains_itself_and_exits_1() {
    let out = Command::new(provider_binary())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout is reserved for the handshake");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is a Terraform plugin") && stderr.contains("not meant to be run directly"),
        "{stderr}"
    );
}

#[test]
fn refuses_protocol_versions_it_does_not_speak() {
    let out = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("speaks only version 5"));
}

/// Starts the provider as Terraform would and returns its handshake line's fields.
fn handshake(extra_env: &[(&str, &str)]) -> Vec<String> {
    let mut child = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
        .envs(extra_env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the handshake");
    let fields: Vec<String> = line.trim_end().split('|').map(str::to_owned).collect();
    if fields.get(2).map(String::as_str) == Some("unix") {
        let dir = std::path::Path::new(&fields[3])
            .parent()
            .expect("socket dir")
            .to_owned();
        let mode = std::fs::metadata(&dir).expect("socket dir exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the socket directory must be private");
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    fields
}

#[test]
fn handshake_announces_a_private_unix_socket_and_the_certificate() {
    let client_pem = include_str!("client_cert.pem");
    let fields = handshake(&[("PLUGIN_CLIENT_CERT", client_pem)]);
    assert_eq!(&fields[..3], ["1", "5", "unix"]);
    assert!(fields[3].ends_with("/provider.sock"), "{fields:?}");
    assert_eq!(fields[4], "grpc");
    let cert = &fields[5];
    assert!(
        !cert.is_empty() && !cert.ends_with('='),
        "base64 without padding: {cert}"
    );
    // A DER certificate starts with a SEQUENCE tag: base64 "MII".
    assert!(cert.starts_with("MII"), "{cert}");
}

#[test]
fn without_a_client_certificate_it_refuses_to_serve_unauthenticated() {
    let mut child = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("GLOBALDEPLOY_PLUGIN_ALLOW_NO_MTLS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // A plugin that serves prints its handshake line; one that refuses closes stdout empty.
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads stdout");
    if !line.is_empty() {
        child.kill().expect("kill");
        child.wait().expect("reaped");
        panic!("the plugin served without client authentication: {line}");
    }
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PLUGIN_CLIENT_CERT is not set") && stderr.contains("GLOBALDEPLOY_PLUGIN_ALLOW_NO_MTLS=1"),
        "{stderr}"
    );
}

#[test]
fn handshake_without_autotls_has_no_certificate_and_tcp_fallback_uses_loopback() {
    let fields = handshake(&[
        ("GLOBALDEPLOY_PLUGIN_NETWORK", "tcp"),
        ("GLOBALDEPLOY_PLUGIN_ALLOW_NO_MTLS", "1"),
    ]);
    assert_eq!(&fields[..3], ["1", "5", "tcp"]);
    assert!(fields[3].starts_with("127.0.0.1:"), "{fields:?}");
    assert_eq!(fields[5], "");
}

fn wave_workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write(
        "main.tf",
        &format!("{REQUIRED_PROVIDERS}\nresource \"globaldeploy_wave\" \"w\" {{\n  name    = \"w\"\n  regions = [\"us-east-1\"]\n}}\n"),
    );
    ws
}

#[test]
fn provider_logs_reach_terraform_at_their_levels_and_shutdown_is_graceful() {
    let ws = wave_workspace();
    let debug = ws.terraform_with_env(&["plan"], &[("TF_LOG", "DEBUG")]);
    debug.assert_success();
    let log = debug.combined();
    let provider_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-globaldeploy"))
        .collect();
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[DEBUG]") && l.contains("request") && l.contains("rpc=PlanResourceChange")),
        "no DEBUG request line from the provider in:\n{}",
        provider_lines.join("\n")
    );
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("[INFO]") && l.contains("plugin serving")),
        "{}",
        provider_lines.join("\n")
    );
    assert!(
        !log.contains("plugin failed to exit gracefully"),
        "the provider must exit on Shutdown"
    );

    let info = ws.terraform_with_env(&["plan"], &[("TF_LOG", "INFO")]);
    info.assert_success();
    let info_log = info.combined();
    assert!(info_log.contains("plugin serving"), "INFO lines are shown at INFO");
    assert!(
        !info_log.contains("rpc=PlanResourceChange"),
        "DEBUG lines are hidden at INFO"
    );
}

#[test]
fn terraform_drives_the_provider_over_the_tcp_fallback_too() {
    let ws = wave_workspace();
    let out = ws.terraform_with_env(
        &["apply", "-auto-approve"],
        &[("GLOBALDEPLOY_PLUGIN_NETWORK", "tcp"), ("TF_LOG", "INFO")],
    );
    out.assert_success().assert_contains("|tcp|127.0.0.1:");
}
