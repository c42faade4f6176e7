//! The web pages end to end: a real `liuhen serve` over the demo instance,
//! driven through its forms as a browser without scripts would.

pub mod support;

mod access;
mod admin;
mod cases;
mod compliance;
mod devices;
mod interruptions;
mod openapi;
mod recordings;
mod session;
mod supervision;
mod workstation;
