//! The Conductor worker runtime: Worker trait, FnWorker, TaskContext, TaskRunner, TaskHandler, WorkerHost.
