//! OpenTelemetry trace context for workflows (feature `otel`): the trace a workflow's tasks join,
//! derived from its instance id, and the W3C `traceparent` an application can pass in a workflow's
//! input.
//!
//! Conductor carries no trace context, so the SDK makes one without the server's help: every
//! span of a task joins the trace whose id is [`workflow_trace_id`] of the task's workflow, under
//! a remote parent span whose id is [`workflow_span_id`]. Every worker, in any process, derives
//! the same ids, so a workflow's tasks appear in one trace, and the trace id *is* the workflow id
//! (a UUID's 128 bits, dashes removed) — look a workflow up in the tracing backend by its id.
//!
//! When the application that starts a workflow is itself traced, it can put its own context in
//! the workflow's input instead ([`TracePropagation::with_current_trace`]); tasks whose input maps
//! it ([`WorkflowTask::with_trace_propagation`](conductor_models::WorkflowTask::with_trace_propagation))
//! then continue the application's trace.
//!
//! ```
//! use conductor_client::otel::{parse_traceparent, traceparent, workflow_trace_id};
//!
//! let trace_id = workflow_trace_id("3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01");
//! assert_eq!(trace_id.to_string(), "3f9e2a4c1b7d4c8e9a0f5d6b7c8e9f01");
//!
//! let context = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
//!     .expect("a valid traceparent");
//! assert_eq!(traceparent(&context), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
//! ```

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use conductor_models::{StartWorkflowRequest, TRACEPARENT_INPUT_KEY};
use opentelemetry::Context;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The trace id of a workflow's trace: the workflow id's 128 bits when it is a UUID (as the
/// server makes them), else a 128-bit FNV-1a hash of it. Never the invalid all-zero id.
#[must_use]
pub fn workflow_trace_id(workflow_id: &str) -> TraceId {
    let id = uuid_bits(workflow_id).unwrap_or_else(|| fnv1a_128(workflow_id.as_bytes()));
    TraceId::from_bytes(non_zero_128(id).to_be_bytes())
}

/// The span id of a workflow's (remote, never exported) root span: a 64-bit FNV-1a hash of the
/// workflow id. An application that wants a real root span for the workflow in its backend can
/// export one with this id and [`workflow_trace_id`].
#[must_use]
pub fn workflow_span_id(workflow_id: &str) -> SpanId {
    // Folding the 128-bit hash keeps one hash function; the salt keeps it apart from the trace
    // id of non-UUID workflow ids.
    const SALT: u128 = fnv1a_128(b"span:");
    let hash = fnv1a_128_extend(SALT, workflow_id.as_bytes());
    #[allow(clippy::cast_possible_truncation)] // folding 128 bits into 64 on purpose
    let folded = (hash as u64) ^ ((hash >> 64) as u64);
    SpanId::from_bytes(if folded == 0 { 1 } else { folded }.to_be_bytes())
}

/// The remote span context every task span of `workflow_id` is a child of, when the task
/// carries no `traceparent` of its own. It is sampled when the workflow is, at the process's
/// [`workflow_sampling_ratio`] ([`is_workflow_sampled`]).
#[must_use]
pub fn workflow_span_context(workflow_id: &str) -> SpanContext {
    workflow_span_context_at(workflow_id, workflow_sampling_ratio())
}

fn workflow_span_context_at(workflow_id: &str, ratio: f64) -> SpanContext {
    let flags = if is_workflow_sampled(workflow_id, ratio) {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    SpanContext::new(
        workflow_trace_id(workflow_id),
        workflow_span_id(workflow_id),
        flags,
        true,
        TraceState::default(),
    )
}

/// Whether the trace of `workflow_id` is sampled at `ratio` (0 to 1): a function of the id
/// alone, so that every process decides the same for every task of a workflow, and spread
/// evenly over ids, UUIDs or not. 1 or more samples every workflow; 0, less, or NaN none.
///
/// OpenTelemetry's own ratio sampler (`TraceIdRatioBased`) cannot make this decision: it reads
/// the low 63 bits of the trace id, which for a workflow's trace (the UUID's bits,
/// [`workflow_trace_id`]) start with the UUID's variant bits, so that it samples no workflow
/// below a ratio of 0.5 and every workflow above 0.75.
///
/// ```
/// use conductor_client::otel::is_workflow_sampled;
///
/// let id = "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01";
/// assert!(is_workflow_sampled(id, 1.0));
/// assert!(!is_workflow_sampled(id, 0.0));
/// assert_eq!(is_workflow_sampled(id, 0.3), is_workflow_sampled(id, 0.3));
/// ```
#[must_use]
pub fn is_workflow_sampled(workflow_id: &str, ratio: f64) -> bool {
    if ratio >= 1.0 {
        return true;
    }
    if ratio.is_nan() || ratio <= 0.0 {
        return false;
    }
    sample_fraction(workflow_id) < ratio
}

/// Where `workflow_id` falls in [0, 1): it is sampled at every ratio above it.
fn sample_fraction(workflow_id: &str) -> f64 {
    // A salt of its own: the decision must not follow the trace or span id's bits.
    const SALT: u128 = fnv1a_128(b"sample:");
    let hash = fnv1a_128_extend(SALT, workflow_id.as_bytes());
    #[allow(clippy::cast_possible_truncation)] // folding 128 bits into 64 on purpose
    let folded = (hash as u64) ^ ((hash >> 64) as u64);
    // FNV mixes the last bytes of its input into the low bits only (`order-1`, `order-2`...
    // differ in their top bits hardly at all): MurmurHash3's finalizer spreads every bit.
    let mixed = fmix64(folded);
    // The top 53 bits as a fraction in [0, 1): exact in an f64.
    #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64's mantissa
    let fraction = (mixed >> 11) as f64 / (1_u64 << 53) as f64;
    fraction
}

/// The share of workflows whose traces are sampled (0 to 1), which the parent of their task
/// spans carries in its sampled flag ([`workflow_span_context`]). With OpenTelemetry's default
/// sampler (`ParentBased`), the task spans follow that flag, and so does every span under them:
/// a workflow is traced whole, in every process, or not at all.
///
/// [`set_workflow_sampling_ratio`] sets it; until then it is read once from the variables that
/// configure the OpenTelemetry SDK's own sampler, so that one setting drives both:
/// `OTEL_TRACES_SAMPLER` = `traceidratio` or `parentbased_traceidratio` with the ratio in
/// `OTEL_TRACES_SAMPLER_ARG`, `always_off` or `parentbased_always_off` for 0, anything else (or
/// nothing) for 1.
#[must_use]
pub fn workflow_sampling_ratio() -> f64 {
    let set = f64::from_bits(SAMPLING_RATIO.load(Ordering::Relaxed));
    if !set.is_nan() {
        return set;
    }
    static FROM_ENVIRONMENT: OnceLock<f64> = OnceLock::new();
    *FROM_ENVIRONMENT.get_or_init(|| {
        let sampler = std::env::var("OTEL_TRACES_SAMPLER").ok();
        if sampler.as_deref().map(str::trim) == Some("traceidratio") {
            // That sampler ignores the parent's flag, and decides on bits of a workflow's trace
            // id that are not random (see `is_workflow_sampled`).
            tracing::warn!(
                "OTEL_TRACES_SAMPLER=traceidratio decides each span on its trace id's low bits, which for a workflow's trace are not random; use parentbased_traceidratio, which follows the workflow's own decision"
            );
        }
        sampling_ratio_from(
            sampler.as_deref(),
            std::env::var("OTEL_TRACES_SAMPLER_ARG").ok().as_deref(),
        )
    })
}

/// Sets the process's [`workflow_sampling_ratio`] (clamped to 0 to 1; NaN is 0), in place of
/// the environment's. Set it where the tracer provider is built, with the ratio of the
/// provider's sampler when that is set in code:
///
/// ```
/// conductor_client::otel::set_workflow_sampling_ratio(0.1);
/// assert_eq!(conductor_client::otel::workflow_sampling_ratio(), 0.1);
/// ```
pub fn set_workflow_sampling_ratio(ratio: f64) {
    let ratio = if ratio.is_nan() {
        0.0
    } else {
        ratio.clamp(0.0, 1.0)
    };
    SAMPLING_RATIO.store(ratio.to_bits(), Ordering::Relaxed);
}

/// The ratio set in code, or NaN's bits for "not set: read the environment".
static SAMPLING_RATIO: AtomicU64 = AtomicU64::new(f64::NAN.to_bits());

/// The workflow sampling ratio the OpenTelemetry SDK's sampler variables describe (see
/// [`workflow_sampling_ratio`]); an unreadable ratio is 1, as the SDK falls back to.
fn sampling_ratio_from(sampler: Option<&str>, argument: Option<&str>) -> f64 {
    match sampler.map(str::trim) {
        Some("always_off" | "parentbased_always_off") => 0.0,
        Some("traceidratio" | "parentbased_traceidratio") => argument
            .and_then(|value| value.trim().parse::<f64>().ok())
            .filter(|ratio| !ratio.is_nan())
            .map_or(1.0, |ratio| ratio.clamp(0.0, 1.0)),
        _ => 1.0,
    }
}

/// The parent context for the spans of one task: the `traceparent` in its input when it holds a
/// valid one, else the workflow's own trace ([`workflow_span_context`]).
#[must_use]
pub fn task_parent_context(
    workflow_id: &str,
    input: &serde_json::Map<String, serde_json::Value>,
) -> Context {
    Context::new().with_remote_span_context(task_parent_span_context(workflow_id, input))
}

/// The span context of [`task_parent_context`], without the context around it (for a caller
/// that builds its own from it).
#[must_use]
pub fn task_parent_span_context(
    workflow_id: &str,
    input: &serde_json::Map<String, serde_json::Value>,
) -> SpanContext {
    input
        .get(TRACEPARENT_INPUT_KEY)
        .and_then(serde_json::Value::as_str)
        .and_then(parse_traceparent)
        .unwrap_or_else(|| workflow_span_context(workflow_id))
}

/// Parses a W3C `traceparent` header value (`00-<32 hex>-<16 hex>-<2 hex>`) into a remote span
/// context. `None` for anything else: another version's extra fields are accepted as the
/// recommendation says, but a malformed value, version `ff`, or an all-zero id is not.
#[must_use]
pub fn parse_traceparent(value: &str) -> Option<SpanContext> {
    let mut parts = value.trim().split('-');
    let version = parts.next().filter(|v| v.len() == 2)?;
    let version = u8::from_str_radix(version, 16).ok()?;
    let trace_id = parts.next().filter(|t| t.len() == 32 && is_lower_hex(t))?;
    let span_id = parts.next().filter(|s| s.len() == 16 && is_lower_hex(s))?;
    let flags = parts.next().filter(|f| f.len() == 2 && is_lower_hex(f))?;
    if version == 0xff || (version == 0 && parts.next().is_some()) {
        return None;
    }
    let trace_id = TraceId::from_hex(trace_id).ok()?;
    let span_id = SpanId::from_hex(span_id).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    if trace_id == TraceId::INVALID || span_id == SpanId::INVALID {
        return None;
    }
    Some(SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags) & TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ))
}

/// Formats a span context as a W3C `traceparent` value (version `00`).
#[must_use]
pub fn traceparent(context: &SpanContext) -> String {
    format!(
        "00-{}-{}-{:02x}",
        context.trace_id(),
        context.span_id(),
        context.trace_flags().to_u8()
    )
}

/// The `traceparent` of the current `tracing` span, when an OpenTelemetry layer records it and
/// it has a valid context; else of the current OpenTelemetry context (inside a task whose span
/// the worker's `TaskSpans` builds, that is the task's); `None` otherwise (no layer, or outside
/// any span).
#[must_use]
pub fn current_traceparent() -> Option<String> {
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    if span_context.is_valid() {
        return Some(traceparent(span_context));
    }
    let current = Context::current();
    let span = current.span();
    let span_context = span.span_context();
    span_context.is_valid().then(|| traceparent(span_context))
}

/// Carrying the caller's trace into a workflow (opt-in, per request).
pub trait TracePropagation {
    /// Puts the current span's `traceparent` in the workflow's input under
    /// [`TRACEPARENT_INPUT_KEY`], when there is one ([`current_traceparent`]); leaves the request
    /// as it is otherwise, so the workflow's tasks fall back to the workflow's own trace.
    ///
    /// ```no_run
    /// use conductor_client::models::StartWorkflowRequest;
    /// use conductor_client::otel::TracePropagation as _;
    ///
    /// # async fn run(client: conductor_client::ConductorClient) -> conductor_client::Result<()> {
    /// let span = tracing::info_span!("checkout");
    /// let _entered = span.enter();
    /// let request = StartWorkflowRequest::new("checkout").with_current_trace();
    /// client.workflow_client().start_workflow(&request).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    fn with_current_trace(self) -> Self;
}

impl TracePropagation for StartWorkflowRequest {
    fn with_current_trace(self) -> Self {
        match current_traceparent() {
            Some(value) => self.with_input_value(TRACEPARENT_INPUT_KEY, value),
            None => self,
        }
    }
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The 128 bits of a UUID in its canonical hyphenated form (any case), or of 32 hex digits.
/// Decoded in place, without a copy: this runs for every task a traced worker executes.
fn uuid_bits(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    let hyphenated = match bytes.len() {
        36 => {
            if ![8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-') {
                return None;
            }
            true
        }
        32 => false,
        _ => return None,
    };
    let mut bits = 0_u128;
    // As ever: a hyphenated id's dashes are all dropped, wherever they are.
    for &byte in bytes {
        let digit = HEX_DIGITS[usize::from(byte)];
        if digit == NOT_HEX {
            if hyphenated && byte == b'-' {
                continue;
            }
            return None;
        }
        bits = (bits << 4) | u128::from(digit);
    }
    Some(bits)
}

/// Marks a byte that is not a hex digit in [`HEX_DIGITS`].
const NOT_HEX: u8 = 0xff;

/// Each byte's value as a hex digit (either case), else [`NOT_HEX`]: one load a byte, where a
/// `match` on ranges is a chain of compares (this decodes 36 bytes for every traced task).
const HEX_DIGITS: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut byte = 0;
    while byte < 256 {
        #[allow(clippy::cast_possible_truncation)] // byte < 256
        let value = byte as u8;
        table[byte] = match value {
            b'0'..=b'9' => value - b'0',
            b'a'..=b'f' => value - b'a' + 10,
            b'A'..=b'F' => value - b'A' + 10,
            _ => NOT_HEX,
        };
        byte += 1;
    }
    table
};

/// FNV-1a, 128-bit: small, stable across versions and platforms (unlike `std`'s hasher), which
/// is what ids derived in separate processes need.
const fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    fnv1a_128_extend(OFFSET, bytes)
}

/// Goes on hashing `bytes` from `hash`: `fnv1a_128_extend(fnv1a_128(a), b)` is `fnv1a_128` of
/// `a` and `b` concatenated, without building the concatenation.
const fn fnv1a_128_extend(mut hash: u128, bytes: &[u8]) -> u128 {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut at = 0;
    while at < bytes.len() {
        hash = (hash ^ bytes[at] as u128).wrapping_mul(PRIME);
        at += 1;
    }
    hash
}

/// MurmurHash3's 64-bit finalizer: each input bit flips each output bit with probability
/// about one half (stable: a published constant set, the same in every process).
const fn fmix64(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^ (value >> 33)
}

fn non_zero_128(value: u128) -> u128 {
    if value == 0 { 1 } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_workflow_id_is_its_own_trace_id() {
        let id = workflow_trace_id("3F9E2A4C-1B7D-4C8E-9A0F-5D6B7C8E9F01");
        assert_eq!(id.to_string(), "3f9e2a4c1b7d4c8e9a0f5d6b7c8e9f01");
    }

    #[test]
    fn other_workflow_ids_hash_to_stable_distinct_trace_ids() {
        let a = workflow_trace_id("order-42");
        assert_eq!(a, workflow_trace_id("order-42"));
        assert_ne!(a, workflow_trace_id("order-43"));
        assert_ne!(a, TraceId::INVALID);
        // Pinned: another process, another build, another platform derive the same id.
        assert_eq!(a.to_string(), format!("{:032x}", fnv1a_128(b"order-42")));
        assert_ne!(workflow_span_id("order-42"), workflow_span_id("order-43"));
    }

    #[test]
    fn fnv1a_128_matches_its_reference_vector() {
        // The published test vector for the empty input is the offset basis; "a" from the
        // reference implementation.
        assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_eq!(
            fnv1a_128_extend(fnv1a_128(b"span:"), b"order-42"),
            fnv1a_128(b"span:order-42")
        );
    }

    #[test]
    fn only_well_formed_uuids_are_taken_as_they_are() {
        assert_eq!(
            uuid_bits("3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01"),
            Some(0x3f9e_2a4c_1b7d_4c8e_9a0f_5d6b_7c8e_9f01)
        );
        assert_eq!(
            uuid_bits("3F9E2A4C1B7D4C8E9A0F5D6B7C8E9F01"),
            Some(0x3f9e_2a4c_1b7d_4c8e_9a0f_5d6b_7c8e_9f01)
        );
        // Pinned: a stray dash in a hyphenated id was always dropped (31 digits left).
        assert_eq!(
            uuid_bits("3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f-1"),
            Some(0x3f9_e2a4_c1b7_d4c8_e9a0_f5d6_b7c8_e9f1)
        );
        for text in [
            "",
            "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f0",
            "3f9e2a4c-1b7d-4c8e-9a0f_5d6b7c8e9f01",
            "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9g01",
            "3f9e2a4c11b7d4c8e-9a0f-5d6b7c8e9f01",
            "3f9e2a4c1b7d4c8e9a0f5d6b7c8e9f-1",
            "+f9e2a4c1b7d4c8e9a0f5d6b7c8e9f01",
            "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8é9f1",
        ] {
            assert_eq!(uuid_bits(text), None, "{text:?}");
        }
    }

    /// The bits of the `n`th of a series of UUIDv4-shaped ids (version and variant bits set, the
    /// rest spread by a multiplier), as the server makes workflow ids.
    fn uuid_v4_bits(n: u128) -> u128 {
        let bits = n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    }

    /// At a ratio, the share of workflows sampled is that ratio, UUIDs or not, and each
    /// workflow's decision is the same every time (in every process: it depends on the id
    /// alone).
    #[test]
    fn workflows_are_sampled_at_the_ratio_each_always_the_same_way() {
        let uuids: Vec<String> = (0..4000_u128)
            .map(|n| {
                let hex = format!("{:032x}", uuid_v4_bits(n));
                format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                )
            })
            .collect();
        let others: Vec<String> = (0..4000).map(|n| format!("order-{n}")).collect();
        for ids in [&uuids, &others] {
            for ratio in [0.01, 0.1, 0.25, 0.5, 0.9] {
                let sampled = ids
                    .iter()
                    .filter(|id| is_workflow_sampled(id, ratio))
                    .count();
                #[allow(clippy::cast_precision_loss)]
                let share = sampled as f64 / ids.len() as f64;
                assert!(
                    (share - ratio).abs() < 0.025,
                    "{ratio}: {share} of {}",
                    ids[0]
                );
            }
            assert!(ids.iter().all(|id| is_workflow_sampled(id, 1.0)));
            assert!(!ids.iter().any(|id| is_workflow_sampled(id, 0.0)));
            assert!(!ids.iter().any(|id| is_workflow_sampled(id, f64::NAN)));
        }
        // Pinned: another process, another build, another platform decide the same.
        let pinned = "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01";
        assert!((sample_fraction(pinned) - 0.800_868_426_736_595_6).abs() < 1e-15);
        assert!(!is_workflow_sampled(pinned, 0.8) && is_workflow_sampled(pinned, 0.81));
        let id = &uuids[7];
        let first = is_workflow_sampled(id, 0.5);
        assert!((0..10).all(|_| is_workflow_sampled(id, 0.5) == first));
        // A lower ratio samples a subset of what a higher one does.
        assert!(
            uuids
                .iter()
                .all(|id| !is_workflow_sampled(id, 0.1) || is_workflow_sampled(id, 0.25))
        );
    }

    /// With the OpenTelemetry SDK's default sampler kind (`ParentBased`), a task span follows
    /// its workflow's sampled flag: about the ratio of workflows are traced. The SDK's ratio
    /// sampler alone, on the trace ids of UUIDv4 workflows, samples none at 0.25 (why the
    /// decision is the workflow's parent's flag).
    #[test]
    fn the_sdks_parent_based_sampler_follows_the_workflows_decision() {
        use opentelemetry::trace::{SpanKind, TraceContextExt as _};
        use opentelemetry_sdk::trace::{Sampler, ShouldSample as _};
        let ids: Vec<String> = (0..2000_u128)
            .map(|n| format!("{:032x}", uuid_v4_bits(n)))
            .collect();
        let parent_based = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.25)));
        let ratio_alone = Sampler::TraceIdRatioBased(0.25);
        let (mut followed, mut alone) = (0, 0);
        for id in &ids {
            let parent =
                Context::new().with_remote_span_context(workflow_span_context_at(id, 0.25));
            let trace_id = workflow_trace_id(id);
            let sampled = |sampler: &Sampler, parent: Option<&Context>| {
                sampler
                    .should_sample(
                        parent,
                        trace_id,
                        "conductor.task",
                        &SpanKind::Consumer,
                        &[],
                        &[],
                    )
                    .decision
                    == opentelemetry_sdk::trace::SamplingDecision::RecordAndSample
            };
            let decision = sampled(&parent_based, Some(&parent));
            assert_eq!(decision, is_workflow_sampled(id, 0.25), "{id}");
            followed += usize::from(decision);
            alone += usize::from(sampled(&ratio_alone, None));
        }
        assert!((400..600).contains(&followed), "{followed} of 2000");
        assert_eq!(alone, 0);
    }

    #[test]
    fn the_sampling_ratio_is_read_as_the_sdk_reads_its_sampler_variables() {
        assert_eq!(sampling_ratio_from(None, None), 1.0);
        assert_eq!(
            sampling_ratio_from(Some("parentbased_always_on"), None),
            1.0
        );
        assert_eq!(sampling_ratio_from(Some("always_off"), None), 0.0);
        assert_eq!(
            sampling_ratio_from(Some("parentbased_always_off"), Some("0.5")),
            0.0
        );
        assert_eq!(
            sampling_ratio_from(Some("traceidratio"), Some("0.25")),
            0.25
        );
        assert_eq!(
            sampling_ratio_from(Some("parentbased_traceidratio"), Some(" 0.1 ")),
            0.1
        );
        assert_eq!(
            sampling_ratio_from(Some("parentbased_traceidratio"), Some("2")),
            1.0
        );
        assert_eq!(
            sampling_ratio_from(Some("parentbased_traceidratio"), Some("-1")),
            0.0
        );
        assert_eq!(
            sampling_ratio_from(Some("parentbased_traceidratio"), Some("half")),
            1.0
        );
        assert_eq!(
            sampling_ratio_from(Some("parentbased_traceidratio"), None),
            1.0
        );
        assert_eq!(sampling_ratio_from(Some("xray"), Some("0.1")), 1.0);
    }

    #[test]
    fn a_workflows_parent_carries_its_sampling_decision() {
        let id = "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01";
        assert!(workflow_span_context_at(id, 1.0).is_sampled());
        assert!(!workflow_span_context_at(id, 0.0).is_sampled());
        let context = workflow_span_context_at(id, 0.0);
        assert!(context.is_remote());
        assert_eq!(context.trace_id(), workflow_trace_id(id));
        assert_eq!(context.span_id(), workflow_span_id(id));
    }

    #[test]
    fn a_traceparent_round_trips() {
        let value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let context = parse_traceparent(value).unwrap();
        assert!(context.is_remote());
        assert!(context.is_sampled());
        assert_eq!(traceparent(&context), value);
    }

    #[test]
    fn malformed_traceparents_are_refused() {
        for value in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert!(parse_traceparent(value).is_none(), "{value:?} was accepted");
        }
        // A later version may add fields.
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")
                .is_some()
        );
    }

    #[test]
    fn a_task_continues_the_traceparent_in_its_input_else_its_workflow_trace() {
        let workflow_id = "3f9e2a4c-1b7d-4c8e-9a0f-5d6b7c8e9f01";
        let mut input = serde_json::Map::new();
        let own = task_parent_context(workflow_id, &input);
        assert_eq!(
            own.span().span_context().trace_id(),
            workflow_trace_id(workflow_id)
        );
        input.insert(TRACEPARENT_INPUT_KEY.to_owned(), serde_json::Value::Null);
        let unmapped = task_parent_context(workflow_id, &input);
        assert_eq!(
            unmapped.span().span_context().trace_id(),
            workflow_trace_id(workflow_id)
        );
        input.insert(
            TRACEPARENT_INPUT_KEY.to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        let continued = task_parent_context(workflow_id, &input);
        let span = continued.span();
        assert_eq!(
            span.span_context().trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(
            span.span_context().span_id().to_string(),
            "00f067aa0ba902b7"
        );
    }

    #[test]
    fn without_a_traced_span_the_request_is_left_as_it_is() {
        let request = StartWorkflowRequest::new("checkout").with_current_trace();
        assert!(!request.input.contains_key(TRACEPARENT_INPUT_KEY));
    }
}
