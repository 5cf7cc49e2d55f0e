//! Tasks that wait for time or for someone: WAIT (`duration`, `until`, or a signal), HUMAN and
//! Orkes' WAIT_FOR_WEBHOOK (conductor-oss `Wait`, `WaitTaskMapper`, `DateTimeUtils`, `Human`).

use conductor_models::{Task, TaskStatus, TaskType, Workflow};
use serde_json::Value;

use crate::engine::effects::{Effect, Executed, Mapped, Terminate};
use crate::engine::refs::is_type;
use crate::engine::system_task::{MapContext, SystemTask};
use crate::engine::view::View;
use crate::expr::Resolver;

/// `WAIT`.
#[derive(Debug)]
pub(super) struct Wait;

/// Parses a WAIT `duration` (`"1d 2h 3m 4s"`, `"10m20s"`, `"2 hours 30 minutes"`) into seconds.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let units: [(&[&str], i64); 4] = [
        (&["d", "day", "days"], 86_400),
        (&["h", "hr", "hrs", "hour", "hours"], 3_600),
        (&["m", "min", "mins", "minute", "minutes"], 60),
        (&["s", "sec", "secs", "second", "seconds"], 1),
    ];
    let lower = text.trim().to_ascii_lowercase();
    let mut rest = lower.as_str();
    let mut next_unit = 0;
    let mut total: i64 = 0;
    let mut any = false;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest.chars().take_while(char::is_ascii_alphabetic).count();
        let word = &rest[..letters];
        rest = &rest[letters..];
        let position = units
            .iter()
            .enumerate()
            .skip(next_unit)
            .find(|(_, (names, _))| names.contains(&word))
            .map(|(i, _)| i)?;
        total = total.checked_add(n.checked_mul(units[position].1)?)?;
        next_unit = position + 1;
        any = true;
    }
    any.then_some(total)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a WAIT `until` (`yyyy-MM-dd HH:mm`, `yyyy-MM-dd HH:mm z`, `yyyy-MM-dd`) into epoch
/// milliseconds. The server's zone is UTC; a zone suffix is read by [`zone_offset_minutes`].
pub(crate) fn parse_until(text: &str) -> Option<i64> {
    let mut parts = text.split_whitespace();
    let date = parts.next()?;
    let time = parts.next();
    let zone = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let mut ymd = date.split('-');
    let (y, m, d): (i64, i64, i64) = (
        ymd.next()?.parse().ok()?,
        ymd.next()?.parse().ok()?,
        ymd.next()?.parse().ok()?,
    );
    if ymd.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (hh, mm) = match time {
        Some(t) => {
            let (h, mi) = t.split_once(':')?;
            (h.parse::<i64>().ok()?, mi.parse::<i64>().ok()?)
        }
        None => (0, 0),
    };
    if !(0..24).contains(&hh) || !(0..60).contains(&mm) {
        return None;
    }
    let offset_minutes = match zone {
        None => 0,
        Some(zone) => zone_offset_minutes(zone)?,
    };
    let minutes = days_from_civil(y, m, d) * 1440 + hh * 60 + mm - offset_minutes;
    Some(minutes * 60_000)
}

/// Zone names Java's `z` pattern reads, each as the fixed offset (minutes east of UTC) it gives:
/// a standard-time name gives the standard offset and a daylight-time name the daylight one,
/// whatever the date. Names Java reads ambiguously (`CST`, `IST`, `BST`) are left out.
const ZONE_NAMES: &[(&str, i64)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("WET", 0),
    ("WEST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("HKT", 480),
    ("SGT", 480),
    ("JST", 540),
    ("KST", 540),
    ("AWST", 480),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("HST", -600),
    ("AKST", -540),
    ("AKDT", -480),
    ("PST", -480),
    ("PDT", -420),
    ("MST", -420),
    ("MDT", -360),
    ("CDT", -300),
    ("EST", -300),
    ("EDT", -240),
];

/// The offset east of UTC, in minutes, of an `until` zone as Java's `z` pattern reads it (checked
/// against conductor-oss 3.21.14 and 3.32.3): a zone name (any case; see [`ZONE_NAMES`]), a
/// general zone `GMT+02:00` (`GMT+2:00`; the minutes are required), or an RFC 822 zone `+0200`.
/// Java refuses `Z`, `+02:00`, `+02`, `UTC+02:00` and region ids (`Europe/Paris`), and so does
/// this.
fn zone_offset_minutes(zone: &str) -> Option<i64> {
    if let Some((_, offset)) = ZONE_NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(zone))
    {
        return Some(*offset);
    }
    let number = |text: &str, digits: std::ops::RangeInclusive<usize>| {
        (digits.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<i64>().ok())
            .flatten()
    };
    let (general, signed) = match zone.strip_prefix("GMT") {
        Some(rest) => (true, rest),
        None => (false, zone),
    };
    let (sign, digits) = match signed.as_bytes().first()? {
        b'+' => (1, &signed[1..]),
        b'-' => (-1, &signed[1..]),
        _ => return None,
    };
    let (hours, minutes) = if general {
        let (hours, minutes) = digits.split_once(':')?;
        (number(hours, 1..=2)?, number(minutes, 2..=2)?)
    } else {
        if digits.len() != 4 {
            return None;
        }
        let (hours, minutes) = digits.split_at(2);
        (number(hours, 2..=2)?, number(minutes, 2..=2)?)
    };
    (hours < 24 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

/// Whether `task` is a WAIT with neither `duration` nor `until`: the task a signal or the sync
/// execute endpoint treats as "blocking".
pub(crate) fn is_blocking_wait(task: &Task) -> bool {
    let has = |k: &str| {
        task.input_data
            .get(k)
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    };
    is_type(task, &TaskType::Wait)
        && !task.status.is_terminal()
        && !has("duration")
        && !has("until")
}

impl SystemTask for Wait {
    fn task_type(&self) -> &'static str {
        "WAIT"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::InProgress);
        let text = |k: &str| {
            task.input_data
                .get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let deadline = match (text("duration"), text("until")) {
            (Some(_), Some(_)) => Err(
                "Both 'duration' and 'until' specified. Please provide only one input".to_owned(),
            ),
            (Some(duration), None) => parse_duration(&duration)
                .map(|secs| Some(ctx.now + secs * 1000))
                .ok_or_else(|| format!("Invalid duration format: {duration}")),
            (None, Some(until)) => parse_until(&until)
                .map(Some)
                .ok_or_else(|| format!("Invalid/Unsupported Wait Until format: {until}")),
            (None, None) => Ok(None),
        };
        let mut effects = Vec::new();
        match deadline {
            Err(reason) => {
                task.status = TaskStatus::FailedWithTerminalError;
                task.reason_for_incompletion = Some(reason);
            }
            Ok(Some(at)) => {
                task.callback_after_seconds = ((at - ctx.now).max(0) + 999) / 1000;
                effects.push(Effect::SetTimer {
                    task_id: task.task_id.clone(),
                    at,
                });
            }
            Ok(None) => {}
        }
        task.start_time = ctx.now;
        Ok(Mapped {
            tasks: vec![task],
            effects,
        })
    }

    fn execute(
        &self,
        view: &View<'_>,
        _: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        match view.store.timers.get(&task.task_id) {
            Some(at) if view.now >= *at => {
                task.status = TaskStatus::Completed;
                task.callback_after_seconds = 0;
                Ok(Executed::changed().with(Effect::ClearTimer {
                    task_id: task.task_id.clone(),
                }))
            }
            _ => Ok(Executed::unchanged()),
        }
    }
}

/// `HUMAN`: waits for a task update.
#[derive(Debug)]
pub(super) struct Human;

impl SystemTask for Human {
    fn task_type(&self) -> &'static str {
        "HUMAN"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::InProgress);
        task.start_time = ctx.now;
        Ok(task.into())
    }
}

/// `WAIT_FOR_WEBHOOK` (Orkes): waits for a webhook call whose payload satisfies `matches`.
#[derive(Debug)]
pub(super) struct WaitForWebhook;

impl SystemTask for WaitForWebhook {
    fn task_type(&self) -> &'static str {
        "WAIT_FOR_WEBHOOK"
    }

    fn map(&self, _: &View<'_>, ctx: &MapContext<'_>) -> Result<Mapped, Terminate> {
        let mut task = ctx.resolved_task(TaskStatus::InProgress);
        task.start_time = ctx.now;
        Ok(task.into())
    }
}

/// Whether a webhook call on `webhook` with `payload` completes `task`: a pending
/// WAIT_FOR_WEBHOOK whose optional `webhookId` input names the webhook and whose every `matches`
/// entry (`JSONPath → expected value`) holds in the payload.
pub(crate) fn webhook_matches(task: &Task, webhook: &str, payload: &Value) -> bool {
    if !is_type(task, &TaskType::WaitForWebhook) || task.status.is_terminal() {
        return false;
    }
    if let Some(id) = task.input_data.get("webhookId").and_then(Value::as_str)
        && id != webhook
    {
        return false;
    }
    let Some(matches) = task.input_data.get("matches").and_then(Value::as_object) else {
        return true;
    };
    matches.iter().all(|(path, expected)| {
        let path = path.trim();
        let path = path.strip_prefix('$').unwrap_or(path);
        let path = path.strip_prefix('.').unwrap_or(path);
        let expression = Value::String(format!("${{{path}}}"));
        let actual = Resolver::new(payload, None).resolve_value(&expression);
        &actual == expected
            || crate::expr::java_to_string(&actual) == crate::expr::java_to_string(expected)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_follow_date_time_utils() {
        assert_eq!(parse_duration("10m20s"), Some(620));
        assert_eq!(parse_duration("2 hours 30 minutes"), Some(9000));
        assert_eq!(parse_duration("1d 1h 1m 1s"), Some(90061));
        assert_eq!(parse_duration("5 SECONDS"), Some(5));
        assert_eq!(parse_duration("5s 1m"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn until_dates_are_utc_unless_zoned() {
        assert_eq!(parse_until("1970-01-02"), Some(86_400_000));
        assert_eq!(
            parse_until("2023-11-14 22:13"),
            Some(1_700_000_000_000 - 20_000)
        );
        assert_eq!(parse_until("1970-01-01 01:00 +0100"), Some(0));
        assert_eq!(parse_until("1970-01-01 00:00 UTC"), Some(0));
        // Java's zone names, general and RFC 822 zones, as conductor-oss reads them.
        for zone in ["GMT+02:00", "GMT+2:00", "+0200", "CEST", "eet"] {
            assert_eq!(
                parse_until(&format!("1970-01-01 02:00 {zone}")),
                Some(0),
                "{zone}"
            );
        }
        assert_eq!(
            parse_until("1970-01-01 00:00 GMT-08:30"),
            Some(510 * 60_000)
        );
        assert_eq!(parse_until("1970-01-01 00:00 PST"), Some(480 * 60_000));
        for zone in [
            "Z",
            "+02:00",
            "+02",
            "GMT+2",
            "UTC+02:00",
            "Europe/Paris",
            "+2400",
            "+123",
        ] {
            assert_eq!(
                parse_until(&format!("1970-01-01 00:00 {zone}")),
                None,
                "{zone}"
            );
        }
        assert_eq!(parse_until("tomorrow"), None);
        assert_eq!(parse_until("2023-13-01"), None);
    }

    #[test]
    fn webhook_matching_reads_json_paths() {
        let task = Task {
            task_type: "WAIT_FOR_WEBHOOK".into(),
            status: TaskStatus::InProgress,
            input_data: json!({"matches": {"$['event']['type']": "paid", "$.order.id": 7}})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            ..Task::default()
        };
        assert!(webhook_matches(
            &task,
            "any",
            &json!({"event": {"type": "paid"}, "order": {"id": 7}})
        ));
        assert!(!webhook_matches(
            &task,
            "any",
            &json!({"event": {"type": "new"}, "order": {"id": 7}})
        ));
    }
}
