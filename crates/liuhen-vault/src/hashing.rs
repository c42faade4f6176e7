//! SHA-256 and SM3 of one stream, computed on two threads at once.
//!
//! SM3 in software runs at roughly a quarter of SHA-256's speed on a CPU
//! with SHA extensions; hashing both on the copying thread would make SM3
//! the speed limit of every copy. Each digest gets its own thread fed over
//! a bounded channel, so memory stays bounded and the reader never waits
//! for more than the slower of the two.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use bytes::Bytes;
use liuhen_core::digest::{ContentDigests, Sha256Digest, Sm3Digest};

/// How many chunks may wait for each hashing thread.
const QUEUE_DEPTH: usize = 8;

/// Feeds chunks to both hashing threads.
pub struct DualHasher {
    sha256: Option<(SyncSender<Bytes>, JoinHandle<[u8; 32]>)>,
    sm3: Option<(SyncSender<Bytes>, JoinHandle<[u8; 32]>)>,
    size: u64,
}

impl DualHasher {
    pub fn new() -> Self {
        Self { sha256: Some(spawn_hasher::<sha2::Sha256>("sha256")), sm3: Some(spawn_hasher::<sm3::Sm3>("sm3")), size: 0 }
    }

    /// Hands a chunk to both threads; blocks while either queue is full.
    pub fn update(&mut self, chunk: Bytes) {
        self.size += chunk.len() as u64;
        for (sender, _) in [&self.sha256, &self.sm3].into_iter().flatten() {
            // A send fails only if the thread died, which `finish` reports.
            let _ = sender.send(chunk.clone());
        }
    }

    /// How many bytes were handed in so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Waits for both threads and returns the digests.
    pub fn finish(mut self) -> ContentDigests {
        let sha256 = join(self.sha256.take());
        let sm3 = join(self.sm3.take());
        ContentDigests { sha256: Sha256Digest(sha256), sm3: Sm3Digest(sm3), size: self.size }
    }
}

impl std::fmt::Debug for DualHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DualHasher").field("size", &self.size).finish_non_exhaustive()
    }
}

impl Default for DualHasher {
    fn default() -> Self {
        Self::new()
    }
}

fn spawn_hasher<D: sha2::Digest + Send + 'static>(name: &str) -> (SyncSender<Bytes>, JoinHandle<[u8; 32]>) {
    let (sender, receiver) = sync_channel::<Bytes>(QUEUE_DEPTH);
    let handle = std::thread::Builder::new()
        .name(format!("liuhen-{name}"))
        .spawn(move || {
            let mut hasher = D::new();
            for chunk in receiver {
                hasher.update(&chunk);
            }
            let mut out = [0u8; 32];
            out.copy_from_slice(&hasher.finalize());
            out
        })
        .expect("the OS can start a thread");
    (sender, handle)
}

fn join(hasher: Option<(SyncSender<Bytes>, JoinHandle<[u8; 32]>)>) -> [u8; 32] {
    let (sender, handle) = hasher.expect("finish is called once");
    drop(sender);
    handle.join().expect("a hashing thread does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_hashing_equals_one_shot() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut hasher = DualHasher::new();
        for chunk in data.chunks(65_537) {
            hasher.update(Bytes::copy_from_slice(chunk));
        }
        assert_eq!(hasher.finish(), ContentDigests::of_bytes(&data));
    }
}
