//! Signing in (登录) and out through the API's `/api/v1/session`.
//!
//! The API sets and clears the session cookie; these pages pass its
//! `Set-Cookie` on to the browser. Lockout after repeated failures, and
//! the ledger entry of every attempt, are the API's.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

use crate::page::{self, safe_next, Viewer};
use crate::WebState;

#[derive(Deserialize)]
pub(super) struct Next {
    next: Option<String>,
}

/// `GET /login`.
pub(super) async fn form(State(web): State<WebState>, headers: HeaderMap, Query(query): Query<Next>) -> Response {
    let next = safe_next(query.next.as_deref());
    let me = web.api.call(&headers, Method::GET, "/api/v1/me", None, None).await;
    if me.status.is_success() {
        return see_other(&next);
    }
    page::html(StatusCode::OK, "login.html", json!({ "title": "登录", "next": next }))
}

/// The sign-in form. No `Debug`: it holds a password.
#[derive(Deserialize)]
pub(super) struct SignIn {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub(super) async fn sign_in(State(web): State<WebState>, Form(form): Form<SignIn>) -> Response {
    let next = safe_next(form.next.as_deref());
    let body = json!({ "login": form.login, "password": form.password });
    // No cookie is passed on: signing in starts afresh.
    let answer = web.api.call(&HeaderMap::new(), Method::POST, "/api/v1/session", None, Some(&body)).await;
    if answer.status.is_success() {
        let mut response = see_other(&next);
        for cookie in answer.headers.get_all(header::SET_COOKIE) {
            response.headers_mut().append(header::SET_COOKIE, cookie.clone());
        }
        return response;
    }
    let refusal = answer.refusal();
    let status = if refusal.status.is_server_error() { refusal.status } else { StatusCode::UNPROCESSABLE_ENTITY };
    page::html(status, "login.html", json!({ "title": "登录", "next": next, "login": form.login, "error": refusal.message }))
}

#[derive(Deserialize)]
pub(super) struct SignOut {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub(super) async fn sign_out(State(web): State<WebState>, viewer: Viewer, Form(form): Form<SignOut>) -> Response {
    let answer = web.api.call(&viewer.headers, Method::DELETE, "/api/v1/session", Some(&form.csrf), None).await;
    if !answer.status.is_success() {
        return viewer.refused(answer.refusal());
    }
    let mut response = see_other("/login");
    for cookie in answer.headers.get_all(header::SET_COOKIE) {
        response.headers_mut().append(header::SET_COOKIE, cookie.clone());
    }
    response
}

fn see_other(to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}
