//! The `chainsync` binary as a newcomer and an operator use it: help, configuration layering,
//! `init`, `migrate`, and `serve` seeding only an empty SQLite database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn chainsync() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainsync"));
    for var in [
        "CHAINSYNC_DATABASE_URL",
        "CHAINSYNC_DATA_DIR",
        "CHAINSYNC_ADDR",
        "CHAINSYNC_CONFIG",
        "CHAINSYNC_NO_DEMO",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(cmd: &mut Command) -> (Output, String) {
    let output = cmd.output().expect("run chainsync");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

/// Starts `serve` and returns the child with the URL it printed.
fn serve(args: &[&str]) -> (Child, String, String) {
    let mut child = chainsync()
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("ChainSync is running at ") {
            let url = rest.split_whitespace().next().expect("url").to_owned();
            return (child, url, printed);
        }
        if Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not start: {printed}");
}

#[test]
fn help_lists_every_command() {
    let (output, text) = run(chainsync().arg("--help"));
    assert!(output.status.success());
    for command in [
        "serve",
        "init",
        "migrate",
        "seed-demo",
        "forecast",
        "--addr",
        "--data-dir",
        "--database-url",
        "--no-demo",
    ] {
        assert!(text.contains(command), "--help lacks {command}: {text}");
    }
}

#[test]
fn init_creates_an_organisation_once_and_migrate_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let init = || {
        run(chainsync()
            .args([
                "init",
                "--org",
                "Corner Shops",
                "--admin-email",
                "owner@corner.example",
                "--data-dir",
                data,
            ])
            .env("CHAINSYNC_ADMIN_PASSWORD", "a long enough password"))
    };

    let (first, first_text) = init();
    let (second, second_text) = init();
    let (migrate, migrate_text) = run(chainsync().args(["migrate", "--data-dir", data]));

    assert!(first.status.success(), "{first_text}");
    assert!(
        first_text.contains("Created organisation \"Corner Shops\""),
        "{first_text}"
    );
    assert!(
        second.status.success(),
        "a polite refusal is not an error: {second_text}"
    );
    assert!(
        second_text.contains("already has an organisation"),
        "{second_text}"
    );
    assert!(
        migrate.status.success() && migrate_text.contains("up to date (sqlite)"),
        "{migrate_text}"
    );
}

#[test]
fn a_weak_init_password_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (weak, text) = run(chainsync()
        .args([
            "init",
            "--org",
            "Corner Shops",
            "--admin-email",
            "owner@corner.example",
            "--data-dir",
            data,
        ])
        .env("CHAINSYNC_ADMIN_PASSWORD", "short"));
    assert!(!weak.status.success());
    assert!(text.contains("password"), "{text}");
    let (retry, retry_text) = run(chainsync()
        .args([
            "init",
            "--org",
            "Corner Shops",
            "--admin-email",
            "owner@corner.example",
            "--data-dir",
            data,
        ])
        .env("CHAINSYNC_ADMIN_PASSWORD", "a long enough password"));
    assert!(
        retry.status.success() && retry_text.contains("Created organisation"),
        "{retry_text}"
    );
}

#[test]
fn an_unknown_config_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("chainsync.toml");
    std::fs::write(&config, "adress = \"127.0.0.1:1\"\n").unwrap();
    let (output, text) = run(chainsync().args(["migrate", "--config", config.to_str().unwrap()]));
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("unknown field `adress`"), "{text}");
}

#[test]
fn an_absurd_retention_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (output, text) = run(chainsync()
        .args(["serve", "--no-demo", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--outbox-retention-secs", "99999999999"]));
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("outbox_retention_secs"), "{text}");
}

#[test]
fn flags_beat_environment_which_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let (file_dir, env_dir, flag_dir) = (
        dir.path().join("file"),
        dir.path().join("env"),
        dir.path().join("flag"),
    );
    let config = dir.path().join("chainsync.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nno_demo = true\n",
            file_dir.to_str().unwrap()
        ),
    )
    .unwrap();

    let (from_file, t1) = run(chainsync().args(["migrate", "--config", config.to_str().unwrap()]));
    let (from_env, t2) = run(chainsync()
        .args(["migrate", "--config", config.to_str().unwrap()])
        .env("CHAINSYNC_DATA_DIR", &env_dir));
    let (from_flag, t3) = run(chainsync()
        .args([
            "migrate",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            flag_dir.to_str().unwrap(),
        ])
        .env("CHAINSYNC_DATA_DIR", &env_dir));

    assert!(
        from_file.status.success() && from_env.status.success() && from_flag.status.success(),
        "{t1}{t2}{t3}"
    );
    assert!(file_dir.join("chainsync.db").exists());
    assert!(env_dir.join("chainsync.db").exists());
    assert!(flag_dir.join("chainsync.db").exists());
}

#[test]
fn serve_seeds_an_empty_sqlite_database_and_prints_the_logins() {
    let dir = tempfile::tempdir().unwrap();
    // Without sales history: a debug build would spend most of the test writing a year of sales.
    let (mut child, url, printed) = serve(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
        "--demo-history-days",
        "0",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        printed.contains("admin@demo.local") && printed.contains("chainsync-demo"),
        "{printed}"
    );
    assert!(printed.contains("cashier2.mad@demo.local"), "{printed}");
    assert!(!printed.contains("WARNING"), "loopback: no demo warning");
}

#[test]
fn serve_beyond_loopback_with_demo_accounts_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (seed, text) =
        run(chainsync().args(["seed-demo", "--data-dir", data, "--demo-history-days", "0"]));
    assert!(seed.status.success(), "{text}");
    let mut child = chainsync()
        .args(["serve", "--data-dir", data, "--addr", "0.0.0.0:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    for line in BufReader::new(stderr).lines().take(40) {
        let line = line.unwrap();
        seen.push_str(&line);
        if line.contains("WARNING: demo accounts") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains("WARNING: demo accounts"), "{seen}");
}

#[test]
fn seed_demo_writes_history_and_lists_the_planted_anomalies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = dir.path().join("anomalies.csv");
    let seed = || {
        run(chainsync().args([
            "seed-demo",
            "--data-dir",
            data,
            "--demo-scale",
            "small",
            "--demo-history-days",
            "14",
            "--demo-history-end",
            "2026-11-25",
            "--anomalies-out",
            out.to_str().unwrap(),
        ]))
    };
    let (first, text) = seed();
    assert!(first.status.success(), "{text}");
    assert!(
        text.contains("Sales history 2026-11-12 to 2026-11-25:"),
        "{text}"
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("date,store,product_id,sku,kind"));
    assert!(
        lines.any(|l| l.starts_with("2026-11-15,PAR,") && l.ends_with(",BAK00BA,spike")),
        "{csv}"
    );

    // Seeding again finds the chain: nothing new, and no anomalies to list.
    let (second, text) = seed();
    assert!(!second.status.success(), "{text}");
    assert!(
        text.contains("Found the demo chain") && text.contains("no history was seeded now"),
        "{text}"
    );
}

#[test]
fn serve_never_seeds_postgresql() {
    let Some(admin_url) = chainsync_storage::testing::postgres_url() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(chainsync_storage::testing::fresh_postgres_database(
        &admin_url,
    ));
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _url, printed) = serve(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &url,
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(!printed.contains("admin@demo.local"), "{printed}");
    assert!(
        printed.contains("chainsync init"),
        "it says how to start: {printed}"
    );
}

#[test]
fn import_dry_runs_applies_and_rejects_a_bad_file_with_every_line_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let (init, text) = run(chainsync()
        .args([
            "init",
            "--org",
            "Corner Shops",
            "--admin-email",
            "owner@corner.example",
            "--data-dir",
            data,
        ])
        .env("CHAINSYNC_ADMIN_PASSWORD", "a long enough password"));
    assert!(init.status.success(), "{text}");
    let good = dir.path().join("products.csv");
    std::fs::write(
        &good,
        "sku,name,price,tax_class\nTEA,Tea,3.50,standard\nMILK,Milk,1.19,standard\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "sku,name,price,tax_class\nOK,Fine,1.00,standard\nBAD,Bad,1.234,standard\n,No sku,1.00,standard\n").unwrap();
    let import = |file: &std::path::Path, extra: &[&str]| {
        run(chainsync()
            .args([
                "import",
                "--kind",
                "products",
                "--user",
                "owner@corner.example",
                "--data-dir",
                data,
                "--file",
            ])
            .arg(file)
            .args(extra))
    };

    let (dry, dry_text) = import(&good, &["--dry-run"]);
    let (applied, applied_text) = import(&good, &[]);
    let (again, again_text) = import(&good, &[]);
    let (rejected, rejected_text) = import(&bad, &[]);

    assert!(
        dry.status.success() && dry_text.contains("Dry run, nothing written: 2 rows; 2 created"),
        "{dry_text}"
    );
    assert!(
        applied.status.success() && applied_text.contains("Imported: 2 rows; 2 created"),
        "{applied_text}"
    );
    assert!(
        again.status.success() && again_text.contains("0 created, 0 updated, 2 unchanged"),
        "{again_text}"
    );
    assert!(!rejected.status.success(), "{rejected_text}");
    assert!(
        rejected_text.contains("line 3, column price"),
        "{rejected_text}"
    );
    assert!(
        rejected_text.contains("line 4, column sku"),
        "{rejected_text}"
    );
    assert!(
        rejected_text.contains("nothing was written"),
        "{rejected_text}"
    );
}
