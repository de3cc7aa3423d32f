//! The files in `deploy/`: the systemd unit passes `systemd-analyze verify` (where that tool exists)
//! and the unit and the nginx site agree with vocpath's configuration.

use std::path::Path;

fn deploy_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(name)).expect("deploy file")
}

/// The values of `Environment=NAME=value` lines of the unit.
fn unit_environment(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn unit_value<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .collect()
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let Some(tool) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        eprintln!("skipped: systemd-analyze is not installed here");
        return;
    };
    // verify checks that ExecStart's program exists: point it at the binary just built.
    let unit = deploy_file("vocpath.service").replace("/usr/local/bin/vocpath", env!("CARGO_BIN_EXE_vocpath"));
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("vocpath.service");
    std::fs::write(&path, unit).expect("write unit");
    let out = std::process::Command::new(tool)
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // An unknown or misspelt key is only a warning: none is allowed.
    assert!(stderr.trim().is_empty(), "{stderr}");
}

#[test]
fn the_unit_is_hardened_and_agrees_with_the_configuration() {
    let unit = deploy_file("vocpath.service");
    for line in [
        "User=vocpath",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "ProtectHome=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} missing");
    }
    let env = unit_environment(&unit);
    let config = vocpath::Config::from_vars(env.clone()).expect("the unit's variables are a valid configuration");
    assert_eq!(
        unit_value(&unit, "ReadWritePaths"),
        [config.data_dir.to_str().expect("utf8")]
    );
    assert_eq!(
        unit_value(&unit, "WorkingDirectory"),
        unit_value(&unit, "ReadWritePaths")
    );
    assert!(config.is_sqlite() && config.database_url.expose().contains("/var/lib/vocpath/"));
    assert!(config.trusted_proxies.contains("127.0.0.1".parse().expect("ip")));
    assert!(config.trusted_proxies.contains("::1".parse().expect("ip")));

    let nginx = deploy_file("nginx-vocpath.conf");
    let limit_mb = config.max_body_bytes / (1024 * 1024);
    assert!(
        nginx.contains(&format!("client_max_body_size {limit_mb}m;")),
        "nginx must let the largest upload ({limit_mb} MiB) through"
    );
    assert_eq!(
        config.forwarded_header,
        vocpath::client_addr::ForwardedHeader::XForwardedFor
    );
    assert!(nginx.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"));
    assert!(nginx.contains(&format!("proxy_pass http://{};", config.bind)));
}
