//! A store as `sqlsift proxy --store` leaves it behind an application that
//! opens a connection per request: connection statistics saved in two
//! rotations, for the report's connection advice without a live proxy.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlsift_analyzer::connections::ConnectionStats;
use sqlsift_analyzer::store::{Store, StoreOptions};
use sqlsift_analyzer::workload::Workload;

/// Saves two intervals of `per_interval` short sessions each (5 ms apiece,
/// one statement each, over 3 s of listening) into the store at `path`.
pub fn connection_per_request(path: &Path, per_interval: u64) {
    let interval = ConnectionStats {
        sessions: per_interval,
        ended: per_interval,
        peak_open: 2,
        short_lived: per_interval,
        lifetime_total: Duration::from_millis(5 * per_interval),
        lifetime_min: Some(Duration::from_millis(3)),
        lifetime_max: Duration::from_millis(9),
        statements: per_interval,
        busy: Duration::from_micros(300 * per_interval),
        elapsed: Duration::from_secs(3),
        ..ConnectionStats::default()
    };
    let mut store = Store::open(path, StoreOptions::default()).unwrap();
    for _ in 0..2 {
        store
            .save(&Workload {
                connections: Some(interval.clone()),
                ..Workload::default()
            })
            .unwrap();
    }
}

/// A temporary directory holding `proxy.db`, 30 sessions of an application
/// that connects per request saved into it (see [`connection_per_request`]).
pub fn connection_per_request_in_a_temp_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("proxy.db");
    connection_per_request(&store, 15);
    (dir, store)
}
