//! An external program as a response model, speaking JSON lines on stdin and stdout.
//!
//! Atlas starts the program once per worker and keeps it running. For each batch it writes
//! one line per allocation on the program's stdin, a JSON object keyed by channel name in
//! channel order, and reads one line per allocation from its stdout, a JSON object keyed by
//! KPI name:
//!
//! ```text
//! stdin:  {"search":120.0,"tv":300.0}
//! stdout: {"revenue":1200000.0,"awareness":40.1}
//! ```
//!
//! Response lines come back in request order, and the program flushes stdout after each
//! line. Each response depends only on its own request line, so results do not depend on
//! batching or on the number of workers. The program's stderr goes to Atlas's log (shown
//! with `-v`) and never into results. Atlas closes the program's stdin and kills it when the
//! model is dropped, so the program need not handle any shutdown message.
//!
//! A batch fails when the program exits, closes stdout or does not respond within the
//! timeout. It also fails when a line is not such an object, leaves out a KPI, adds an
//! unknown one, or has a value that is not finite. Atlas then kills and reaps the program.
//! Up to `retries` times, it starts the program again and resends the whole batch. After that
//! it returns an error that names the program, the worker, the batch and the line.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use ndarray::{concatenate, Array2, ArrayView1, ArrayView2, Axis};

use super::{contributions_by_removal, excerpt, seconds};
use crate::error::CoreError;
use crate::model::{check_columns, ResponseModel};

/// Maximum number of programs that one model runs at once.
pub const MAX_WORKERS: usize = 64;

/// Maximum length of one line that the program prints, in bytes.
const MAX_LINE_BYTES: usize = 1 << 20;

/// Lines of the program's stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 5;

/// Number of stderr lines of each program logged at `info`. Later lines are logged at `trace`.
const STDERR_INFO_LINES: usize = 100;

/// How long Atlas waits for an exit status or the rest of stderr once stdout closed.
const EXIT_GRACE: Duration = Duration::from_millis(200);

/// How long a healthy program may take to exit after its stdin closes, before it is killed.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How to run the program.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSettings {
    /// The program: a path, or a bare name that the operating system looks up on `PATH`.
    pub program: PathBuf,
    /// Arguments, passed as they are, with no shell.
    pub args: Vec<String>,
    /// Working directory of the program, or Atlas's own when `None`.
    pub working_dir: Option<PathBuf>,
    /// Time limit of one batch, from sending it to reading its last response line.
    pub timeout: Duration,
    /// Extra time that the first batch of each newly started program may take, for the
    /// program's start-up (imports, loading or fitting its model).
    pub startup_timeout: Duration,
    /// How many times a failed batch is resent to a restarted program before the error stops
    /// the run.
    pub retries: u32,
    /// Number of programs run at once. A batch is split between them.
    pub workers: usize,
}

/// A response model computed by an external program.
pub struct CommandModel {
    channels: Vec<String>,
    kpis: Vec<String>,
    settings: CommandSettings,
    /// The program and its arguments joined by spaces, for messages.
    label: String,
    idle: Mutex<Vec<Worker>>,
    returned: Condvar,
    /// Number of the last batch sent to any worker.
    batches: AtomicU64,
}

impl std::fmt::Debug for CommandModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandModel")
            .field("program", &self.label)
            .field("channels", &self.channels)
            .field("kpis", &self.kpis)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl CommandModel {
    /// Starts the first worker's program and returns the model.
    ///
    /// # Errors
    ///
    /// Returns [`CoreError::Invalid`] naming `model.workers`, `model.retries` or
    /// `model.command` when a setting is out of range or the program cannot start.
    pub fn new(
        channels: Vec<String>,
        kpis: Vec<String>,
        settings: CommandSettings,
    ) -> Result<Self, CoreError> {
        if settings.workers == 0 || settings.workers > MAX_WORKERS {
            return Err(CoreError::invalid(
                "model.workers",
                format!(
                    "{} is out of range: use 1 to {MAX_WORKERS} programs",
                    settings.workers
                ),
            ));
        }
        super::check_retries("model.retries", settings.retries)?;
        let label = std::iter::once(settings.program.display().to_string())
            .chain(settings.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        let mut first = Worker {
            id: 1,
            process: None,
        };
        let process = Process::spawn(&settings, &label, 1).map_err(|error| {
            CoreError::invalid(
                "model.command",
                format!(
                    "cannot start `{label}`: {error}: check that the program exists and is \
                     executable; a bare name is looked up on PATH, and a path with a `/` is \
                     relative to the scenario's folder"
                ),
            )
        })?;
        first.process = Some(process);
        let mut idle: Vec<Worker> = (2..=settings.workers)
            .rev()
            .map(|id| Worker { id, process: None })
            .collect();
        idle.push(first);
        Ok(Self {
            channels,
            kpis,
            settings,
            label,
            idle: Mutex::new(idle),
            returned: Condvar::new(),
            batches: AtomicU64::new(0),
        })
    }

    /// Runs `task` with an idle worker, waiting for one when every worker is busy.
    fn with_worker<T>(&self, task: impl FnOnce(&mut Worker) -> T) -> T {
        let mut idle = lock(&self.idle);
        let worker = loop {
            match idle.pop() {
                Some(worker) => break worker,
                None => {
                    idle = self
                        .returned
                        .wait(idle)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        };
        drop(idle);
        let mut borrowed = BorrowedWorker {
            model: self,
            worker,
        };
        task(&mut borrowed.worker)
    }

    /// Sends one batch to `worker`, restarting its program and resending the batch after a
    /// failure as often as `retries` allows.
    fn run_batch(
        &self,
        worker: &mut Worker,
        spend: ArrayView2<'_, f64>,
    ) -> Result<Array2<f64>, CoreError> {
        let batch = self.batches.fetch_add(1, Ordering::Relaxed) + 1;
        let attempts = self.settings.retries + 1;
        for attempt in 1..=attempts {
            let process = match &mut worker.process {
                Some(process) => process,
                slot => slot.insert(
                    Process::spawn(&self.settings, &self.label, worker.id).map_err(|error| {
                        CoreError::Model(format!(
                            "cannot restart program `{}` (worker {}) for batch {batch}: {error}",
                            self.label, worker.id
                        ))
                    })?,
                ),
            };
            let pid = process.pid;
            match self.exchange(process, spend) {
                Ok(values) => {
                    if attempt > 1 {
                        tracing::info!(
                            program = %self.label,
                            worker = worker.id,
                            pid,
                            batch,
                            attempt,
                            "model program returned the resent batch"
                        );
                    }
                    return Ok(values);
                }
                Err(failure) => {
                    // Dropping a failed process kills and reaps it at once.
                    if let Some(process) = worker.process.as_mut() {
                        process.failed = true;
                    }
                    worker.process = None;
                    let message = format!(
                        "program `{}` (worker {}, pid {pid}) failed on batch {batch}, {failure}",
                        self.label, worker.id
                    );
                    if attempt < attempts {
                        tracing::warn!(
                            program = %self.label,
                            worker = worker.id,
                            pid,
                            batch,
                            attempt,
                            attempts,
                            error = %message,
                            "model program failed; restarting it and resending the batch"
                        );
                    } else if attempts > 1 {
                        return Err(CoreError::Model(format!(
                            "{message} (gave up after {attempts} attempts)"
                        )));
                    } else {
                        return Err(CoreError::Model(message));
                    }
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Writes one batch to the program and reads its response lines.
    fn exchange(
        &self,
        process: &mut Process,
        spend: ArrayView2<'_, f64>,
    ) -> Result<Array2<f64>, String> {
        let rows = spend.nrows();
        let limit = if process.started_up {
            self.settings.timeout
        } else {
            self.settings.timeout + self.settings.startup_timeout
        };
        let deadline = Instant::now() + limit;
        match process.lines.try_recv() {
            Ok(Ok(line)) => {
                return Err(format!(
                    "before line 1 of {rows}: the program printed `{}`, which matches no \
                     request line: print exactly one line per input line",
                    excerpt(&line)
                ))
            }
            Ok(Err(error)) => return Err(format!("before line 1 of {rows}: {error}")),
            Err(TryRecvError::Disconnected) => {
                return Err(format!("before line 1 of {rows}: {}", process.ended()))
            }
            Err(TryRecvError::Empty) => {}
        }
        let payload = request_lines(&self.channels, spend);
        if process
            .requests
            .as_ref()
            .is_none_or(|requests| requests.send(payload).is_err())
        {
            return Err(format!("line 1 of {rows}: {}", process.ended()));
        }
        let mut out = Array2::zeros((rows, self.kpis.len()));
        for (index, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
            let at = format!("line {} of {rows}", index + 1);
            let wait = deadline.saturating_duration_since(Instant::now());
            let line = match process.lines.recv_timeout(wait) {
                Ok(Ok(line)) => line,
                Ok(Err(error)) => return Err(format!("{at}: {error}")),
                Err(RecvTimeoutError::Timeout) if process.started_up => {
                    return Err(format!(
                        "{at}: timed out after {}: raise model.timeout_seconds, speed the \
                         program up, or check that it flushes stdout after each line",
                        seconds(limit)
                    ))
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{at}: timed out after {} on the program's first batch: raise \
                         model.startup_timeout_seconds or model.timeout_seconds, or check that \
                         the program flushes stdout after each line",
                        seconds(limit)
                    ))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("{at}: {}", process.ended()))
                }
            };
            let values =
                parse_response_line(&line, &self.kpis).map_err(|error| format!("{at}: {error}"))?;
            for (slot, value) in row.iter_mut().zip(values) {
                *slot = value;
            }
        }
        process.started_up = true;
        Ok(out)
    }
}

impl ResponseModel for CommandModel {
    fn channels(&self) -> &[String] {
        &self.channels
    }

    fn kpis(&self) -> &[String] {
        &self.kpis
    }

    /// Splits the batch into one contiguous part per worker, at most, and sends the parts to
    /// the workers at once.
    fn evaluate(&self, spend: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        check_columns(self, spend.ncols())?;
        if let Some(bad) = spend.iter().find(|value| !value.is_finite()) {
            return Err(CoreError::Model(format!(
                "a plan has spend {bad}, which is not finite, so it cannot be sent to program \
                 `{}`",
                self.label
            )));
        }
        let rows = spend.nrows();
        if rows == 0 {
            return Ok(Array2::zeros((0, self.kpis.len())));
        }
        let parts = self.settings.workers.min(rows);
        if parts == 1 {
            return self.with_worker(|worker| self.run_batch(worker, spend));
        }
        let size = rows.div_ceil(parts);
        let results: Vec<Result<Array2<f64>, CoreError>> = thread::scope(|scope| {
            let handles: Vec<_> = spend
                .axis_chunks_iter(Axis(0), size)
                .map(|part| {
                    scope.spawn(move || self.with_worker(|worker| self.run_batch(worker, part)))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(CoreError::Model(format!(
                            "the thread that talks to program `{}` panicked",
                            self.label
                        )))
                    })
                })
                .collect()
        });
        let parts = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        let views: Vec<_> = parts.iter().map(|part| part.view()).collect();
        concatenate(Axis(0), &views).map_err(|error| CoreError::Model(error.to_string()))
    }

    /// Contributions by removal, see [`contributions_by_removal`].
    fn contributions(&self, spend: ArrayView1<'_, f64>) -> Result<Array2<f64>, CoreError> {
        contributions_by_removal(self, spend)
    }
}

/// One slot of the pool: a worker number and its program, when one is running.
struct Worker {
    id: usize,
    process: Option<Process>,
}

/// A worker taken from the pool, which goes back to the pool when this is dropped, even
/// when the task panics.
struct BorrowedWorker<'a> {
    model: &'a CommandModel,
    worker: Worker,
}

impl Drop for BorrowedWorker<'_> {
    fn drop(&mut self) {
        let empty = Worker {
            id: self.worker.id,
            process: None,
        };
        let worker = std::mem::replace(&mut self.worker, empty);
        lock(&self.model.idle).push(worker);
        self.model.returned.notify_one();
    }
}

/// A running program with its pipe threads. Dropping it kills and reaps the program.
struct Process {
    child: Child,
    pid: u32,
    worker: usize,
    label: String,
    /// Batches of request lines for the thread that writes stdin, or `None` once closed.
    requests: Option<Sender<Vec<u8>>>,
    /// Lines of stdout, or a read error, from the thread that reads stdout. The channel
    /// disconnects when stdout closes.
    lines: Receiver<Result<String, String>>,
    stderr: Arc<StderrTail>,
    /// Whether the program has returned a whole batch, so that its start-up is over.
    started_up: bool,
    /// Whether a batch failed, so that dropping the process kills it without a grace period.
    failed: bool,
}

impl Process {
    /// Starts the program with piped stdin, stdout and stderr, and one thread for each pipe.
    fn spawn(settings: &CommandSettings, label: &str, worker: usize) -> std::io::Result<Self> {
        let mut command = Command::new(&settings.program);
        command
            .args(&settings.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = &settings.working_dir {
            command.current_dir(dir);
        }
        // A process group of its own keeps Ctrl-C in a terminal from reaching the program, so
        // that Atlas can finish the current batch, save a checkpoint and stop it.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);

        let mut child = command.spawn()?;
        let pid = child.id();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("the program's pipes were not opened"));
        };

        let (requests, pending) = mpsc::channel();
        let (output_lines, lines) = mpsc::channel();
        let tail = Arc::new(StderrTail::default());
        let spawned = spawn_writer(stdin, pending, worker, pid)
            .and_then(|()| spawn_reader(stdout, output_lines, worker))
            .and_then(|()| spawn_stderr(stderr, Arc::clone(&tail), label.to_string(), worker, pid));
        if let Err(error) = spawned {
            let _ = child.kill();
            let _ = child.wait();
            return Err(error);
        }

        tracing::info!(program = %label, worker, pid, "started model program");
        Ok(Self {
            child,
            pid,
            worker,
            label: label.to_string(),
            requests: Some(requests),
            lines,
            stderr: tail,
            started_up: false,
            failed: false,
        })
    }

    /// Describes how the program ended after its stdout closed: its exit status when it
    /// exits within [`EXIT_GRACE`], and the last lines of its stderr.
    fn ended(&mut self) -> String {
        let started = Instant::now();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < EXIT_GRACE => {
                    thread::sleep(Duration::from_millis(5));
                }
                _ => break None,
            }
        };
        let mut text = match status {
            Some(status) => format!("the program exited ({status})"),
            None => "the program closed its stdout".to_string(),
        };
        let tail = self.stderr.wait_for_end(EXIT_GRACE);
        if tail.is_empty() {
            text.push_str(" and printed nothing on stderr");
        } else {
            text.push_str(&format!(
                "; the end of its stderr: {}",
                excerpt(&tail.join(" | "))
            ));
        }
        text.push_str(": fix the program, or run it by hand to see why");
        text
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Closing stdin ends the writer thread, and the program then reads end of file.
        self.requests = None;
        if !self.failed {
            // A healthy program gets a moment to exit by itself, for example to flush
            // its own files, before it is killed.
            let deadline = Instant::now() + SHUTDOWN_GRACE;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => tracing::debug!(
                program = %self.label,
                worker = self.worker,
                pid = self.pid,
                %status,
                "stopped model program"
            ),
            Err(error) => tracing::warn!(
                program = %self.label,
                worker = self.worker,
                pid = self.pid,
                %error,
                "could not reap model program"
            ),
        }
    }
}

/// The last lines of a program's stderr, and whether stderr has closed.
#[derive(Default)]
struct StderrTail {
    state: Mutex<(VecDeque<String>, bool)>,
    closed: Condvar,
}

impl StderrTail {
    fn push(&self, line: String) {
        let mut state = lock(&self.state);
        if state.0.len() == STDERR_TAIL_LINES {
            state.0.pop_front();
        }
        state.0.push_back(line);
    }

    fn close(&self) {
        lock(&self.state).1 = true;
        self.closed.notify_all();
    }

    /// Waits up to `limit` for stderr to close, and returns its last lines.
    fn wait_for_end(&self, limit: Duration) -> Vec<String> {
        let state = lock(&self.state);
        let (state, _) = self
            .closed
            .wait_timeout_while(state, limit, |state| !state.1)
            .unwrap_or_else(PoisonError::into_inner);
        state.0.iter().cloned().collect()
    }
}

fn spawn_writer(
    mut stdin: ChildStdin,
    pending: Receiver<Vec<u8>>,
    worker: usize,
    pid: u32,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name(format!("atlas-model-{worker}-stdin"))
        .spawn(move || {
            for payload in pending {
                if let Err(error) = stdin.write_all(&payload).and_then(|()| stdin.flush()) {
                    // The reader sees stdout close and reports how the program ended.
                    tracing::debug!(worker, pid, %error, "writing to the model program failed");
                    break;
                }
            }
        })
        .map(drop)
}

fn spawn_reader(
    stdout: ChildStdout,
    lines: Sender<Result<String, String>>,
    worker: usize,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name(format!("atlas-model-{worker}-stdout"))
        .spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let line = match read_line(&mut reader) {
                    Ok(Some(line)) => String::from_utf8(line).map_err(|_| {
                        "the program printed a line that is not UTF-8: print JSON text".to_string()
                    }),
                    Ok(None) => break,
                    Err(error) => Err(error),
                };
                let failed = line.is_err();
                if lines.send(line).is_err() || failed {
                    break;
                }
            }
        })
        .map(drop)
}

fn spawn_stderr(
    stderr: ChildStderr,
    tail: Arc<StderrTail>,
    label: String,
    worker: usize,
    pid: u32,
) -> std::io::Result<()> {
    thread::Builder::new()
        .name(format!("atlas-model-{worker}-stderr"))
        .spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut count = 0;
            loop {
                let bytes = match read_line(&mut reader) {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::debug!(
                            program = %label,
                            worker,
                            pid,
                            %error,
                            "stopped reading stderr"
                        );
                        break;
                    }
                };
                let line = String::from_utf8_lossy(&bytes).into_owned();
                count += 1;
                if count <= STDERR_INFO_LINES {
                    tracing::info!(program = %label, worker, pid, "stderr: {line}");
                } else {
                    if count == STDERR_INFO_LINES + 1 {
                        tracing::info!(
                            program = %label,
                            worker,
                            pid,
                            "the program printed {STDERR_INFO_LINES} stderr lines; later \
                             ones are logged at trace level"
                        );
                    }
                    tracing::trace!(program = %label, worker, pid, "stderr: {line}");
                }
                tail.push(line);
            }
            tail.close();
        })
        .map(drop)
}

/// Reads one line without its line ending, `None` at the end of the stream. A last line
/// without a newline counts as a line.
///
/// # Errors
///
/// Returns a message when reading fails or the line is longer than [`MAX_LINE_BYTES`].
fn read_line(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut line = Vec::new();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = reader
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|error| format!("reading the program's output failed: {error}"))?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > MAX_LINE_BYTES {
        return Err(format!(
            "the program printed a line longer than {MAX_LINE_BYTES} bytes: print one short \
             JSON object per line"
        ));
    }
    Ok(Some(line))
}

/// Writes one JSON object per allocation, keyed by channel name in channel order.
fn request_lines(channels: &[String], spend: ArrayView2<'_, f64>) -> Vec<u8> {
    let keys: Vec<String> = channels
        .iter()
        .map(|name| serde_json::Value::from(name.as_str()).to_string())
        .collect();
    let mut out = Vec::with_capacity(spend.nrows() * channels.len() * 24);
    for row in spend.axis_iter(Axis(0)) {
        out.push(b'{');
        for (index, (key, value)) in keys.iter().zip(row.iter()).enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key.as_bytes());
            out.push(b':');
            // serde_json writes the shortest text that reads back to the same f64, and null
            // for a value that is not finite.
            out.extend_from_slice(serde_json::Value::from(*value).to_string().as_bytes());
        }
        out.extend_from_slice(b"}\n");
    }
    out
}

/// Parses one response line into KPI values in the order of `kpis`.
fn parse_response_line(line: &str, kpis: &[String]) -> Result<Vec<f64>, String> {
    let example = format!("{{\"{}\": 1.5}}", kpis[0]);
    let value: serde_json::Value = serde_json::from_str(line).map_err(|error| {
        if line.contains("NaN") || line.contains("Infinity") {
            format!(
                "`{}` has a value that is not finite (NaN or Infinity): return finite numbers",
                excerpt(line)
            )
        } else {
            format!(
                "`{}` is not valid JSON ({error}): print one JSON object per line, such as \
                 {example}",
                excerpt(line)
            )
        }
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(format!(
            "`{}` is not a JSON object: print one object keyed by KPI name, such as {example}",
            excerpt(line)
        ));
    };
    let listed = kpis.join(", ");
    if let Some(unknown) = map.keys().find(|key| !kpis.contains(key)) {
        return Err(format!(
            "unknown KPI `{unknown}` in `{}`: print exactly the KPIs of model.kpis ({listed})",
            excerpt(line)
        ));
    }
    kpis.iter()
        .map(|kpi| match map.get(kpi) {
            None => Err(format!(
                "KPI `{kpi}` is missing from `{}`: print every KPI of model.kpis ({listed})",
                excerpt(line)
            )),
            Some(value) => match value.as_f64() {
                Some(number) if number.is_finite() => Ok(number),
                _ => Err(format!(
                    "KPI `{kpi}` is `{}`, not a finite number: return a number for every KPI",
                    excerpt(&value.to_string())
                )),
            },
        })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn request_lines_key_by_channel_in_order() {
        let spend = ndarray::array![[120.0, 300.5], [0.1, 1e21]];
        let text =
            String::from_utf8(request_lines(&names(&["tv", "search"]), spend.view())).unwrap();
        assert_eq!(
            text,
            "{\"tv\":120.0,\"search\":300.5}\n{\"tv\":0.1,\"search\":1e+21}\n"
        );
    }

    #[test]
    fn request_values_read_back_exactly() {
        let value = 0.1 + 0.2;
        let text = String::from_utf8(request_lines(
            &names(&["a"]),
            ndarray::array![[value]].view(),
        ))
        .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(parsed["a"].as_f64().unwrap().to_bits(), value.to_bits());
    }

    #[test]
    fn response_in_any_key_order_parses() {
        let kpis = names(&["revenue", "reach"]);
        let values = parse_response_line("{\"reach\": 2, \"revenue\": 1.5}", &kpis).unwrap();
        assert_eq!(values, vec![1.5, 2.0]);
    }

    #[test]
    fn response_errors_name_the_problem() {
        let kpis = names(&["revenue", "reach"]);
        let cases = [
            ("{\"revenue\": 1}", "KPI `reach` is missing"),
            (
                "{\"revenue\": 1, \"reach\": 2, \"profit\": 3}",
                "unknown KPI `profit`",
            ),
            ("{\"revenue\": NaN, \"reach\": 2}", "not finite"),
            ("{\"revenue\": Infinity, \"reach\": 2}", "not finite"),
            (
                "{\"revenue\": null, \"reach\": 2}",
                "KPI `revenue` is `null`",
            ),
            ("{\"revenue\": \"1\", \"reach\": 2}", "not a finite number"),
            ("[1, 2]", "not a JSON object"),
            ("revenue=1", "not valid JSON"),
            ("", "not valid JSON"),
        ];
        for (line, expected) in cases {
            let error = parse_response_line(line, &kpis).unwrap_err();
            assert!(error.contains(expected), "{line}: {error}");
        }
    }

    #[test]
    fn read_line_strips_endings_and_limits_length() {
        let mut input = std::io::Cursor::new(b"a\r\nb\nlast".to_vec());
        assert_eq!(read_line(&mut input).unwrap(), Some(b"a".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), Some(b"b".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), Some(b"last".to_vec()));
        assert_eq!(read_line(&mut input).unwrap(), None);
        let mut long = std::io::Cursor::new(vec![b'x'; MAX_LINE_BYTES + 10]);
        let error = read_line(&mut long).unwrap_err();
        assert!(error.contains("longer than"), "{error}");
    }

    #[test]
    fn zero_workers_are_rejected() {
        let settings = CommandSettings {
            program: "true".into(),
            args: Vec::new(),
            working_dir: None,
            timeout: Duration::from_secs(1),
            startup_timeout: Duration::from_secs(1),
            retries: 0,
            workers: 0,
        };
        let error = CommandModel::new(names(&["a"]), names(&["k"]), settings)
            .unwrap_err()
            .to_string();
        assert!(error.contains("model.workers"), "{error}");
    }

    #[test]
    fn missing_program_names_the_command() {
        let settings = CommandSettings {
            program: "atlas-no-such-program".into(),
            args: vec!["--flag".into()],
            working_dir: None,
            timeout: Duration::from_secs(1),
            startup_timeout: Duration::from_secs(1),
            retries: 0,
            workers: 1,
        };
        let error = CommandModel::new(names(&["a"]), names(&["k"]), settings)
            .unwrap_err()
            .to_string();
        assert!(error.contains("model.command"), "{error}");
        assert!(error.contains("atlas-no-such-program --flag"), "{error}");
        assert!(error.contains("PATH"), "{error}");
    }
}
