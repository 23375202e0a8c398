//! Coalescing bursts of cluster events (SPEC §5 `watch.debounce`): the first event after a
//! quiet spell is reconciled at once (leading edge); events that follow within the window are
//! reconciled together at its end. A rollout or a 500-node churn becomes a few reconciles, each
//! a few bulk requests, and a lone event costs no waiting.

use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What woke the loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake<T> {
    /// Events to reconcile now (at least one).
    Events(Vec<T>),
    /// The channel closed: every sender is gone.
    Closed,
}

/// A leading-edge debouncer over a channel of events.
pub struct Debounce {
    window: Duration,
    /// When the last batch was handed out.
    last: Option<Instant>,
}

impl Debounce {
    pub fn new(window: Duration) -> Debounce {
        Debounce { window, last: None }
    }

    /// Waits for the next batch: at once for the first event after a quiet window, else at
    /// the end of the window that started with the last batch, with everything that arrived
    /// meanwhile.
    pub async fn next<T>(&mut self, rx: &mut mpsc::UnboundedReceiver<T>) -> Wake<T> {
        let Some(first) = rx.recv().await else {
            return Wake::Closed;
        };
        let mut batch = vec![first];
        let now = Instant::now();
        if let Some(last) = self.last
            && now < last + self.window
        {
            // Within the window of the previous batch: collect until it ends.
            let deadline = last + self.window;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => break,
                    ev = rx.recv() => match ev {
                        Some(ev) => batch.push(ev),
                        None => break,
                    },
                }
            }
        }
        // Whatever is already queued goes along.
        while let Ok(ev) = rx.try_recv() {
            batch.push(ev);
        }
        self.last = Some(Instant::now());
        Wake::Events(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_lone_event_is_handed_out_at_once_and_a_burst_at_the_end_of_the_window() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut d = Debounce::new(Duration::from_secs(1));
        let t0 = Instant::now();
        tx.send(1).unwrap();
        assert_eq!(d.next(&mut rx).await, Wake::Events(vec![1]));
        assert_eq!(Instant::now(), t0, "leading edge: no wait");

        // A burst right after: coalesced, handed out when the window ends.
        let sender = tx.clone();
        tokio::spawn(async move {
            for i in 2..=6 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                sender.send(i).unwrap();
            }
        });
        assert_eq!(d.next(&mut rx).await, Wake::Events(vec![2, 3, 4, 5, 6]));
        assert_eq!(Instant::now(), t0 + Duration::from_secs(1));

        // After a quiet spell longer than the window: at once again.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let t1 = Instant::now();
        tx.send(7).unwrap();
        assert_eq!(d.next(&mut rx).await, Wake::Events(vec![7]));
        assert_eq!(Instant::now(), t1);

        drop(tx);
        assert_eq!(d.next(&mut rx).await, Wake::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_window_never_waits() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut d = Debounce::new(Duration::ZERO);
        let t0 = Instant::now();
        for i in 0..3 {
            tx.send(i).unwrap();
            assert_eq!(d.next(&mut rx).await, Wake::Events(vec![i]));
        }
        assert_eq!(Instant::now(), t0);
    }
}
