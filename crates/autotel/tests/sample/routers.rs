use crate::oldest_libs::{raw_get, server_span};
use crate::support::*;
use crate::traces::*;
use otlp::model::{StatusCode, Value};
use std::process::Command;
use std::time::Duration;

/// `testdata/apps/routers` built with `autotel go build` and run once a router: the server span
/// is named after the route template (a sub-router's prefix included) with `http.route`, which
/// the `http.server.request.duration` data points carry too; an error (echo's returned error, a
/// 500 written by a mux or chi handler) and a panic make the span an error, and the panic still
/// reaches net/http, which logs it and closes the connection as it would uninstrumented.
fn check_routers(app: &App) {
    app.autotel_go(&["build", "-o", "bin/app", "."]);
    let receiver = receiver();
    for (framework, users, items) in [
        ("echo5", "/users/:id", "/api/items/:id"),
        ("mux", "/users/{id}", "/api/items/{id}"),
        ("chi", "/users/{id}", "/api/items/{id}"),
    ] {
        let mut command = Command::new(app.binary("app"));
        otel_env(&mut command, &receiver, framework);
        command.env("FRAMEWORK", framework);
        let service = Service::start(command);

        assert_eq!(
            http_get(&service.url("/users/7"), &[]),
            (200, "user 7".to_string()),
            "{framework}"
        );
        assert_eq!(
            http_get(&service.url("/api/items/3"), &[]),
            (200, "user 3".to_string()),
            "{framework}"
        );
        for route in [users, items] {
            let span = server_span(&receiver, framework, &format!("GET {route}"));
            assert_eq!(string(&span, "http.route"), route, "{framework}");
            assert_eq!(
                span.status.code,
                StatusCode::Unset,
                "{framework}: {span:#?}"
            );
            assert!(span.events.is_empty(), "{framework}: {span:#?}");
            let violations = semconv_violations(&[span]);
            assert!(
                violations.is_empty(),
                "{framework}: {}",
                violations.join("\n")
            );
        }

        let (status, _) = http_get(&service.url("/fail"), &[]);
        assert_eq!(status, 500, "{framework}");
        let failed = server_span(&receiver, framework, "GET /fail");
        assert_eq!(string(&failed, "http.route"), "/fail");
        assert_eq!(
            failed.status.code,
            StatusCode::Error,
            "{framework}: {failed:#?}"
        );
        if framework == "echo5" {
            let exception = failed
                .events
                .iter()
                .find(|e| e.name == "exception")
                .unwrap_or_else(|| panic!("{failed:#?}"));
            assert_eq!(
                exception.attributes.get("exception.message"),
                Some(&Value::String("handler failed".into()))
            );
        }

        assert_eq!(
            raw_get(service.addr, "/boom"),
            "",
            "{framework}: net/http closes the connection of a panicking handler"
        );
        let boom = server_span(&receiver, framework, "GET /boom");
        assert_eq!(
            boom.status.code,
            StatusCode::Error,
            "{framework}: {boom:#?}"
        );
        let exceptions: Vec<_> = boom
            .events
            .iter()
            .filter(|e| e.name == "exception")
            .collect();
        assert_eq!(
            exceptions.len(),
            1,
            "{framework}: one exception event, nested routers or not: {boom:#?}"
        );
        assert_eq!(
            exceptions[0].attributes.get("exception.message"),
            Some(&Value::String("boom".into()))
        );

        // The duration metric: one series a route, with http.route.
        let mut expected = vec![
            "/boom".to_string(),
            "/fail".to_string(),
            users.to_string(),
            items.to_string(),
        ];
        expected.sort();
        assert!(
            receiver
                .store()
                .wait_until(Duration::from_secs(30), |_| metric_routes(
                    &receiver, framework
                ) == expected),
            "{framework}: http.route of the duration data points: {:?}, want {expected:?}",
            metric_routes(&receiver, framework)
        );

        let (_, _, err) = service.stop();
        assert!(
            err.contains(": boom\n"),
            "{framework}: net/http logged the handler's own panic value:\n{err}"
        );
    }
}

/// The `http.route` values of the `http.server.request.duration` data points of `service`,
/// sorted, each once.
pub fn metric_routes(receiver: &BackgroundReceiver, service: &str) -> Vec<String> {
    let mut routes: Vec<String> = receiver
        .store()
        .metric_points()
        .iter()
        .filter(|p| p.name == "http.server.request.duration")
        .filter(|p| {
            p.resource.attributes.get("service.name") == Some(&Value::String(service.into()))
        })
        .filter_map(|p| match p.attributes.get("http.route") {
            Some(Value::String(r)) => Some(r.clone()),
            _ => None,
        })
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

#[test]
fn routers_newest_releases_name_span_and_metric_by_route() {
    check_routers(&App::copy("routers"));
}

/// The same with `oldest.mod`: echo v5.3.1, gorilla/mux v1.7.0, chi v5.0.0, the oldest releases
/// the rules claim.
#[test]
fn routers_oldest_supported_releases_name_span_and_metric_by_route() {
    let app = App::copy("routers");
    for (from, to) in [("oldest.mod", "go.mod"), ("oldest.sum", "go.sum")] {
        std::fs::copy(app.path().join(from), app.path().join(to)).unwrap();
    }
    check_routers(&app);
}
