//! The `[model]` tables of black-box models: an external program (`type = "command"`) and an
//! HTTP service (`type = "http"`). The protocols are described in [`crate::external`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cache::{CachedModel, DEFAULT_CAPACITY};
use crate::error::CoreError;
use crate::external::{
    check_kpi_names, timeout, CommandModel, CommandSettings, HttpHeader, HttpModel, HttpSettings,
};
use crate::model::ResponseModel;

/// Default time limit of one batch or request, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 30.0;

/// Default extra time for a program's start-up, in seconds.
pub const DEFAULT_STARTUP_TIMEOUT_SECONDS: f64 = 60.0;

/// Default retries of an HTTP request. A program is restarted only when `retries` is set.
pub const DEFAULT_HTTP_RETRIES: u32 = 2;

/// Default wait before the first retry of an HTTP request, in seconds.
pub const DEFAULT_BACKOFF_SECONDS: f64 = 0.5;

/// Default maximum allocations in one HTTP request.
pub const DEFAULT_MAX_BATCH: usize = 1000;

/// Maximum `backoff_seconds`.
const MAX_BACKOFF_SECONDS: f64 = 60.0;

/// `[model]` with `type = "command"`: a program that reads one JSON object per allocation on
/// stdin and prints one JSON object of KPI values per allocation on stdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// The program and its arguments, run without a shell, for example `["python3",
    /// "model.py"]`. The program runs in the scenario's folder, so relative arguments name
    /// files there. A program given as a path with `/` is relative to that folder too, and a
    /// bare name is looked up on `PATH`.
    pub command: Vec<String>,
    /// KPI names, exactly the keys of each line the program prints.
    pub kpis: Vec<String>,
    /// Time limit of one batch in seconds (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    /// Extra seconds that the first batch of a newly started program may take, for its
    /// start-up (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_timeout_seconds: Option<f64>,
    /// How many times a failed batch is resent to a restarted program (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Number of copies of the program run at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// Number of plans whose results are cached, 0 for none (default 10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_size: Option<usize>,
}

/// `[model]` with `type = "http"`: a service that returns KPI values for POST requests of
/// allocations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// The endpoint, `http://` or `https://`.
    pub url: String,
    /// KPI names, in the order of each row that the service returns.
    pub kpis: Vec<String>,
    /// Headers sent with every request, by header name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderSpec>,
    /// Time limit of one request in seconds (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    /// How many times a request that failed for a transient reason is sent again (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Wait before the first retry in seconds, doubled for each further one (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_seconds: Option<f64>,
    /// Maximum allocations in one request (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<usize>,
    /// Number of plans whose results are cached, 0 for none (default 10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_size: Option<usize>,
}

/// The value of one header: read from an environment variable (for credentials), or given
/// in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    /// Environment variable that contains the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Text put before the variable's value, such as `Bearer `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The value itself, for headers that carry no secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl CommandSpec {
    /// Starts the program and returns the model, cached unless `cache_size` is 0.
    pub(crate) fn build(
        &self,
        channels: Vec<String>,
        folder: Option<&Path>,
    ) -> Result<Arc<dyn ResponseModel>, CoreError> {
        check_kpi_names("model.kpis", &self.kpis)?;
        let Some((program, args)) = self.command.split_first() else {
            return Err(CoreError::invalid(
                "model.command",
                "the list is empty: give the program and its arguments, such as \
                 [\"python3\", \"model.py\"]",
            ));
        };
        if program.trim().is_empty() {
            return Err(CoreError::invalid(
                "model.command[0]",
                "the program is empty: name a program, such as \"python3\"",
            ));
        }
        let settings = CommandSettings {
            program: program_path(program, folder),
            args: args.to_vec(),
            working_dir: folder.map(Path::to_path_buf),
            timeout: timeout(
                "model.timeout_seconds",
                self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            )?,
            startup_timeout: timeout(
                "model.startup_timeout_seconds",
                self.startup_timeout_seconds
                    .unwrap_or(DEFAULT_STARTUP_TIMEOUT_SECONDS),
            )?,
            retries: self.retries.unwrap_or(0),
            workers: self.workers.unwrap_or(1),
        };
        let model = CommandModel::new(channels, self.kpis.clone(), settings)?;
        Ok(cached(Arc::new(model), self.cache_size))
    }
}

impl HttpSpec {
    /// Reads the headers' environment variables and returns the model, cached unless
    /// `cache_size` is 0. No request is sent.
    pub(crate) fn build(&self, channels: Vec<String>) -> Result<Arc<dyn ResponseModel>, CoreError> {
        check_kpi_names("model.kpis", &self.kpis)?;
        let backoff = self.backoff_seconds.unwrap_or(DEFAULT_BACKOFF_SECONDS);
        if !(backoff.is_finite() && (0.0..=MAX_BACKOFF_SECONDS).contains(&backoff)) {
            return Err(CoreError::invalid(
                "model.backoff_seconds",
                format!(
                    "{backoff} is out of range: use 0 to {MAX_BACKOFF_SECONDS} seconds, such \
                     as 0.5"
                ),
            ));
        }
        let headers = self
            .headers
            .iter()
            .map(|(name, spec)| spec.header(name))
            .collect::<Result<Vec<_>, _>>()?;
        let settings = HttpSettings {
            url: self.url.clone(),
            headers,
            timeout: timeout(
                "model.timeout_seconds",
                self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            )?,
            retries: self.retries.unwrap_or(DEFAULT_HTTP_RETRIES),
            backoff: Duration::from_secs_f64(backoff),
            max_batch: self.max_batch.unwrap_or(DEFAULT_MAX_BATCH),
        };
        let model = HttpModel::new(channels, self.kpis.clone(), settings)?;
        Ok(cached(Arc::new(model), self.cache_size))
    }
}

impl HeaderSpec {
    /// Reads the header's value. Errors name the variable, never its value.
    fn header(&self, name: &str) -> Result<HttpHeader, CoreError> {
        let field = format!("model.headers.{name}");
        match (&self.env, &self.value) {
            (Some(variable), None) => {
                let value = match std::env::var(variable) {
                    Ok(value) if !value.is_empty() => value,
                    Ok(_) => {
                        return Err(CoreError::invalid(
                            format!("{field}.env"),
                            format!(
                                "environment variable `{variable}` is empty: set it to the \
                                 header's value"
                            ),
                        ))
                    }
                    Err(std::env::VarError::NotPresent) => {
                        return Err(CoreError::invalid(
                            format!("{field}.env"),
                            format!(
                                "environment variable `{variable}` is not set: export it \
                                 before running Atlas, or remove the header"
                            ),
                        ))
                    }
                    Err(std::env::VarError::NotUnicode(_)) => {
                        return Err(CoreError::invalid(
                            format!("{field}.env"),
                            format!(
                                "environment variable `{variable}` is not valid UTF-8: set it \
                                 to plain text"
                            ),
                        ))
                    }
                };
                let prefix = self.prefix.as_deref().unwrap_or("");
                let header = HttpHeader::new(
                    &field,
                    name,
                    format!("{prefix}{value}"),
                    &format!("environment variable `{variable}`"),
                )?;
                // A service may quote the token without its prefix.
                Ok(header.hiding(value))
            }
            (None, Some(value)) if self.prefix.is_none() => {
                HttpHeader::new(&field, name, value.clone(), "`value`")
            }
            (None, Some(_)) => Err(CoreError::invalid(
                format!("{field}.prefix"),
                "a prefix applies to `env` only: write it into `value`",
            )),
            (Some(_), Some(_)) => Err(CoreError::invalid(
                field,
                "both `env` and `value` are set: keep one",
            )),
            (None, None) => Err(CoreError::invalid(
                field,
                "neither `env` nor `value` is set: read the value from an environment \
                 variable, such as { env = \"ATLAS_MODEL_TOKEN\", prefix = \"Bearer \" }",
            )),
        }
    }
}

/// Resolves a program given as a relative path with a `/` against the scenario's folder. A
/// bare name stays as it is, so that the operating system looks it up on `PATH`.
fn program_path(program: &str, folder: Option<&Path>) -> PathBuf {
    let path = Path::new(program);
    match folder {
        Some(folder) if path.is_relative() && program.contains('/') => folder.join(path),
        _ => path.to_path_buf(),
    }
}

fn cached(model: Arc<dyn ResponseModel>, cache_size: Option<usize>) -> Arc<dyn ResponseModel> {
    match cache_size.unwrap_or(DEFAULT_CAPACITY) {
        0 => model,
        capacity => Arc::new(CachedModel::new(model, capacity).with_removal_contributions()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(text: &str) -> HttpSpec {
        toml::from_str(text).unwrap()
    }

    fn http_error(text: &str) -> String {
        http(text)
            .build(vec!["search".into()])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bare_program_name_stays_for_path_lookup() {
        let folder = Path::new("/scenarios");
        assert_eq!(
            program_path("python3", Some(folder)),
            PathBuf::from("python3")
        );
        assert_eq!(
            program_path("bin/model", Some(folder)),
            PathBuf::from("/scenarios/bin/model")
        );
        assert_eq!(
            program_path("/usr/bin/env", Some(folder)),
            PathBuf::from("/usr/bin/env")
        );
        assert_eq!(program_path("./model", None), PathBuf::from("./model"));
    }

    #[test]
    fn empty_command_is_rejected() {
        let spec: CommandSpec = toml::from_str("command = []\nkpis = [\"revenue\"]").unwrap();
        let error = spec.build(vec!["a".into()], None).unwrap_err().to_string();
        assert!(error.contains("model.command"), "{error}");
        assert!(error.contains("python3"), "{error}");
    }

    #[test]
    fn blank_program_is_rejected() {
        let spec: CommandSpec = toml::from_str("command = [\" \"]\nkpis = [\"revenue\"]").unwrap();
        let error = spec.build(vec!["a".into()], None).unwrap_err().to_string();
        assert!(error.contains("model.command[0]"), "{error}");
    }

    #[test]
    fn command_timeout_out_of_range_is_rejected() {
        let spec: CommandSpec =
            toml::from_str("command = [\"true\"]\nkpis = [\"revenue\"]\ntimeout_seconds = -1")
                .unwrap();
        let error = spec.build(vec!["a".into()], None).unwrap_err().to_string();
        assert!(error.contains("model.timeout_seconds"), "{error}");
        assert!(error.contains("-1"), "{error}");
    }

    #[test]
    fn too_many_retries_are_rejected() {
        let spec: CommandSpec =
            toml::from_str("command = [\"true\"]\nkpis = [\"revenue\"]\nretries = 1000").unwrap();
        let error = spec.build(vec!["a".into()], None).unwrap_err().to_string();
        assert!(error.contains("model.retries"), "{error}");
        assert!(error.contains("1000"), "{error}");
    }

    #[test]
    fn missing_environment_variable_is_named() {
        let error = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { Authorization = { env = \"ATLAS_TEST_UNSET_VARIABLE\", prefix = \"Bearer \" } }",
        );
        assert!(error.contains("model.headers.Authorization.env"), "{error}");
        assert!(
            error.contains("`ATLAS_TEST_UNSET_VARIABLE` is not set"),
            "{error}"
        );
    }

    #[test]
    fn empty_environment_variable_is_rejected() {
        // Each test sets its own variable, so tests running at once cannot interfere.
        std::env::set_var("ATLAS_TEST_EMPTY_TOKEN", "");
        let error = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { X-Key = { env = \"ATLAS_TEST_EMPTY_TOKEN\" } }",
        );
        assert!(error.contains("model.headers.X-Key.env"), "{error}");
        assert!(
            error.contains("`ATLAS_TEST_EMPTY_TOKEN` is empty"),
            "{error}"
        );
    }

    #[test]
    fn non_unicode_environment_variable_is_rejected() {
        use std::os::unix::ffi::OsStrExt;
        let value = std::ffi::OsStr::from_bytes(b"token-\xff");
        std::env::set_var("ATLAS_TEST_BINARY_TOKEN", value);
        let error = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { X-Key = { env = \"ATLAS_TEST_BINARY_TOKEN\" } }",
        );
        assert!(error.contains("not valid UTF-8"), "{error}");
        assert!(!error.contains("token-"), "{error}");
    }

    #[test]
    fn header_needs_env_or_value() {
        let neither = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\nheaders = { X-Key = {} }",
        );
        assert!(neither.contains("model.headers.X-Key"), "{neither}");
        assert!(neither.contains("neither"), "{neither}");
        let both = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { X-Key = { env = \"A\", value = \"b\" } }",
        );
        assert!(both.contains("both"), "{both}");
        let prefix = http_error(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { X-Key = { value = \"b\", prefix = \"c\" } }",
        );
        assert!(prefix.contains("model.headers.X-Key.prefix"), "{prefix}");
    }

    #[test]
    fn http_settings_out_of_range_are_rejected() {
        let base = "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n";
        for (extra, field) in [
            ("max_batch = 0", "model.max_batch"),
            ("backoff_seconds = -1.0", "model.backoff_seconds"),
            ("backoff_seconds = 1e9", "model.backoff_seconds"),
            ("timeout_seconds = 0.0", "model.timeout_seconds"),
            ("retries = 101", "model.retries"),
        ] {
            let error = http_error(&format!("{base}{extra}"));
            assert!(error.contains(field), "{extra}: {error}");
            assert!(error.contains("out of range"), "{extra}: {error}");
        }
        let url = http_error("url = \"localhost:8080\"\nkpis = [\"revenue\"]");
        assert!(url.contains("model.url"), "{url}");
    }

    #[test]
    fn literal_header_value_builds() {
        let spec = http(
            "url = \"http://127.0.0.1:9/x\"\nkpis = [\"revenue\"]\n\
             headers = { X-Client = { value = \"atlas\" } }",
        );
        let model = spec.build(vec!["search".into()]).unwrap();
        assert_eq!(model.kpis(), ["revenue"]);
    }
}
