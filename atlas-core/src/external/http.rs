//! An HTTP service as a response model.
//!
//! Atlas POSTs each batch, split into requests of at most `max_batch` allocations, as JSON:
//!
//! ```text
//! {"channels": ["search", "tv"], "kpi_names": ["revenue", "awareness"],
//!  "allocations": [[120.0, 300.0], [80.0, 340.0]]}
//! ```
//!
//! and expects status 200 (any 2xx) with one row of KPI values per allocation, in the order
//! of `kpi_names`, which the service repeats so that Atlas can check it:
//!
//! ```text
//! {"kpi_names": ["revenue", "awareness"], "kpis": [[1200000.0, 40.1], [1150000.0, 42.0]]}
//! ```
//!
//! Other keys of the response are ignored. Connection failures, timeouts, 408, 429 and 5xx
//! responses are retried up to `retries` times, waiting `backoff`, then twice as long after
//! each further failure (at most [`MAX_BACKOFF`]). Other 4xx responses, redirects and
//! malformed response bodies stop the run at once, with an error that names the status and
//! quotes the start of the body. Header values, which usually carry credentials, never appear in logs,
//! errors or `Debug` output, and are cut out of quoted response bodies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use ureq::http::{HeaderName, HeaderValue, StatusCode, Uri};

use super::{contributions_by_removal, excerpt, seconds};
use crate::error::CoreError;
use crate::model::{check_columns, ResponseModel};

/// Maximum wait between two attempts of one request.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Maximum size of a response body that Atlas reads, in bytes.
const MAX_BODY_BYTES: u64 = 64 << 20;

/// One header sent with every request. Its value is kept out of `Debug` output.
#[derive(Clone)]
pub struct HttpHeader {
    name: HeaderName,
    value: HeaderValue,
    /// The value as text, and parts of it such as a token without its `Bearer ` prefix, to
    /// cut out of response bodies quoted in errors. The longest comes first.
    secrets: Vec<String>,
}

impl HttpHeader {
    /// Builds a header, naming `field` and `source` (such as `environment variable
    /// ATLAS_MODEL_TOKEN`) in errors, never the value.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] when the name is not a valid header name or the value
    /// has characters that a header cannot carry, such as a line break.
    pub fn new(field: &str, name: &str, value: String, source: &str) -> Result<Self, CoreError> {
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            CoreError::invalid(
                field,
                format!(
                    "`{name}` is not a valid HTTP header name: use letters, digits and `-`, \
                     such as Authorization"
                ),
            )
        })?;
        let mut header_value = HeaderValue::from_str(&value).map_err(|_| {
            CoreError::invalid(
                field,
                format!(
                    "the value from {source} has characters that an HTTP header cannot carry, \
                     such as a line break: remove them"
                ),
            )
        })?;
        header_value.set_sensitive(true);
        Ok(Self {
            name: header_name,
            value: header_value,
            secrets: vec![value],
        })
    }

    /// Also cuts `part` of the value, such as the token without its prefix, out of
    /// response bodies quoted in errors.
    #[must_use]
    pub fn hiding(mut self, part: String) -> Self {
        if !part.is_empty() && !self.secrets.contains(&part) {
            self.secrets.push(part);
            self.secrets
                .sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        }
        self
    }

    /// Header name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }
}

impl std::fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpHeader")
            .field("name", &self.name.as_str())
            .field("value", &"<redacted>")
            .finish()
    }
}

/// Settings of an HTTP model: the endpoint, headers, time limit, retries and request size.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The endpoint that receives the POST requests, `http://` or `https://`.
    pub url: String,
    /// Headers sent with every request.
    pub headers: Vec<HttpHeader>,
    /// Time limit of one request, from connecting to reading the whole response.
    pub timeout: Duration,
    /// How many times a request that failed for a transient reason is sent again.
    pub retries: u32,
    /// Wait before the first retry. Each further retry waits twice as long.
    pub backoff: Duration,
    /// Maximum allocations in one request. Larger batches are split.
    pub max_batch: usize,
}

/// A response model computed by an HTTP service.
pub struct HttpModel {
    channels: Vec<String>,
    kpis: Vec<String>,
    settings: HttpSettings,
    /// The URL without query or credentials, for messages and logs.
    shown_url: String,
    agent: ureq::Agent,
    /// Number of the last batch evaluated.
    batches: AtomicU64,
}

impl std::fmt::Debug for HttpModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpModel")
            .field("url", &self.shown_url)
            .field("channels", &self.channels)
            .field("kpis", &self.kpis)
            .field("headers", &self.settings.headers)
            .field("timeout", &self.settings.timeout)
            .field("retries", &self.settings.retries)
            .field("backoff", &self.settings.backoff)
            .field("max_batch", &self.settings.max_batch)
            .finish_non_exhaustive()
    }
}

/// The body of one request.
#[derive(Serialize)]
struct Request<'a> {
    channels: &'a [String],
    kpi_names: &'a [String],
    allocations: Vec<Vec<f64>>,
}

/// The body of one successful response.
#[derive(Deserialize)]
struct ResponseBody {
    kpi_names: Vec<String>,
    kpis: Vec<Vec<f64>>,
}

/// The failure of one attempt of a request.
enum Failure {
    /// Worth sending again: a connection failure, a timeout, 408, 429 or 5xx.
    Transient(String),
    /// Sending again would fail the same way.
    Fatal(String),
}

impl HttpModel {
    /// Checks the settings and builds the model. No request is sent.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming `model.url`, `model.max_batch` or
    /// `model.retries` when a setting is invalid.
    pub fn new(
        channels: Vec<String>,
        kpis: Vec<String>,
        settings: HttpSettings,
    ) -> Result<Self, CoreError> {
        let shown_url = check_url(&settings.url)?;
        if settings.max_batch == 0 {
            return Err(CoreError::invalid(
                "model.max_batch",
                "0 is out of range: allow at least 1 allocation per request",
            ));
        }
        super::check_retries("model.retries", settings.retries)?;
        if settings.url.starts_with("http://")
            && !settings.headers.is_empty()
            && !is_loopback(&settings.url)
        {
            tracing::warn!(
                url = %shown_url,
                "headers, which may carry credentials, go to the model service over plain \
                 http: use https"
            );
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(format!("atlas/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        tracing::debug!(url = %shown_url, "using HTTP model service");
        Ok(Self {
            channels,
            kpis,
            settings,
            shown_url,
            agent,
            batches: AtomicU64::new(0),
        })
    }

    /// Sends one request, and sends it again after transient failures as often as `retries`
    /// allows.
    fn request(&self, batch: u64, label: &str, body: &[u8]) -> Result<Vec<Vec<f64>>, CoreError> {
        let attempts = self.settings.retries + 1;
        let mut wait = self.settings.backoff;
        for attempt in 1..=attempts {
            let failure = match self.post(body) {
                Ok(rows) => return Ok(rows),
                Err(failure) => failure,
            };
            let message = |text: &str| {
                format!(
                    "HTTP model {} failed on batch {batch}, {label}: {text}",
                    self.shown_url
                )
            };
            match failure {
                Failure::Fatal(text) => return Err(CoreError::Model(message(&text))),
                Failure::Transient(text) if attempt == attempts => {
                    let suffix = if attempts > 1 {
                        format!(" (gave up after {attempts} attempts)")
                    } else {
                        String::new()
                    };
                    return Err(CoreError::Model(format!("{}{suffix}", message(&text))));
                }
                Failure::Transient(text) => {
                    tracing::warn!(
                        url = %self.shown_url,
                        batch,
                        request = label,
                        attempt,
                        attempts,
                        wait_seconds = wait.as_secs_f64(),
                        error = %text,
                        "model service request failed; retrying"
                    );
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Sends one request once and checks the response.
    fn post(&self, body: &[u8]) -> Result<Vec<Vec<f64>>, Failure> {
        let mut request = self
            .agent
            .post(&self.settings.url)
            .header("content-type", "application/json")
            .header("accept", "application/json");
        for header in &self.settings.headers {
            request = request.header(&header.name, header.value.clone());
        }
        let mut response = request.send(body).map_err(|error| self.classify(error))?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(|error| self.classify(error))?;
        if status.is_success() {
            return self.parse(&text).map_err(Failure::Fatal);
        }
        let start = self.redact(&excerpt(&text));
        let reason = status.canonical_reason().unwrap_or("");
        let described = format!("status {} {reason}, body `{start}`", status.as_u16());
        if status.is_server_error()
            || status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
        {
            Err(Failure::Transient(described))
        } else if status.is_redirection() {
            let location = response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok())
                .map(shown)
                .unwrap_or_default();
            Err(Failure::Fatal(format!(
                "status {} redirects to `{location}`: set model.url to the final address",
                status.as_u16()
            )))
        } else {
            Err(Failure::Fatal(format!(
                "{described}: check model.url, the headers and the request format that the \
                 service expects"
            )))
        }
    }

    /// Sorts a transport error into transient and fatal failures.
    fn classify(&self, error: ureq::Error) -> Failure {
        match error {
            ureq::Error::Timeout(_) => Failure::Transient(format!(
                "no complete response within {}: raise model.timeout_seconds or check the \
                 service",
                seconds(self.settings.timeout)
            )),
            ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Io(_) => {
                Failure::Transient(format!(
                    "cannot connect or the connection failed ({error}): check that the \
                     service runs at model.url"
                ))
            }
            ureq::Error::BodyExceedsLimit(limit) => Failure::Fatal(format!(
                "the response body is larger than {limit} bytes: lower model.max_batch"
            )),
            other => Failure::Fatal(self.redact(&other.to_string())),
        }
    }

    /// Parses a successful response body into one row of KPI values per allocation.
    fn parse(&self, text: &str) -> Result<Vec<Vec<f64>>, String> {
        let body: ResponseBody = serde_json::from_str(text).map_err(|error| {
            format!(
                "the response is not the expected JSON ({error}), body `{}`: return \
                 {{\"kpi_names\": [...], \"kpis\": [[...], ...]}} with finite numbers",
                self.redact(&excerpt(text))
            )
        })?;
        if body.kpi_names != self.kpis {
            return Err(format!(
                "the response lists KPIs [{}] but model.kpis is [{}]: make them the same, in \
                 the same order",
                body.kpi_names.join(", "),
                self.kpis.join(", ")
            ));
        }
        Ok(body.kpis)
    }

    /// Replaces every header value in `text`, and every part marked with
    /// [`HttpHeader::hiding`], with `<redacted>`.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for header in &self.settings.headers {
            for secret in header.secrets.iter().filter(|secret| !secret.is_empty()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }

    /// Checks that a response has one row per allocation and one value per KPI.
    fn check_rows(&self, rows: &[Vec<f64>], expected: usize) -> Result<(), String> {
        if rows.len() != expected {
            return Err(format!(
                "the response has {} rows of KPIs for {expected} allocations: return one row \
                 per allocation, in order",
                rows.len()
            ));
        }
        for (index, row) in rows.iter().enumerate() {
            if row.len() != self.kpis.len() {
                return Err(format!(
                    "row {} of the response has {} values for {} KPIs ({}): return one value \
                     per KPI",
                    index + 1,
                    row.len(),
                    self.kpis.len(),
                    self.kpis.join(", ")
                ));
            }
        }
        Ok(())
    }
}

impl ResponseModel for HttpModel {
    fn channels(&self) -> &[String] {
        &self.channels
    }

    fn kpis(&self) -> &[String] {
        &self.kpis
    }

    /// Sends the batch in requests of at most `max_batch` allocations, one after another.
    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        if let Some(bad) = spend.iter().find(|value| !value.is_finite()) {
            return Err(CoreError::Model(format!(
                "a plan has spend {bad}, which is not finite, so it cannot be sent to {}",
                self.shown_url
            )));
        }
        let rows = spend.nrows();
        let mut out = Array2::zeros((rows, self.kpis.len()));
        if rows == 0 {
            return Ok(out);
        }
        let batch = self.batches.fetch_add(1, Ordering::Relaxed) + 1;
        let size = self.settings.max_batch;
        let requests = rows.div_ceil(size);
        for (index, part) in spend.axis_chunks_iter(Axis(0), size).enumerate() {
            let label = format!("request {} of {requests}", index + 1);
            let body = serde_json::to_vec(&Request {
                channels: &self.channels,
                kpi_names: &self.kpis,
                allocations: part.axis_iter(Axis(0)).map(|row| row.to_vec()).collect(),
            })
            .map_err(|error| CoreError::Model(format!("cannot write the request: {error}")))?;
            tracing::trace!(
                url = %self.shown_url,
                batch,
                request = %label,
                rows = part.nrows(),
                "sending request"
            );
            let values = self.request(batch, &label, &body)?;
            self.check_rows(&values, part.nrows()).map_err(|text| {
                CoreError::Model(format!(
                    "HTTP model {} failed on batch {batch}, {label}: {text}",
                    self.shown_url
                ))
            })?;
            for (offset, row) in values.iter().enumerate() {
                for (k, value) in row.iter().enumerate() {
                    out[[index * size + offset, k]] = *value;
                }
            }
        }
        Ok(out)
    }

    /// Contributions by removal, see [`contributions_by_removal`].
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        contributions_by_removal(self, spend)
    }
}

/// Checks that `url` is an absolute `http://` or `https://` URL without credentials, and
/// returns it without its query for messages.
fn check_url(url: &str) -> Result<String, CoreError> {
    let field = "model.url";
    let uri: Uri = url.parse().map_err(|_| {
        CoreError::invalid(
            field,
            format!(
                "`{}` is not a valid URL: use an address such as \
                 http://127.0.0.1:8080/predict",
                shown(url)
            ),
        )
    })?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(CoreError::invalid(
                field,
                format!(
                    "`{}` does not start with http:// or https://: give the full address",
                    shown(url)
                ),
            ))
        }
    }
    let Some(authority) = uri.authority() else {
        return Err(CoreError::invalid(
            field,
            format!("`{}` has no host: give the full address", shown(url)),
        ));
    };
    if authority.as_str().contains('@') {
        return Err(CoreError::invalid(
            field,
            "the URL carries credentials before `@`: remove them and send them in a header \
             read from an environment variable, such as headers = { Authorization = { env = \
             \"ATLAS_MODEL_TOKEN\", prefix = \"Bearer \" } }",
        ));
    }
    Ok(shown(url))
}

/// `url` without its query and fragment, which may carry keys, and without credentials.
fn shown(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let base = &url[..end];
    match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &base[..scheme + 3], &base[at + 1..])
        }
        _ => base.to_string(),
    }
}

/// Returns whether the URL's host is a loopback address, where plain http is safe.
fn is_loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_url_drops_query_and_credentials() {
        assert_eq!(
            shown("https://user:pw@example.test/predict?key=abc"),
            "https://example.test/predict"
        );
        assert_eq!(
            shown("http://127.0.0.1:8080/p#x"),
            "http://127.0.0.1:8080/p"
        );
    }

    #[test]
    fn url_checks_name_the_field() {
        for (url, expected) in [
            ("ftp://127.0.0.1/x", "http://"),
            ("127.0.0.1:8080", "http://"),
            ("http://user:pw@127.0.0.1/x", "credentials"),
            ("not a url", "not a valid URL"),
        ] {
            let error = check_url(url).unwrap_err().to_string();
            assert!(error.contains("model.url"), "{url}: {error}");
            assert!(error.contains(expected), "{url}: {error}");
            assert!(!error.contains("pw"), "{url}: {error}");
        }
        assert!(check_url("https://example.test/predict").is_ok());
    }

    #[test]
    fn loopback_hosts_are_recognized() {
        assert!(is_loopback("http://127.0.0.1:1/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(is_loopback("http://[::1]:8080/x"));
        assert!(!is_loopback("http://example.test/x"));
    }

    #[test]
    fn header_debug_hides_the_value() {
        let header = HttpHeader::new(
            "model.headers.Authorization",
            "Authorization",
            "Bearer s3cret".into(),
            "environment variable T",
        )
        .unwrap();
        let text = format!("{header:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("authorization"), "{text}");
    }

    #[test]
    fn header_with_line_break_is_rejected_without_value() {
        let error = HttpHeader::new(
            "model.headers.X-Key",
            "X-Key",
            "abc\ndef".into(),
            "environment variable KEY",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("model.headers.X-Key"), "{error}");
        assert!(error.contains("environment variable KEY"), "{error}");
        assert!(!error.contains("abc"), "{error}");
    }

    #[test]
    fn invalid_header_name_is_rejected() {
        let error = HttpHeader::new("model.headers", "Bad Name", "x".into(), "value")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`Bad Name`"), "{error}");
    }
}
