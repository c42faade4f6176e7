//! `liuhen vault put` streams: its memory stays bounded whatever the size
//! of the file (chunks queued between the reader, the hashers and the
//! writer), never the whole file.

use std::process::{Command, Stdio};

use crate::support::{text, Instance};

/// A file four times the bound below: a put that buffered it whole would
/// pass it several times over.
const FILE_SIZE: u64 = 512 << 20;
/// Peak resident memory allowed, with room for a debug build's baseline.
const BOUND_KIB: u64 = 128 << 10;

#[tokio::test(flavor = "multi_thread")]
async fn a_large_put_keeps_its_memory_bounded() {
    let instance = Instance::new(false).await;
    // Sparse: no disk spent on the source, and it reads as fast as memory.
    let path = instance.dir.path().join("long-recording.mp4");
    std::fs::File::create(&path).unwrap().set_len(FILE_SIZE).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["vault", "put", "--json", path.to_str().unwrap()])
        .env("LIUHEN_DATA", instance.data())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The kernel keeps the peak (VmHWM); the last reading before the
    // process ends holds the peak of nearly the whole put.
    let status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status) {
            let hwm = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|kib| kib.trim().trim_end_matches(" kB").trim().parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stored: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stored["size"], FILE_SIZE, "{stored}");
    assert!(peak_kib > 0, "the put's memory was read while it ran");
    assert!(peak_kib < BOUND_KIB, "a put of {} MiB peaked at {} MiB", FILE_SIZE >> 20, peak_kib >> 10);
}
