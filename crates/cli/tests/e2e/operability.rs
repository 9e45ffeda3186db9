//! What an operator sees of the two binaries: a real Prometheus scraping both metrics
//! listeners with kubernetes/monitoring's rules (every series the rules and the dashboard
//! name exists, every rule evaluates, none fires on a healthy pair); request ids echoed and
//! logged in the access log; build info and `--version`; a bad log filter refused at
//! start-up; the CLI's completions and man page.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::*;
use picsum_testkit::Prometheus;

fn monitoring(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kubernetes/monitoring")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// The PrometheusRule's `spec`: a Prometheus rule file.
fn rule_file() -> (String, Vec<String>) {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&monitoring("rules.yaml")).unwrap();
    let spec = &doc["spec"];
    let exprs = spec["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .map(|r| r["expr"].as_str().unwrap().to_owned())
        .collect();
    (serde_yaml_ng::to_string(spec).unwrap(), exprs)
}

/// Every panel query of the Grafana dashboard, its variables filled in.
fn dashboard_exprs() -> Vec<String> {
    let dash: serde_json::Value =
        serde_json::from_str(&monitoring("picsum-dashboard.json")).unwrap();
    let mut exprs = Vec::new();
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            exprs.push(
                expr.replace("$__rate_interval", "1m")
                    .replace("$job", "picsum-.*")
                    .replace("$instance", ".*"),
            );
        }
    }
    assert!(exprs.len() > 10, "{exprs:?}");
    exprs
}

const KEYWORDS: [&str; 22] = [
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "group",
];

/// The metric names a PromQL expression reads: identifiers outside strings, label
/// matchers, ranges and `by (…)` lists that are neither functions nor keywords.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut bare = String::new();
    let (mut depth, mut quoted) = (0, false);
    for c in expr.chars() {
        match (quoted, c) {
            (true, '"') | (false, '"') => quoted = !quoted,
            (true, _) => {}
            (false, '{' | '[') => depth += 1,
            (false, '}' | ']') => depth -= 1,
            (false, c) if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    let mut rest = bare.as_str();
    let mut skip_list = false;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        rest = &rest[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.'))
            .unwrap_or(rest.len());
        let (token, after) = rest.split_at(end);
        rest = after;
        let next = after.trim_start().chars().next();
        if skip_list {
            // The label list of `by (…)`: skip to its closing parenthesis.
            rest = &rest[rest.find(')').unwrap_or(rest.len())..];
            skip_list = false;
            continue;
        }
        if ["by", "without", "on", "ignoring"].contains(&token) {
            skip_list = true;
            continue;
        }
        let first = token.chars().next().unwrap();
        if first.is_ascii_digit() || next == Some('(') || KEYWORDS.contains(&token) {
            continue;
        }
        names.insert(token.to_owned());
    }
    names
}

#[test]
fn metric_names_skip_functions_keywords_labels_and_ranges() {
    let names = metric_names(
        r#"histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{job=~"x-.*"}[5m]))) / on(instance) b > 0.5 or rate(c_total[1m]) > 0"#,
    );
    assert_eq!(
        names,
        BTreeSet::from(["a_bucket".into(), "b".into(), "c_total".into()])
    );
}

/// The `data` of a Prometheus API answer; `None` while the server is not ready yet.
async fn api_data(http: &reqwest::Client, url: &str) -> Option<serde_json::Value> {
    let res = http.get(url).send().await.ok()?;
    if res.status() != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&res.bytes().await.ok()?).ok()?;
    assert_eq!(v["status"], "success", "{url}: {v}");
    Some(v["data"].clone())
}

/// Waits up to 30 s for `done` to hold of what `url` answers.
async fn until(
    http: &reqwest::Client,
    url: String,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let data = api_data(http, &url).await;
        if let Some(data) = data.as_ref().filter(|d| done(d)) {
            return data.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: {data:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn prometheus_scrapes_both_services_and_the_rules_and_dashboard_hold() {
    let gallery = Gallery::new("prometheus");
    let images = gallery.image_service(2, 8);
    let api = gallery.api(&images);
    let http = client();
    // Traffic: a redirect followed to a render, a cache hit, a 404.
    let res = http
        .get(format!("{}/id/1/200/120", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    for _ in 0..2 {
        let (status, content_type, body) = get(&http, &location).await;
        assert_eq!(status, 200);
        assert_eq!(dimensions(&content_type, &body), (200, 120));
    }
    assert_eq!(get(&http, &format!("{}/nope", api.base)).await.0, 404);

    let (rules, rule_exprs) = rule_file();
    let host = |s: &Service| s.ops.trim_start_matches("http://").to_owned();
    let (api_ops, image_ops) = (host(&api), host(&images));
    let prometheus = Prometheus::start(
        &[
            ("picsum-api", &api_ops),
            ("picsum-image-service", &image_ops),
        ],
        &rules,
    );
    let base = prometheus.url();
    until(&http, format!("{base}/api/v1/targets"), "targets up", |d| {
        let targets = d["activeTargets"].as_array().unwrap();
        targets.len() == 2 && targets.iter().all(|t| t["health"] == "up")
    })
    .await;
    let groups = until(
        &http,
        format!("{base}/api/v1/rules"),
        "rules evaluated",
        |d| {
            let rules: Vec<_> = d["groups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["rules"].as_array().unwrap())
                .collect();
            rules.len() == rule_exprs.len()
                && rules.iter().all(|r| {
                    !r["lastEvaluation"]
                        .as_str()
                        .unwrap_or("0001")
                        .starts_with("0001")
                })
        },
    )
    .await;
    for rule in groups["groups"][0]["rules"].as_array().unwrap() {
        assert_eq!(rule["health"], "ok", "{rule}");
        assert_eq!(
            rule["state"], "inactive",
            "a healthy pair raises nothing: {rule}"
        );
    }

    let wanted: BTreeSet<String> = rule_exprs
        .iter()
        .chain(&dashboard_exprs())
        .flat_map(|e| metric_names(e))
        .collect();
    let started = Instant::now();
    let names_url = format!("{base}/api/v1/label/__name__/values");
    loop {
        let have = api_data(&http, &names_url).await.unwrap_or_default();
        let have: BTreeSet<&str> = have
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|w| !have.contains(w.as_str()))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no series for {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(wanted.len() > 20, "{wanted:?}");
    // Build info names the commit and, for the image service, the libvips it runs on.
    let query = format!("{base}/api/v1/query?query=picsum_image_service_build_info");
    let info = until(&http, query, "build info", |d| {
        d["result"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    let labels = &info["result"][0]["metric"];
    assert!(
        labels["libvips"].as_str().unwrap().starts_with("8."),
        "{labels}"
    );
    assert!(!labels["git_sha"].as_str().unwrap().is_empty(), "{labels}");
}

#[tokio::test]
async fn request_ids_are_echoed_and_logged_once_per_request() {
    let gallery = Gallery::new("request-id");
    let images = gallery.image_service(1, 4);
    let trusted = vec![("PICSUM_TRUSTED_PROXIES", "127.0.0.1".to_owned())];
    let api = gallery.api_with(&images, trusted);
    let http = client();
    let res = http
        .get(format!("{}/id/1/200/120", api.base))
        .header("x-request-id", "e2e-given-1")
        .header("x-forwarded-for", "198.51.100.7, 203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["x-request-id"], "e2e-given-1");
    let res = http
        .get(format!("{}/id/1/200/120", api.base))
        .send()
        .await
        .unwrap();
    let made = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(made.len(), 16, "{made}");
    let res = http
        .get(format!("{}/id/1/200/120", api.base))
        .header("x-request-id", "has space")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "has space");

    let started = Instant::now();
    let access = loop {
        let lines: Vec<serde_json::Value> = api
            .logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .filter(|v: &serde_json::Value| v["target"] == "access")
            .collect();
        if lines.len() >= 3 || started.elapsed() > Duration::from_secs(5) {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(access.len(), 3, "{access:?}");
    let given = &access[0]["fields"];
    assert_eq!(given["request_id"], "e2e-given-1", "{given}");
    assert_eq!(given["status"], 302);
    assert_eq!(given["method"], "GET");
    assert_eq!(given["uri"], "/id/1/200/120");
    // The client is the address the trusted proxy (this test, on 127.0.0.1) forwarded.
    assert_eq!(given["client"], "203.0.113.9", "{given}");
    assert_eq!(access[1]["fields"]["client"], "127.0.0.1");
    assert_eq!(access[1]["fields"]["request_id"], made.as_str());
}

/// Runs `bin` with `env` and keys, which must exit (not start serving) within 10 s: its
/// exit status and stderr.
fn exits(bin: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut child = Command::new(binary(bin))
        .envs(env.iter().copied())
        .envs([("PICSUM_HMAC_KEY", KEY), ("IMAGE_HMAC_KEY", KEY)])
        .envs([
            ("PICSUM_LISTEN", "127.0.0.1:0"),
            ("IMAGE_LISTEN", "127.0.0.1:0"),
        ])
        .envs([
            ("PICSUM_METRICS_LISTEN", "127.0.0.1:0"),
            ("IMAGE_METRICS_LISTEN", "127.0.0.1:0"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("{bin} {env:?} did not exit: it started");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_log_filter_is_refused_at_start_up() {
    for (bin, var) in [
        ("picsum-api", "PICSUM_LOG_LEVEL"),
        ("picsum-image-service", "IMAGE_LOG_LEVEL"),
    ] {
        let (ok, stderr) = exits(bin, &[(var, "infoo")]);
        assert!(!ok && stderr.contains("\"infoo\""), "{bin}: {stderr}");
        let (ok, stderr) = exits(bin, &[(var, "info"), ("RUST_LOG", "debugg")]);
        assert!(!ok && stderr.contains("\"debugg\""), "{bin}: {stderr}");
    }
}

#[test]
fn versions_name_the_commit_and_libvips() {
    let run = |bin: &str, args: &[&str]| {
        let out = Command::new(binary(bin)).args(args).output().unwrap();
        assert!(out.status.success(), "{bin} {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let image = run("picsum-image-service", &["--version"]);
    assert!(
        image.contains("(git ") && image.contains("libvips 8."),
        "{image}"
    );
    assert!(run("picsum-api", &["--version"]).contains("(git "));
    let bash = run("picsum", &["completions", "bash"]);
    assert!(
        bash.contains("_picsum()") && bash.contains("migrate"),
        "{bash}"
    );
    let man = run("picsum", &["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH picsum"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(
        man.contains("picsum import"),
        "the man page lists the subcommands"
    );
}
