//! One ordered stream of work dealt out to several workers in turn, and their results gathered
//! back in the same order. Each worker answers every item it is dealt with exactly one `Some`
//! result, or `None` for an item it drops; gathering in the same turn order then restores the
//! stream's order without sequence numbers or a reordering buffer. The gatherer hands on the
//! `None`s too, so that its reader knows where items were dropped.
//!
//! Nothing can deadlock: when the gatherer waits for item `n`'s result, it has taken every result
//! before it, so every worker's queues hold only work from `n` on, and the dealer (which deals in
//! order) is free to deal item `n`.

use std::sync::mpsc::{Receiver, SendError, SyncSender, sync_channel};

/// The sending end: deals items to the workers in turn.
pub(crate) struct Dealer<T> {
    lanes: Vec<SyncSender<T>>,
    next: usize,
}

impl<T> Dealer<T> {
    /// Sends `item` to the next worker. Err when that worker has hung up (it failed, or the
    /// gatherer has gone and it stopped).
    pub fn send(&mut self, item: T) -> Result<(), SendError<T>> {
        let sent = self.lanes[self.next].send(item);
        self.next = (self.next + 1) % self.lanes.len();
        sent
    }
}

/// The receiving end: every worker's results in the order their items were dealt, `None` where
/// an item was dropped. Ends at the first worker that has hung up with nothing left to give,
/// which is the end of the stream when all went well, and its failure otherwise.
pub(crate) struct Gatherer<U> {
    lanes: Vec<Receiver<Option<U>>>,
    next: usize,
}

impl<U> Iterator for Gatherer<U> {
    type Item = Option<U>;

    fn next(&mut self) -> Option<Option<U>> {
        let result = self.lanes[self.next].recv().ok()?;
        self.next = (self.next + 1) % self.lanes.len();
        Some(result)
    }
}

/// One worker's two queues: the items dealt to it, and where its results go.
pub(crate) struct Lane<T, U> {
    pub work: Receiver<T>,
    pub results: SyncSender<Option<U>>,
}

/// A dealer and gatherer for `workers` workers (at least one), with `work_queue` items waiting
/// for each worker and `result_queue` results waiting in each worker's lane.
pub(crate) fn fan_out<T, U>(
    workers: usize,
    work_queue: usize,
    result_queue: usize,
) -> (Dealer<T>, Vec<Lane<T, U>>, Gatherer<U>) {
    let mut dealt = Vec::new();
    let mut gathered = Vec::new();
    let mut lanes = Vec::new();
    for _ in 0..workers.max(1) {
        let (work_tx, work) = sync_channel(work_queue);
        let (results, results_rx) = sync_channel(result_queue);
        dealt.push(work_tx);
        gathered.push(results_rx);
        lanes.push(Lane { work, results });
    }
    let dealer = Dealer {
        lanes: dealt,
        next: 0,
    };
    let gatherer = Gatherer {
        lanes: gathered,
        next: 0,
    };
    (dealer, lanes, gatherer)
}

#[cfg(test)]
mod tests {
    use super::{Lane, fan_out};
    use std::time::Duration;

    /// Squares each number; drops multiples of `drop_every`; sleeps unevenly so that workers
    /// finish out of order.
    fn square(lane: Lane<u64, u64>, drop_every: u64) {
        for n in lane.work {
            std::thread::sleep(Duration::from_micros((n * 7919) % 300));
            let result = (n % drop_every != 0).then_some(n * n);
            if lane.results.send(result).is_err() {
                return;
            }
        }
    }

    fn run(workers: usize, count: u64, drop_every: u64) -> Vec<u64> {
        let (mut dealer, lanes, gatherer) = fan_out(workers, 1, 2);
        std::thread::scope(|scope| {
            scope.spawn(move || (1..=count).try_for_each(|n| dealer.send(n)));
            for lane in lanes {
                scope.spawn(move || square(lane, drop_every));
            }
            gatherer.flatten().collect()
        })
    }

    #[test]
    fn results_come_back_in_the_order_dealt_whatever_the_workers_timing() {
        for workers in 1..=4 {
            let expected: Vec<u64> = (1..=50).map(|n| n * n).collect();
            assert_eq!(run(workers, 50, u64::MAX), expected, "{workers} workers");
        }
    }

    #[test]
    fn dropped_items_are_marked_in_their_place_and_nothing_waits_for_them() {
        let expected: Vec<u64> = (1..=40).filter(|n| n % 3 != 0).map(|n| n * n).collect();
        assert_eq!(run(2, 40, 3), expected);
        assert_eq!(run(3, 40, 3), expected);
        assert!(run(2, 6, 1).is_empty());

        let (mut dealer, lanes, gatherer) = fan_out(2, 1, 2);
        let marked: Vec<Option<u64>> = std::thread::scope(|scope| {
            scope.spawn(move || (1..=6).try_for_each(|n| dealer.send(n)));
            for lane in lanes {
                scope.spawn(move || square(lane, 3));
            }
            gatherer.collect()
        });
        assert_eq!(marked, [Some(1), Some(4), None, Some(16), Some(25), None]);
    }

    #[test]
    fn a_worker_that_fails_ends_the_stream_after_the_results_before_it() {
        let (mut dealer, mut lanes, gatherer) = fan_out::<u64, u64>(2, 1, 4);
        let second = lanes.pop().expect("two lanes");
        let first = lanes.pop().expect("two lanes");
        let results = std::thread::scope(|scope| {
            scope.spawn(move || (1..=20).try_for_each(|n| dealer.send(n)));
            scope.spawn(move || square(first, u64::MAX));
            // The second worker answers its first two items (2 and 4), then fails.
            scope.spawn(move || {
                for n in second.work.iter().take(2) {
                    second.results.send(Some(n * n)).expect("gatherer is there");
                }
            });
            gatherer.flatten().collect::<Vec<_>>()
        });
        assert_eq!(results, [1, 4, 9, 16, 25]);
    }
}
