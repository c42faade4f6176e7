//! The vault's behaviour on real files, on every backend.
//!
//! The behaviour tests in `behaviour` are written once and run against the
//! local filesystem (always) and against S3-compatible storage when the
//! `LIUHEN_TEST_S3_*` variables point at one (`scripts/garage.sh start`
//! writes them). `LIUHEN_REQUIRE_S3=1`, which CI sets, turns a missing S3
//! configuration into a failure instead of a skip.

mod behaviour;
mod filesystem;
mod object_lock;
mod s3;
mod support;
