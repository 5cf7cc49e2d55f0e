//! The phases of the run: the proxy's rules for each, and what happens to the worker process
//! or the server during it.

use std::time::Duration;

use conductor_test_support::{Fault, FaultRule};

/// What the run does to a process during a phase, besides the proxy's faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing: only the proxy's faults.
    None,
    /// A third into the phase, SIGTERM the worker; once it has drained and exited, start a new
    /// one (on the same outbox folder).
    Term,
    /// Updates fail (503) from the start; a third in, SIGKILL the worker and start a new one on
    /// the same outbox; two thirds in, updates succeed again.
    KillDuringUpdateOutage,
    /// Kill the server (SIGKILL, like a crash), keep it down for the given seconds, start it
    /// again on the same port and database; the phase's time runs once it is back.
    RestartServer(u64),
}

#[derive(Debug)]
pub(crate) struct Phase {
    pub(crate) name: &'static str,
    pub(crate) seconds: u64,
    pub(crate) rules: Vec<FaultRule>,
    pub(crate) action: Action,
}

/// 503 on every update (`POST /tasks` and `POST /tasks/update-v2`); polls and reads pass.
pub(crate) fn update_outage() -> Vec<FaultRule> {
    vec![
        FaultRule::new(Fault::Status {
            status: 503,
            retry_after: None,
        })
        .method("POST")
        .path_contains("/tasks"),
    ]
}

pub(crate) fn phases(
    phase_secs: u64,
    outage_secs: u64,
    kills: bool,
    restart_down_secs: Option<u64>,
) -> Vec<Phase> {
    let status = |status, retry_after| Fault::Status {
        status,
        retry_after,
    };
    let phase = |name, seconds, rules| Phase {
        name,
        seconds,
        rules,
        action: Action::None,
    };
    let mut all = vec![
        phase("clean (baseline rate)", phase_secs, vec![]),
        phase(
            "503 and 429 with Retry-After on 30% of requests",
            phase_secs,
            vec![
                FaultRule::new(status(503, Some(1))).probability(0.15),
                FaultRule::new(status(429, Some(2))).probability(0.18),
            ],
        ),
        phase(
            "resets: 10% of updates after forwarding, 5% of polls before or after",
            phase_secs,
            vec![
                FaultRule::new(Fault::ResetAfterForward)
                    .method("POST")
                    .path_contains("/tasks")
                    .probability(0.10),
                FaultRule::new(Fault::ResetBeforeForward)
                    .path_contains("/poll/")
                    .probability(0.025),
                FaultRule::new(Fault::ResetAfterForward)
                    .path_contains("/poll/")
                    .probability(0.025),
            ],
        ),
        phase(
            "slow: every answer 800 ms late",
            phase_secs,
            vec![FaultRule::new(Fault::Delay(Duration::from_millis(800)))],
        ),
        phase(
            "outage: every connection refused",
            outage_secs,
            vec![FaultRule::new(Fault::Refuse)],
        ),
    ];
    if kills {
        all.push(Phase {
            name: "SIGTERM the worker mid-run, start a new one",
            seconds: phase_secs,
            rules: vec![],
            action: Action::Term,
        });
        all.push(Phase {
            name: "SIGKILL the worker during an update outage, start a new one",
            seconds: phase_secs,
            rules: update_outage(),
            action: Action::KillDuringUpdateOutage,
        });
    }
    if let Some(down) = restart_down_secs {
        all.push(Phase {
            name: "server restart: SIGKILL the server, start it again",
            seconds: phase_secs,
            rules: vec![],
            action: Action::RestartServer(down),
        });
    }
    all
}
