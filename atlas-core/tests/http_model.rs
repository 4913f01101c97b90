//! The HTTP model against a real server that each test starts on 127.0.0.1 with port 0.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use atlas_core::external::{HttpHeader, HttpModel, HttpSettings};
use atlas_core::scenario::ScenarioFile;
use atlas_core::{CoreError, ResponseModel};
use ndarray::{array, Array2};
use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Recorded {
    body: Value,
    headers: Vec<(String, String)>,
    at: Instant,
}

/// What the server sends back.
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
    location: Option<String>,
}

impl Reply {
    fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            body: body.to_string(),
            delay: Duration::ZERO,
            location: None,
        }
    }
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A loopback server that records every request and responds with `handler(index, request)`.
struct TestServer {
    url: String,
    server: Arc<Server>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    fn start(handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("a loopback port"));
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || {
                let count = AtomicUsize::new(0);
                for mut request in server.incoming_requests() {
                    let mut text = String::new();
                    request.as_reader().read_to_string(&mut text).unwrap();
                    let recorded = Recorded {
                        body: serde_json::from_str(&text).unwrap_or(Value::Null),
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| (h.field.to_string(), h.value.to_string()))
                            .collect(),
                        at: Instant::now(),
                    };
                    requests.lock().unwrap().push(recorded.clone());
                    let index = count.fetch_add(1, Ordering::Relaxed);
                    let handler = Arc::clone(&handler);
                    // Each response is sent from its own thread, so a slow one never blocks
                    // the server.
                    std::thread::spawn(move || {
                        let reply = handler(index, &recorded);
                        std::thread::sleep(reply.delay);
                        let mut response =
                            Response::from_string(reply.body).with_status_code(reply.status);
                        if let Some(location) = reply.location {
                            response.add_header(
                                Header::from_bytes("Location", location.as_bytes()).unwrap(),
                            );
                        }
                        let _ = request.respond(response);
                    });
                }
            })
        };
        Self {
            url: format!("http://127.0.0.1:{port}/predict"),
            server,
            requests,
            thread: Some(thread),
        }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// revenue = sum of 1000 x / (x + 50), reach = sum of 10 sqrt(x), per allocation.
fn kpis_of(allocation: &[f64]) -> Vec<f64> {
    let revenue = allocation.iter().map(|x| 1000.0 * x / (x + 50.0)).sum();
    let reach = allocation.iter().map(|x| 10.0 * x.sqrt()).sum();
    vec![revenue, reach]
}

/// Builds the response of a working service to `request`.
fn respond(request: &Recorded) -> Reply {
    let rows: Vec<Vec<f64>> = request.body["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let plan: Vec<f64> = row
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            kpis_of(&plan)
        })
        .collect();
    Reply::status(
        200,
        &json!({ "kpi_names": ["revenue", "reach"], "kpis": rows }).to_string(),
    )
}

fn settings(url: &str) -> HttpSettings {
    HttpSettings {
        url: url.to_string(),
        headers: Vec::new(),
        timeout: Duration::from_secs(5),
        retries: 0,
        backoff: Duration::from_millis(10),
        max_batch: 1000,
    }
}

fn model(settings: HttpSettings) -> HttpModel {
    HttpModel::new(
        vec!["search".into(), "tv".into()],
        vec!["revenue".into(), "reach".into()],
        settings,
    )
    .unwrap()
}

fn batch() -> Array2<f64> {
    array![[60.0, 40.0], [0.0, 100.0], [25.5, 0.25]]
}

fn error_of(model: &HttpModel) -> String {
    model.evaluate(batch().view()).unwrap_err().to_string()
}

const SCENARIO: &str = r#"
name = "http"
[model]
type = "http"
url = "URL"
kpis = ["revenue", "reach"]
timeout_seconds = 5
headers = { Authorization = { env = "VARIABLE", prefix = "Bearer " } }
[[channels]]
name = "search"
current = 60.0
[[channels]]
name = "tv"
current = 40.0
[[constraints]]
type = "total_budget"
equals = 100.0
[[objectives]]
kpi = "revenue"
sense = "maximize"
"#;

fn scenario(url: &str, variable: &str) -> ScenarioFile {
    let text = SCENARIO.replace("URL", url).replace("VARIABLE", variable);
    ScenarioFile::parse(&text, "http.toml").unwrap()
}

#[test]
fn success_returns_rows_in_order() {
    let server = TestServer::start(|_, request| respond(request));
    let model = model(settings(&server.url));
    let values = model.evaluate(batch().view()).unwrap();
    for (row, plan) in values.rows().into_iter().zip(batch().rows()) {
        assert_eq!(row.to_vec(), kpis_of(plan.as_slice().unwrap()));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0].body;
    assert_eq!(body["channels"], json!(["search", "tv"]));
    assert_eq!(body["kpi_names"], json!(["revenue", "reach"]));
    assert_eq!(body["allocations"][2], json!([25.5, 0.25]));
    let content_type = requests[0]
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.as_str());
    assert_eq!(content_type, Some("application/json"));
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let server = TestServer::start(|index, request| {
        if index < 2 {
            Reply::status(503, "warming up")
        } else {
            respond(request)
        }
    });
    let mut settings = settings(&server.url);
    settings.retries = 2;
    settings.backoff = Duration::from_millis(50);
    let values = model(settings).evaluate(batch().view()).unwrap();
    assert_eq!(values.row(0).to_vec(), kpis_of(&[60.0, 40.0]));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let first_wait = requests[1].at - requests[0].at;
    let second_wait = requests[2].at - requests[1].at;
    assert!(first_wait >= Duration::from_millis(50), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(100), "{second_wait:?}");
}

#[test]
fn too_many_requests_is_retried() {
    let server = TestServer::start(|index, request| {
        if index == 0 {
            Reply::status(429, "slow down")
        } else {
            respond(request)
        }
    });
    let mut settings = settings(&server.url);
    settings.retries = 1;
    model(settings).evaluate(batch().view()).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn server_errors_run_out_of_retries() {
    let server = TestServer::start(|_, _| Reply::status(500, "internal failure"));
    let mut settings = settings(&server.url);
    settings.retries = 2;
    let error = error_of(&model(settings));
    assert!(error.contains("status 500"), "{error}");
    assert!(error.contains("internal failure"), "{error}");
    assert!(error.contains("gave up after 3 attempts"), "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn client_error_stops_without_retry() {
    let server = TestServer::start(|_, _| Reply::status(400, "allocations must be objects"));
    let mut settings = settings(&server.url);
    settings.retries = 3;
    let error = error_of(&model(settings));
    assert!(error.contains("status 400 Bad Request"), "{error}");
    assert!(error.contains("allocations must be objects"), "{error}");
    assert!(error.contains(&server.url), "{error}");
    assert!(error.contains("batch 1, request 1 of 1"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn long_error_body_is_cut() {
    let long = "x".repeat(5000);
    let server = TestServer::start(move |_, _| Reply::status(422, &long));
    let error = error_of(&model(settings(&server.url)));
    assert!(error.contains("status 422"), "{error}");
    assert!(error.len() < 1000, "{} characters", error.len());
}

#[test]
fn connection_refused_retries_then_fails() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut settings = settings(&format!("http://127.0.0.1:{port}/predict"));
    settings.retries = 2;
    let started = Instant::now();
    let error = error_of(&model(settings));
    assert!(error.contains("cannot connect"), "{error}");
    assert!(error.contains("gave up after 3 attempts"), "{error}");
    // Backoff of 10 ms, then 20 ms.
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[test]
fn slow_response_times_out() {
    let server = TestServer::start(|_, request| Reply {
        delay: Duration::from_secs(2),
        ..respond(request)
    });
    let mut settings = settings(&server.url);
    settings.timeout = Duration::from_millis(200);
    let started = Instant::now();
    let error = error_of(&model(settings));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(error.contains("within 0.2 s"), "{error}");
    assert!(error.contains("timeout_seconds"), "{error}");
}

#[test]
fn header_from_environment_reaches_server() {
    let token = "token-7f3a9c";
    // Each test reads its own variable, so tests running at once cannot interfere.
    std::env::set_var("ATLAS_TEST_HEADER_TOKEN", token);
    let server = TestServer::start(|_, request| respond(request));
    let problem = scenario(&server.url, "ATLAS_TEST_HEADER_TOKEN")
        .build()
        .unwrap();
    problem.evaluate_plan(&problem.current).unwrap();
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        let authorization = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.clone());
        assert_eq!(authorization, Some(format!("Bearer {token}")));
    }
    let debug = format!("{problem:?}");
    assert!(!debug.contains(token), "{debug}");
}

#[test]
fn missing_environment_variable_is_named() {
    let server = TestServer::start(|_, request| respond(request));
    let error = scenario(&server.url, "ATLAS_TEST_NEVER_SET_TOKEN")
        .build()
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, CoreError::Invalid { .. }), "{text}");
    assert!(text.contains("model.headers.Authorization.env"), "{text}");
    assert!(
        text.contains("`ATLAS_TEST_NEVER_SET_TOKEN` is not set"),
        "{text}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn secret_never_appears_in_errors() {
    let token = "token-c41d88";
    let server = TestServer::start(|_, request| {
        let sent = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        Reply::status(401, &format!("rejected credentials: {sent}"))
    });
    let mut settings = settings(&server.url);
    settings.headers = vec![HttpHeader::new(
        "model.headers.Authorization",
        "Authorization",
        format!("Bearer {token}"),
        "environment variable `ATLAS_TEST_SECRET_TOKEN`",
    )
    .unwrap()];
    let error = error_of(&model(settings));
    assert!(error.contains("status 401"), "{error}");
    assert!(
        error.contains("rejected credentials: <redacted>"),
        "{error}"
    );
    assert!(!error.contains(token), "{error}");
}

#[test]
fn bare_token_is_cut_from_errors() {
    let token = "token-7f20aa";
    let server =
        TestServer::start(move |_, _| Reply::status(401, "token token-7f20aa has expired"));
    let mut settings = settings(&server.url);
    settings.headers = vec![HttpHeader::new(
        "model.headers.Authorization",
        "Authorization",
        format!("Bearer {token}"),
        "environment variable `ATLAS_TEST_SECRET_TOKEN`",
    )
    .unwrap()
    .hiding(token.to_string())];
    let error = error_of(&model(settings));
    assert!(error.contains("status 401"), "{error}");
    assert!(error.contains("token <redacted> has expired"), "{error}");
    assert!(!error.contains(token), "{error}");
}

#[test]
fn max_batch_splits_requests() {
    let server = TestServer::start(|_, request| respond(request));
    let mut settings = settings(&server.url);
    settings.max_batch = 2;
    let plans = Array2::from_shape_fn((5, 2), |(i, j)| (i * 10 + j) as f64);
    let values = model(settings).evaluate(plans.view()).unwrap();
    for (row, plan) in values.rows().into_iter().zip(plans.rows()) {
        assert_eq!(row.to_vec(), kpis_of(&plan.to_vec()));
    }
    let sizes: Vec<usize> = server
        .requests()
        .iter()
        .map(|r| r.body["allocations"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![2, 2, 1]);
}

#[test]
fn wrong_kpi_names_are_rejected() {
    let server = TestServer::start(|_, _| {
        Reply::status(
            200,
            r#"{"kpi_names": ["reach", "revenue"], "kpis": [[1, 2], [1, 2], [1, 2]]}"#,
        )
    });
    let error = error_of(&model(settings(&server.url)));
    assert!(error.contains("[reach, revenue]"), "{error}");
    assert!(error.contains("[revenue, reach]"), "{error}");
}

#[test]
fn wrong_row_count_is_rejected() {
    let server = TestServer::start(|_, _| {
        Reply::status(
            200,
            r#"{"kpi_names": ["revenue", "reach"], "kpis": [[1, 2]]}"#,
        )
    });
    let error = error_of(&model(settings(&server.url)));
    assert!(
        error.contains("1 rows of KPIs for 3 allocations"),
        "{error}"
    );
}

#[test]
fn wrong_value_count_is_rejected() {
    let server = TestServer::start(|_, _| {
        Reply::status(
            200,
            r#"{"kpi_names": ["revenue", "reach"], "kpis": [[1, 2], [1], [1, 2]]}"#,
        )
    });
    let error = error_of(&model(settings(&server.url)));
    assert!(
        error.contains("row 2 of the response has 1 values"),
        "{error}"
    );
}

#[test]
fn malformed_response_is_not_retried() {
    let server = TestServer::start(|_, _| Reply::status(200, "<html>oops</html>"));
    let mut settings = settings(&server.url);
    settings.retries = 2;
    let error = error_of(&model(settings));
    assert!(error.contains("not the expected JSON"), "{error}");
    assert!(error.contains("<html>oops</html>"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn null_value_is_rejected() {
    let server = TestServer::start(|_, _| {
        Reply::status(
            200,
            r#"{"kpi_names": ["revenue", "reach"], "kpis": [[1, null], [1, 2], [1, 2]]}"#,
        )
    });
    let error = error_of(&model(settings(&server.url)));
    assert!(error.contains("not the expected JSON"), "{error}");
}

#[test]
fn redirect_is_rejected() {
    let server = TestServer::start(|_, _| Reply {
        location: Some("http://127.0.0.1:1/elsewhere?key=k".into()),
        ..Reply::status(302, "")
    });
    let error = error_of(&model(settings(&server.url)));
    assert!(error.contains("status 302 redirects"), "{error}");
    assert!(error.contains("http://127.0.0.1:1/elsewhere"), "{error}");
    assert!(!error.contains("key=k"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn contributions_use_one_request() {
    let server = TestServer::start(|_, request| respond(request));
    let model = model(settings(&server.url));
    let contributions = model.contributions(array![60.0, 40.0].view()).unwrap();
    let full = kpis_of(&[60.0, 40.0]);
    let without_tv = kpis_of(&[60.0, 0.0]);
    assert_eq!(contributions[[1, 0]], full[0] - without_tv[0]);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn concurrent_batches_match_single_thread() {
    let server = TestServer::start(|_, request| respond(request));
    let model = model(settings(&server.url));
    let plans = Array2::from_shape_fn((12, 2), |(i, j)| (i * 3 + j) as f64 * 2.5);
    let single = model.evaluate(plans.view()).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| assert_eq!(model.evaluate(plans.view()).unwrap(), single));
        }
    });
}
