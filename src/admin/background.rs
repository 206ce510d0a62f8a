//! Lets a shutdown wait for background import batches at a batch boundary.
//! A batch is one transaction: cut in the middle it would be rolled back and,
//! left claimed, run again only once its claim is stale (minutes after the
//! restart). Stopping between batches lets the next start resume at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{RwLock, RwLockReadGuard};

#[derive(Clone)]
pub struct Background {
    inner: Arc<Inner>,
}

struct Inner {
    /// The runtime this was made on (the process's main one). A task spawned
    /// from a request handler would otherwise land on that HTTP worker's own
    /// runtime, which is dropped, cancelling the task mid-batch, as soon as the
    /// listener stops.
    runtime: Option<tokio::runtime::Handle>,
    stopping: AtomicBool,
    /// Each running batch holds a read guard; [`Background::stop`] takes the
    /// write side, so it returns once every running batch has finished.
    running: RwLock<()>,
}

impl Default for Background {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                runtime: tokio::runtime::Handle::try_current().ok(),
                stopping: AtomicBool::new(false),
                running: RwLock::new(()),
            }),
        }
    }
}

impl Background {
    /// Runs `task` on the runtime this was made on.
    pub fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        match &self.inner.runtime {
            Some(rt) => drop(rt.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }

    /// Permission to start one batch, or None once shutdown has begun.
    pub async fn batch(&self) -> Option<RwLockReadGuard<'_, ()>> {
        if self.stopping() {
            return None;
        }
        let guard = self.inner.running.read().await;
        // Checked again: `stop` may have begun while this waited.
        (!self.stopping()).then_some(guard)
    }

    pub fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    /// Refuses new batches and waits for the running ones to commit.
    pub async fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        let _all_done = self.inner.running.write().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stop_waits_for_the_running_batch_and_refuses_new_ones() {
        let bg = Background::default();
        let guard = bg.batch().await.expect("a batch may start");
        let stopper = {
            let bg = bg.clone();
            tokio::spawn(async move { bg.stop().await })
        };
        for _ in 0..1000 {
            if bg.stopping() {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(bg.stopping());
        assert!(!stopper.is_finished(), "stop waits for the running batch");
        assert!(bg.batch().await.is_none(), "no new batch once stopping");
        drop(guard);
        stopper.await.unwrap();
        assert!(bg.batch().await.is_none());
    }
}
