//! [`panic_message`]: the text of a caught panic, as the SDK reports it wherever it isolates one
//! (a panicking event listener, a panicking worker).

use std::any::Any;

/// The text of a panic payload: the message of `panic!("...")` (a `&str` or a `String`), or a
/// placeholder for any other payload.
///
/// ```
/// use conductor_events::panic_message;
///
/// let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
/// assert_eq!(panic_message(caught.as_ref()), "boom 7");
/// let caught = std::panic::catch_unwind(|| std::panic::panic_any(42_u8)).unwrap_err();
/// assert_eq!(panic_message(caught.as_ref()), "non-string panic payload");
/// ```
#[must_use]
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}
