//! Errors of the decision problem. Each message names the field, the value and the fix.

/// Everything that can go wrong while building or evaluating a decision problem.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A field of the scenario or of a model has an invalid value.
    #[error("invalid `{field}`: {message}")]
    Invalid {
        /// Dotted path of the field, for example `model.curves[2].alpha`.
        field: String,
        /// The problem and its fix.
        message: String,
    },

    /// A channel is invalid.
    #[error("channel `{channel}`: {message}")]
    InvalidChannel {
        /// Channel name.
        channel: String,
        /// The problem and its fix.
        message: String,
    },

    /// The linear constraints cannot all hold at once.
    #[error("infeasible: {message}")]
    Infeasible {
        /// Names of the constraints that conflict.
        constraints: Vec<String>,
        /// The conflict and the smallest change that resolves it.
        message: String,
    },

    /// The model failed to evaluate a batch.
    #[error("model evaluation failed: {0}")]
    Model(String),

    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The underlying failure, shown in the message rather than as a separate cause.
        error: std::io::Error,
    },

    /// A scenario file could not be parsed.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, which names the line and the key.
        message: String,
    },
}

impl CoreError {
    /// Builds an [`CoreError::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
