//! The `#[worker]` attribute macro of the Conductor Rust SDK: typed workers from plain async functions.
//!
//! Use it through the `conductor` crate with the `macros` feature: `use conductor::worker;`
//! brings the macro (and the `conductor::worker` module, which lives in the other namespace).
//! The generated code refers to `::conductor::__private`, which the `crate = "..."` argument
//! can redirect (`crate = "::conductor_worker"` for a program using `conductor-worker` directly).

mod args;
mod codegen;
mod diagnostics;
mod expand;
mod params;
mod rename;
mod returns;

use proc_macro::TokenStream;

/// Turns an `async fn` into a Conductor worker: the macro keeps the function as it is and adds
/// `{fn_name}_worker()`, which returns a ready [`FnWorker`] for the task type `name`.
///
/// ```no_run
/// use conductor::worker;
/// use conductor::worker::{TaskHandler, WorkerOutput};
/// use conductor::{Configuration, Task};
///
/// /// Greets someone: `{"name": "World"}` -> `{"result": "Hello, World!"}`.
/// #[worker(name = "greet", thread_count = 5)]
/// async fn greet(name: String) -> String {
///     format!("Hello, {name}!")
/// }
///
/// /// Adds two numbers: the JSON object becomes the output, `{"sum": 3}`.
/// #[worker(name = "calculate", poll_interval = 200)]
/// async fn calculate(a: i32, b: i32) -> serde_json::Value {
///     serde_json::json!({ "sum": a + b })
/// }
///
/// /// Full access to the task.
/// #[worker(name = "process", domain = "premium")]
/// async fn process(task: Task) -> WorkerOutput {
///     let data = task.get_input_string("data").unwrap_or_default();
///     WorkerOutput::completed_with_result(data)
/// }
///
/// /// `Err` fails the task (retried per its task definition).
/// #[worker(name = "validate")]
/// async fn validate(value: String) -> Result<String, String> {
///     if value.is_empty() {
///         Err("Value cannot be empty".to_string())
///     } else {
///         Ok(format!("Valid: {value}"))
///     }
/// }
///
/// # async fn run() -> conductor::error::Result<()> {
/// let mut handler = TaskHandler::new(Configuration::from_env())?;
/// handler.add_worker(greet_worker());
/// handler.add_worker(calculate_worker());
/// handler.add_worker(process_worker());
/// handler.add_worker(validate_worker());
/// handler.start().await?;
/// # Ok(())
/// # }
/// ```
///
/// # Arguments
///
/// | argument | value | default | environment override |
/// |---|---|---|---|
/// | `name` | the task definition name (required): a string, or a `&str` constant | — | — |
/// | `thread_count` | tasks executed at once | 1 | `THREAD_COUNT` |
/// | `poll_interval` | longest wait between empty polls, in ms | 100 | `POLL_INTERVAL` |
/// | `poll_timeout` | long-poll timeout sent to the server, in ms (≤ 5000) | 100 | `POLL_TIMEOUT` |
/// | `domain` | the task domain to poll in | none | `DOMAIN` |
/// | `identity` | the worker id | `{hostname}-{pid}` | `WORKER_ID` |
/// | `register_task_def` | create the task definition (with the schemas) at start-up when missing | `false` | `REGISTER_TASK_DEF` |
/// | `lease_extend_enabled` | extend the task's lease while it runs | `false` | `LEASE_EXTEND_ENABLED` |
/// | `paused` | start paused | `false` | `PAUSED` |
/// | `rate_limit` | most tasks taken per second (polled or handed out by update-v2), e.g. `10` or `0.5` | no limit | `RATE_LIMIT` |
/// | `rate_limit_burst` | most tasks taken at once under `rate_limit` (needs `rate_limit`) | 1 | `RATE_LIMIT_BURST` |
/// | `adaptive_concurrency` | executions in flight adapt to latency and failures (1 to `thread_count`), with the AIMD algorithm | `false` | `ADAPTIVE_CONCURRENCY` |
/// | `concurrency_limiter` | adaptive concurrency with the algorithm named: `"aimd"` or `"gradient2"` (Netflix's Gradient2: latency only), with its default settings; checked at compile time | none (`"aimd"` with `adaptive_concurrency`) | `ADAPTIVE_CONCURRENCY` (`aimd`, `gradient2`, or a boolean) |
/// | `rename_all` | input key spelling: `"camelCase"`, `"snake_case"`, `"PascalCase"`, `"kebab-case"`, `"SCREAMING_SNAKE_CASE"`, `"SCREAMING-KEBAB-CASE"`, `"lowercase"`, `"UPPERCASE"` | the parameter names as written | — |
/// | `strict_schema` | generated schemas reject unknown fields (`additionalProperties: false`) | `false` | — |
/// | `blocking` | run a synchronous `fn` on tokio's blocking thread pool | — | — |
/// | `crate` | path of the crate whose `__private` module the code uses | `::conductor` | — |
///
/// Numbers and booleans may be literals or constants. Every setting can be changed when the
/// worker starts, without recompiling, through the runtime's configuration:
/// `CONDUCTOR_WORKER_{TASK}_{PROPERTY}` for one worker (`CONDUCTOR_WORKER_GREET_THREAD_COUNT=10`)
/// and `CONDUCTOR_WORKER_ALL_{PROPERTY}` for all of them. The returned [`FnWorker`]'s builder
/// methods (`greet_worker().with_thread_count(10)`) change them in code.
///
/// # Parameters
///
/// - A parameter is read from the task input under its name (after `rename_all`), or under
///   `#[input(rename = "key")]`, and deserialised with serde into its type: any
///   `DeserializeOwned` type (`String`, numbers, `Vec<T>`, your `#[derive(Deserialize)]` structs,
///   `serde_json::Value`...).
/// - `Option<T>` may be absent (or `null`): `None`. Any other type must be present.
/// - `#[input(all)] order: Order` receives the whole task input as one value.
/// - A parameter of type `Task` or `&Task` receives the task; `TaskContext` or `&TaskContext`
///   receives its context (poll count, logs, callback delay, shutdown signal). They are
///   recognised by the last segment of the type's path; `#[input]` forces an input instead.
///
/// A missing or ill-typed input fails the task with `FAILED_WITH_TERMINAL_ERROR` (retrying
/// cannot fix its input), and a reason naming the key, the parameter, the expected type and what
/// arrived, e.g. `input "count" (parameter `count: i32`) is invalid: invalid type: string "x",
/// expected i32; received "x"`. Every bad input is reported, not only the first; the function is
/// not called.
///
/// # Return values
///
/// | return type | task outcome |
/// |---|---|
/// | `()` | `COMPLETED`, empty output |
/// | a struct or map (anything serialising to a JSON object) | `COMPLETED`, its fields at the top level of the output (`${ref.output.field}`), as the Python and Java SDKs do |
/// | any other `Serialize` value | `COMPLETED`, `{"result": value}` |
/// | `Option<T>` | `Some(v)`: as `T`; `None`: `COMPLETED`, empty output |
/// | `Result<T, E>` | `Ok(v)`: as `T`; `Err(e)`: `FAILED` with `e` as the reason (retried per the task definition), or `FAILED_WITH_TERMINAL_ERROR` when `e` is terminal |
/// | `WorkerOutput` | used as is (`Completed`, `Failed`, `FailedWithTerminalError`, `InProgress`) |
/// | `TaskInProgress` | `IN_PROGRESS`, called back after its delay |
///
/// The error type `E` may be anything that implements `Display` (`String`, `&str`, any
/// `std::error::Error`, `anyhow::Error`, `Box<dyn Error>`). The reason is the error's full chain
/// of causes. An error is terminal when it is a `ConductorError::non_retryable`, or when its type
/// implements [`TaskError`] and says so:
///
/// ```
/// use conductor::worker;
/// use conductor::worker::TaskError;
///
/// #[derive(Debug)]
/// enum ChargeError {
///     CardDeclined,
///     GatewayDown,
/// }
///
/// impl std::fmt::Display for ChargeError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str(match self {
///             ChargeError::CardDeclined => "card declined",
///             ChargeError::GatewayDown => "payment gateway unavailable",
///         })
///     }
/// }
///
/// impl TaskError for ChargeError {
///     fn is_terminal(&self) -> bool {
///         // Retrying cannot make a declined card pass; a gateway outage may end.
///         matches!(self, ChargeError::CardDeclined)
///     }
/// }
///
/// #[worker(name = "charge", rename_all = "camelCase")]
/// async fn charge(order_id: String, amount_cents: u64) -> Result<String, ChargeError> {
///     if amount_cents > 100_000 {
///         return Err(ChargeError::CardDeclined);
///     }
///     Ok(format!("charged {amount_cents} for {order_id}"))
/// }
///
/// let worker = charge_worker(); // reads "orderId" and "amountCents"
/// # use conductor::worker::Worker;
/// # assert_eq!(worker.task_definition_name(), "charge");
/// ```
///
/// # Synchronous functions
///
/// A plain `fn` needs the `blocking` argument: it then runs on tokio's blocking thread pool, so a
/// CPU-heavy or blocking call does not stall the runtime's async threads. A plain `fn` without
/// `blocking` is a compile error that says so.
///
/// ```
/// use conductor::worker;
///
/// #[worker(name = "checksum", blocking)]
/// fn checksum(data: String) -> u32 {
///     data.bytes().fold(0u32, |sum, byte| sum.wrapping_mul(31).wrapping_add(u32::from(byte)))
/// }
/// # let _ = checksum_worker();
/// ```
///
/// # Schemas
///
/// The input schema (an object with one property per input parameter, required unless it is an
/// `Option`) and the output schema (from the payload type of the return type) are generated with
/// `schemars` and attached to the worker; with `register_task_def` they are linked to the task
/// definition the worker registers. A type that does not implement `schemars::JsonSchema` is
/// described as "any value" in the input schema, and leaves the output schema out.
///
/// # Discovery
///
/// Every `#[worker]` function is also registered for discovery: `TaskHandler::builder(..)
/// .discovered_workers()` (or [`discovered_workers()`]) adds all of them without listing each
/// one. Explicit `add_worker(greet_worker())` works as well; do not do both for the same worker.
///
/// # Compile errors
///
/// Mistakes are reported at the offending token with the fix: a missing `name`, unknown
/// arguments (with the closest known one), duplicates, values of the wrong type, `self`,
/// generics, patterns or borrowed types as parameters, two `Task` or `TaskContext` parameters,
/// two parameters reading the same key, a plain `fn` without `blocking`; parameter types that
/// cannot be deserialised and return types that cannot be serialised are reported at the type.
/// Set `CONDUCTOR_MACROS_DEBUG=1` while building to print the generated code (or use `cargo
/// expand`).
///
/// Apply it to free functions (not to methods inside an `impl` block).
///
/// [`FnWorker`]: https://docs.rs/conductor/latest/conductor/worker/struct.FnWorker.html
/// [`TaskError`]: https://docs.rs/conductor/latest/conductor/worker/trait.TaskError.html
/// [`discovered_workers()`]: https://docs.rs/conductor/latest/conductor/worker/fn.discovered_workers.html
#[proc_macro_attribute]
pub fn worker(args: TokenStream, item: TokenStream) -> TokenStream {
    let expanded = expand::expand(args.into(), item.into());
    if std::env::var_os("CONDUCTOR_MACROS_DEBUG").is_some_and(|value| value != "0") {
        // A proc macro runs inside the compiler, where no tracing subscriber exists: the opt-in
        // debugging aid writes the expansion straight to the compiler's stderr.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{expanded}");
    }
    expanded.into()
}
