//! The OpenAPI document and the router are the same set of routes, and the docs are served
//! from the binary.

use crate::support::on_both_backends;
use crate::support::{Backend, Caller, spawn};
use reqwest::{Method, StatusCode};

on_both_backends!(
    the_spec_and_the_router_have_the_same_routes,
    docs_and_metrics_are_served
);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn the_spec_and_the_router_have_the_same_routes(backend: Backend) {
    let app = spawn(backend).await;
    let spec = app
        .get(&Caller::anonymous(), "/api/openapi.json")
        .await
        .body;
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15);
    let id = "0190f000-0000-7000-8000-000000000000";
    for (template, item) in paths {
        // Every path parameter gets a well-formed id that exists nowhere.
        let path = template
            .split('/')
            .map(|seg| if seg.starts_with('{') { id } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let reply = app
                .call(
                    &Caller::anonymous(),
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &path,
                    None,
                )
                .await;
            if item.get(method).is_some() {
                assert_ne!(
                    reply.code(),
                    "route_not_found",
                    "{method} {template} is documented but not routed"
                );
                assert_ne!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {template} is documented but not routed"
                );
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {template} is routed but not documented"
                );
            }
            // Every documented operation documents the status it answered.
            if let Some(op) = item.get(method) {
                let status = reply.status.as_u16().to_string();
                assert!(
                    op["responses"].get(&status).is_some(),
                    "{method} {template} answered undocumented {status}"
                );
            }
        }
    }
}

async fn docs_and_metrics_are_served(backend: Backend) {
    let app = spawn(backend).await;
    app.get(&Caller::anonymous(), "/api/stores").await;

    let docs = app
        .http
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    let metrics = app.metrics().await;

    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "Swagger UI is bundled"
    );
    assert!(
        metrics.contains(r#"http_requests_total{method="GET",route="/api/stores",status="401"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    // SQLite shows its writer connection's counters; PostgreSQL has no such connection.
    if backend == Backend::Sqlite {
        assert!(
            metrics.contains(r#"sqlite_commits_total{kind="plain"}"#),
            "{metrics}"
        );
    } else {
        assert!(!metrics.contains("sqlite_commits_total{"), "{metrics}");
    }
}
