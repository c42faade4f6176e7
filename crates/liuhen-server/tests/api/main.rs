//! The HTTP API end to end: a real server on a socket, a real HTTP client,
//! and each important behaviour checked on SQLite and on PostgreSQL
//! (`LIUHEN_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`).

mod support;

mod access;
mod admin;
mod cases;
mod compliance;
mod custody;
mod exports;
mod health;
mod interruptions;
mod ledger;
mod media;
mod reads;
mod recordings;
mod register;
mod session;
mod uploads;
