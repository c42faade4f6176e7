//! Liuhen's domain core (领域核心).
//!
//! Everything here is plain data and pure functions: identifiers, the
//! entities every other crate stores, the canonical encoding of ledger
//! entries, RFC 6962 Merkle tree maths and the C2SP checkpoint/note formats.
//! **Invariant:** this crate never does IO — no files, no sockets, no clock.
//! Callers pass the current time in; randomness comes in through arguments
//! or through the id constructors, which only read the OS random source.

pub mod access;
pub mod case;
pub mod complaint;
pub mod compliance;
pub mod device;
pub mod digest;
pub mod document;
pub mod entity;
pub mod entry;
pub mod id;
pub mod merkle;
pub mod mutation;
pub mod note;
mod note_sm2;
pub mod pack;
pub mod proof;
pub mod recording;
pub mod redaction;
pub mod regulation;
pub mod retention;
pub mod statistics;
pub mod supervision;
