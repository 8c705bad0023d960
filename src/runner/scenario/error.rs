//! What a scenario's setup, run or check can report instead of a result.

use std::fmt;

/// Why a scenario gave no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScenarioError {
    /// A `sparse-scan` cell asks to shrink a contender that has no shrink operation: the cell
    /// does not apply to it (recorded as not measured, not as a failure).
    NoShrink,
    /// The contender failed: a build error, a wrong count, a failed oracle check, a panicked
    /// thread. The text says what went wrong.
    Failed(String),
}

impl From<String> for ScenarioError {
    fn from(why: String) -> ScenarioError {
        ScenarioError::Failed(why)
    }
}

impl From<&str> for ScenarioError {
    fn from(why: &str) -> ScenarioError {
        ScenarioError::Failed(why.to_owned())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::NoShrink => f.write_str("has no shrink operation"),
            ScenarioError::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ScenarioError {}
