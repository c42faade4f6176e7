//! The `liuhen` binary's end-to-end tests, run as a real process: one test
//! binary (one link step) with a module per area.

#[macro_use]
mod support;

mod browser;
mod case;
mod cli;
mod compliance;
mod custody;
mod demo;
mod ingest;
mod remote;
mod vault;
mod web;
