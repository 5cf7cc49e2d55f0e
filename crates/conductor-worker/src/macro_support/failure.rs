//! How the `Err` of a `#[worker]` function becomes a failed task: [`TaskError`] for error types
//! that decide whether retrying can help, and the probes the expansion uses to pick the richest
//! description an error type offers (its `TaskError` verdict, its chain of causes, or its text).

use std::error::Error as StdError;
use std::fmt::Display;

use conductor_http::{ConductorError, error_chain};

use crate::output::WorkerOutput;

/// An error a worker returns that says whether retrying the task can help.
///
/// A `#[worker]` function returning `Result<T, E>` fails its task when it returns `Err(e)`:
/// `FAILED` (the server retries it per the task definition) unless `e` is terminal, then
/// `FAILED_WITH_TERMINAL_ERROR` (no retry). Any `E: Display` is accepted; implement this trait
/// on your error type to mark some of its values terminal. [`ConductorError`] implements it:
/// [`ConductorError::non_retryable`] is terminal.
///
/// ```
/// use std::fmt;
/// use conductor_worker::TaskError;
///
/// #[derive(Debug)]
/// enum ShipError {
///     AddressInvalid(String),
///     CarrierDown,
/// }
///
/// impl fmt::Display for ShipError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             ShipError::AddressInvalid(why) => write!(f, "address rejected: {why}"),
///             ShipError::CarrierDown => f.write_str("carrier unavailable"),
///         }
///     }
/// }
///
/// impl TaskError for ShipError {
///     fn is_terminal(&self) -> bool {
///         matches!(self, ShipError::AddressInvalid(_))
///     }
/// }
///
/// assert!(ShipError::AddressInvalid("no street".into()).is_terminal());
/// assert!(!ShipError::CarrierDown.is_terminal());
/// ```
pub trait TaskError: Display {
    /// Whether the failure is permanent: `true` reports `FAILED_WITH_TERMINAL_ERROR`, `false`
    /// (the default) reports `FAILED`, which the server retries per the task definition.
    fn is_terminal(&self) -> bool {
        false
    }

    /// The reason reported to the server (`reasonForIncompletion`). Default: the error's text,
    /// in its alternate form (`{:#}`), which includes the causes for error types that print them
    /// that way.
    fn reason(&self) -> String {
        format!("{self:#}")
    }
}

impl TaskError for ConductorError {
    fn is_terminal(&self) -> bool {
        self.is_non_retryable()
    }

    fn reason(&self) -> String {
        // The message the worker gave, without the variant's "non-retryable task error:" label.
        self.task_failure_message()
            .map_or_else(|| error_chain(self), str::to_owned)
    }
}

impl<E: TaskError + ?Sized> TaskError for Box<E> {
    fn is_terminal(&self) -> bool {
        (**self).is_terminal()
    }

    fn reason(&self) -> String {
        (**self).reason()
    }
}

/// An error type a `#[worker]` function may return: anything that can describe the failure
/// (`Display`, hence also `std::error::Error` and [`TaskError`]). Implemented for every such
/// type; there is nothing to implement by hand.
///
/// The `#[worker]` expansion checks it at the function's error type, so a type that cannot be
/// used is reported there, in this trait's words, rather than as a failed method lookup inside
/// the expansion.
///
/// ```
/// use conductor_worker::WorkerErrorType;
///
/// fn usable<E: WorkerErrorType + ?Sized>() {}
/// usable::<String>();
/// usable::<std::io::Error>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a `#[worker]` function",
    label = "the error of a `#[worker]` function must describe the failure",
    note = "implement `std::fmt::Display` for `{Self}` (or `std::error::Error`; or \
            `conductor::worker::TaskError` to mark some of its values terminal)"
)]
pub trait WorkerErrorType {
    /// What the expansion calls: it compiles only for a usable error type.
    #[doc(hidden)]
    fn check(_error: &Self) {}
}

impl<E: Display + ?Sized> WorkerErrorType for E {}

/// A borrowed error, probed by the expansion with `(&&&&ErrorProbe(&err)).task_failure()`: the
/// first of [`ViaTaskError`], [`ViaStdError`]/[`ViaBoxedError`], [`ViaDisplay`], [`ViaAnyType`]
/// that the error type satisfies is used (method resolution on a concrete type, no
/// specialisation needed). The last one takes any type, so the lookup itself never fails: an
/// unusable type is reported by [`WorkerErrorType`] instead.
#[derive(Debug)]
pub struct ErrorProbe<'a, E: ?Sized>(pub &'a E);

/// Errors implementing [`TaskError`]: its verdict and reason.
pub trait ViaTaskError {
    /// The failed outcome for the error.
    fn task_failure(&self) -> WorkerOutput;
}

impl<E: TaskError + ?Sized> ViaTaskError for &&&ErrorProbe<'_, E> {
    fn task_failure(&self) -> WorkerOutput {
        failure(self.0.reason(), self.0.is_terminal())
    }
}

/// `std::error::Error`s: the chain of causes as the reason; terminal when a
/// [`ConductorError::non_retryable`] is in the chain.
pub trait ViaStdError {
    /// The failed outcome for the error.
    fn task_failure(&self) -> WorkerOutput;
}

impl<E: StdError + 'static> ViaStdError for &&ErrorProbe<'_, E> {
    fn task_failure(&self) -> WorkerOutput {
        failure(error_chain(self.0), chain_is_terminal(self.0))
    }
}

/// Boxed errors (`Box<dyn Error + Send + Sync>` and friends, which do not implement `Error`
/// themselves): as [`ViaStdError`].
pub trait ViaBoxedError {
    /// The failed outcome for the error.
    fn task_failure(&self) -> WorkerOutput;
}

impl ViaBoxedError for &&ErrorProbe<'_, Box<dyn StdError + Send + Sync>> {
    fn task_failure(&self) -> WorkerOutput {
        failure(error_chain(&**self.0), chain_is_terminal(&**self.0))
    }
}

impl ViaBoxedError for &&ErrorProbe<'_, Box<dyn StdError + Send>> {
    fn task_failure(&self) -> WorkerOutput {
        failure(error_chain(&**self.0), chain_is_terminal(&**self.0))
    }
}

impl ViaBoxedError for &&ErrorProbe<'_, Box<dyn StdError>> {
    fn task_failure(&self) -> WorkerOutput {
        failure(error_chain(&**self.0), chain_is_terminal(&**self.0))
    }
}

/// Anything else that can be displayed (`String`, `&str`, `anyhow::Error`): its alternate text
/// (`{:#}`, which is the whole chain for `anyhow`), retryable.
pub trait ViaDisplay {
    /// The failed outcome for the error.
    fn task_failure(&self) -> WorkerOutput;
}

impl<E: Display + ?Sized> ViaDisplay for &ErrorProbe<'_, E> {
    fn task_failure(&self) -> WorkerOutput {
        failure(format!("{:#}", self.0), false)
    }
}

/// Any other type: its type name, retryable. Only reachable when the [`WorkerErrorType`] check
/// has already failed to compile; it exists so that the probe lookup never adds an error of its own.
pub trait ViaAnyType {
    /// The failed outcome for the error.
    fn task_failure(&self) -> WorkerOutput;
}

impl<E: ?Sized> ViaAnyType for ErrorProbe<'_, E> {
    fn task_failure(&self) -> WorkerOutput {
        failure(std::any::type_name::<E>().to_owned(), false)
    }
}

fn failure(reason: String, terminal: bool) -> WorkerOutput {
    if terminal {
        WorkerOutput::FailedWithTerminalError(reason)
    } else {
        WorkerOutput::Failed(reason)
    }
}

/// Whether a [`ConductorError::non_retryable`] is anywhere in the chain.
fn chain_is_terminal(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error
            .downcast_ref::<ConductorError>()
            .is_some_and(ConductorError::is_non_retryable)
        {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    /// What the expansion emits for `Err(err)`.
    macro_rules! probe {
        ($err:expr) => {{
            #[allow(unused_imports)]
            use super::{
                ViaAnyType as _, ViaBoxedError as _, ViaDisplay as _, ViaStdError as _,
                ViaTaskError as _,
            };
            let err = $err;
            (&&&&ErrorProbe(&err)).task_failure()
        }};
    }

    #[derive(Debug)]
    struct Io(std::io::Error);

    impl Display for Io {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("reading the order failed")
        }
    }

    impl StdError for Io {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[derive(Debug)]
    struct Declined;

    impl Display for Declined {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("card declined")
        }
    }

    impl TaskError for Declined {
        fn is_terminal(&self) -> bool {
            true
        }
    }

    #[derive(Debug)]
    struct Wrapped(ConductorError);

    impl Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("validation")
        }
    }

    impl StdError for Wrapped {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn strings_and_display_types_fail_retryably_with_their_text() {
        assert_eq!(
            probe!("Value cannot be empty".to_owned()),
            WorkerOutput::Failed("Value cannot be empty".into())
        );
        assert_eq!(
            probe!("static text"),
            WorkerOutput::Failed("static text".into())
        );
    }

    #[test]
    fn std_errors_report_their_chain() {
        let err = Io(std::io::Error::other("disk on fire"));
        assert_eq!(
            probe!(err),
            WorkerOutput::Failed("reading the order failed: disk on fire".into())
        );
        let boxed: Box<dyn StdError + Send + Sync> = Box::new(Io(std::io::Error::other("gone")));
        assert_eq!(
            probe!(boxed),
            WorkerOutput::Failed("reading the order failed: gone".into())
        );
        let boxed: Box<dyn StdError> = "plain".into();
        assert_eq!(probe!(boxed), WorkerOutput::Failed("plain".into()));
    }

    #[test]
    fn task_errors_and_non_retryable_conductor_errors_are_terminal() {
        assert_eq!(
            probe!(Declined),
            WorkerOutput::FailedWithTerminalError("card declined".into())
        );
        assert_eq!(
            probe!(ConductorError::non_retryable("bad order id")),
            WorkerOutput::FailedWithTerminalError("bad order id".into())
        );
        assert_eq!(
            probe!(ConductorError::worker("flaky")),
            WorkerOutput::Failed("worker error: flaky".into())
        );
        assert_eq!(
            probe!(Wrapped(ConductorError::non_retryable("no such sku"))),
            WorkerOutput::FailedWithTerminalError(
                "validation: non-retryable task error: no such sku".into()
            )
        );
        let boxed: Box<Declined> = Box::new(Declined);
        assert_eq!(
            probe!(boxed),
            WorkerOutput::FailedWithTerminalError("card declined".into())
        );
    }
}
