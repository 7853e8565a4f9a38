//! Client-side rate limiting and call counting, per API.
//!
//! Each API gets a token bucket at AWS's published default quota
//! ([`Api::default_rate`]), so a large apply stays under the
//! quota instead of leaning on throttling retries. The rates can be scaled or
//! lifted (accounts with raised quotas, the emulator).

use super::Api;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Calls per second allowed per API.
#[derive(Debug, Clone)]
pub struct Rates {
    /// False: no client-side limit.
    limited: bool,
    /// Multiplier applied to every API's default quota ([`Api::default_rate`]).
    scale: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            limited: true,
            scale: 1.0,
        }
    }
}

impl Rates {
    /// No client-side limit (for emulators, which do not throttle).
    pub fn unlimited() -> Self {
        Rates {
            limited: false,
            scale: 1.0,
        }
    }

    /// AWS's defaults multiplied by `scale` (e.g. 2 for doubled quotas).
    pub fn scaled(scale: f64) -> Self {
        Rates {
            scale,
            ..Rates::default()
        }
    }

    /// Calls per second allowed for `api`; `None` without a limit.
    pub fn per_second(&self, api: Api) -> Option<f64> {
        let per_second = api.default_rate() * self.scale;
        (self.limited && per_second > 0.0).then_some(per_second)
    }

    fn interval(&self, api: Api) -> Option<Duration> {
        let per_second = api.default_rate() * self.scale;
        (self.limited && per_second > 0.0).then(|| Duration::from_secs_f64(1.0 / per_second))
    }
}

/// What was called, how often, how fast.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ApiCount {
    /// Calls made (retries included).
    pub calls: u64,
    /// Calls AWS throttled.
    pub throttled: u64,
    /// Achieved calls per second over the span of the calls.
    pub per_second: f64,
}

#[derive(Debug)]
struct Entry {
    next_free: Instant,
    calls: u64,
    throttled: u64,
    first: Instant,
    last: Instant,
}

/// Token buckets and counters for every API.
#[derive(Debug)]
pub struct CallStats {
    rates: Rates,
    entries: Mutex<BTreeMap<Api, Entry>>,
}

impl CallStats {
    /// New counters with the given rates.
    pub fn new(rates: Rates) -> Self {
        CallStats {
            rates,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    /// The rates it enforces.
    pub fn rates(&self) -> &Rates {
        &self.rates
    }

    /// Waits until `api` may be called, then counts the call.
    pub async fn acquire(&self, api: Api) {
        let interval = self.rates.interval(api);
        let start = {
            let Ok(mut entries) = self.entries.lock() else {
                return;
            };
            let now = Instant::now();
            let e = entries.entry(api).or_insert(Entry {
                next_free: now,
                calls: 0,
                throttled: 0,
                first: now,
                last: now,
            });
            let start = e.next_free.max(now);
            if let Some(i) = interval {
                e.next_free = start + i;
            }
            e.calls += 1;
            e.last = start;
            start
        };
        tokio::time::sleep_until(start).await;
    }

    /// Records that AWS throttled a call of `api`.
    pub fn throttled(&self, api: Api) {
        if let Ok(mut entries) = self.entries.lock()
            && let Some(e) = entries.get_mut(&api)
        {
            e.throttled += 1;
        }
    }

    /// Calls per API so far.
    pub fn snapshot(&self) -> BTreeMap<String, ApiCount> {
        let Ok(entries) = self.entries.lock() else {
            return BTreeMap::new();
        };
        entries
            .iter()
            .map(|(api, e)| {
                let span = e.last.duration_since(e.first).as_secs_f64();
                // A rate needs several calls over at least a second: a burst
                // of a few calls in microseconds has no meaningful rate.
                let per_second = if e.calls > 2 && span >= 1.0 {
                    (e.calls - 1) as f64 / span
                } else {
                    0.0
                };
                (
                    api.action(),
                    ApiCount {
                        calls: e.calls,
                        throttled: e.throttled,
                        per_second: (per_second * 10.0).round() / 10.0,
                    },
                )
            })
            .collect()
    }

    /// Calls of one API so far.
    pub fn calls(&self, api: Api) -> u64 {
        self.entries
            .lock()
            .ok()
            .and_then(|e| e.get(&api).map(|e| e.calls))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bucket_spaces_calls_at_the_rate() {
        let stats = CallStats::new(Rates::default());
        let start = tokio::time::Instant::now();
        for _ in 0..7 {
            stats.acquire(Api::PutMetricAlarm).await;
        }
        // 3 per second: the 7th call starts 2 s after the first.
        assert_eq!(start.elapsed().as_millis(), 2000);
        assert_eq!(stats.calls(Api::PutMetricAlarm), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_does_not_wait() {
        let stats = CallStats::new(Rates::unlimited());
        let start = tokio::time::Instant::now();
        for _ in 0..100 {
            stats.acquire(Api::PutMetricAlarm).await;
        }
        assert_eq!(start.elapsed().as_millis(), 0);
    }
}
