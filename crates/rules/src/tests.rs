//! Rule parsing: every accepted shape and every error a user can make, with the exact message.

use super::*;

fn parse(text: &str) -> Result<RuleFile, String> {
    let read = |rel: &str| match rel {
        "files/extra.go" => Ok("package http\n".to_string()),
        _ => Err("no such file".to_string()),
    };
    parse_rule_file("test.yaml", text, &read).map_err(|e| e.to_string())
}

#[test]
fn parses_every_rule_kind() {
    let file = parse(
        r#"
instrumentation: nethttp
hooks: autotel.dev/go/hooks/nethttp
rules:
  - target: net/http
    go: ">=1.23"
    function: {receiver: "*Transport", name: RoundTrip, enter: clientEnter, exit: clientExit}
  - target: main
    function: {name: main, enter: mainEnter}
  - target: runtime
    struct_field: {type: g, name: autotel_ctx, field_type: unsafe.Pointer}
  - target: net/http
    file: files/extra.go
  - target: github.com/gin-gonic/gin
    version: ">=1.7.0, <2"
    raw: {receiver: Engine, function: ServeHTTP, code: "_ = 1"}
"#,
    )
    .unwrap();
    assert_eq!(file.instrumentation, "nethttp");
    assert_eq!(file.rules.len(), 5);
    assert_eq!(
        file.rules[0].action,
        Action::Function(FunctionHook {
            function: FunctionRef { receiver: Some("Transport".into()), name: "RoundTrip".into() },
            enter: "clientEnter".into(),
            exit: Some("clientExit".into()),
        })
    );
    assert_eq!(file.rules[1].target, Target::MainPackages);
    assert_eq!(
        file.rules[2].action,
        Action::StructField(StructField {
            type_name: "g".into(),
            field: "autotel_ctx".into(),
            field_type: "unsafe.Pointer".into()
        })
    );
    assert_eq!(
        file.rules[3].action,
        Action::AddFile(AddedFile { path: "files/extra.go".into(), contents: "package http\n".into() })
    );
    let gin = &file.rules[4];
    let go = Version::parse("go1.26.8").unwrap();
    assert_eq!(gin.applies(&go, Some(&Version::parse("v1.9.1").unwrap())), Applicability::Tested);
    assert_eq!(gin.applies(&go, Some(&Version::parse("v1.6.3").unwrap())), Applicability::Refused);
    assert_eq!(file.rules[0].applies(&Version::parse("go1.22.5").unwrap(), None), Applicability::Refused);
}

#[test]
fn noescape_is_opt_in() {
    let rules = "rules:\n  - target: main\n    function: {name: main, enter: mainEnter}\n";
    let plain = parse(&format!("instrumentation: a\nhooks: example.com/h\n{rules}")).unwrap();
    assert!(!plain.noescape);
    let borrowed = parse(&format!("instrumentation: a\nhooks: example.com/h\nnoescape: true\n{rules}")).unwrap();
    assert!(borrowed.noescape);
}

#[test]
fn parses_requirements_groups_and_choices() {
    let file = parse(
        r#"
instrumentation: gls
hooks: autotel.dev/go/gls
rules:
  - target: runtime
    go: ">=1.23, <1.28"
    group: gls
    one_of: slot
    requires:
      types: [g]
      fields: [g.goid, m.curg]
      functions: ["getg", "newproc1(fn *funcval, callergp *g) *g", "(*conn).hijacked() bool"]
    struct_field: {type: g, name: autotel_gls, field_type: unsafe.Pointer}
"#,
    )
    .unwrap();
    let rule = &file.rules[0];
    assert_eq!(rule.group.as_deref(), Some("gls"));
    assert_eq!(rule.one_of.as_deref(), Some("slot"));
    assert_eq!(rule.requires.types, ["g"]);
    assert_eq!(rule.requires.fields[1], FieldRef { type_name: "m".into(), field: "curg".into() });
    let functions: Vec<String> = rule.requires.functions.iter().map(|f| f.to_string()).collect();
    assert_eq!(functions, ["getg", "newproc1(fn *funcval, callergp *g) *g", "(conn).hijacked() bool"]);
    assert_eq!(rule.requires.functions[0].signature, None);
    // Past the tested range, a rule with facts is left to them; one without is refused.
    assert_eq!(rule.applies(&Version::parse("go1.28rc1").unwrap(), None), Applicability::Untested);
    assert_eq!(rule.applies(&Version::parse("go1.27.4").unwrap(), None), Applicability::Tested);
    assert_eq!(rule.applies(&Version::parse("go1.22.12").unwrap(), None), Applicability::Refused);
    let bare = Rule { requires: Requirements::default(), ..rule.clone() };
    assert_eq!(bare.applies(&Version::parse("go1.28rc1").unwrap(), None), Applicability::Refused);
}

#[test]
fn rejects_malformed_requirements() {
    let header = "instrumentation: x\nhooks: a.b/c\nrules:\n  - target: os\n    function: {name: Exit, enter: e}\n";
    let cases = [
        ("    requires: {fields: [nodot]}\n", "test.yaml: rules[0]: `requires.fields` entries are `Type.field`, not `nodot`"),
        ("    requires: {functions: [\"(Recv.name\"]}\n",
         "test.yaml: rules[0]: `requires.functions` entries are `name` or `(Recv).name`, then optionally `(params) results`, not `(Recv.name`"),
        ("    requires: {types: [\"a b\"]}\n", "test.yaml: rules[0]: `requires.types` must be a Go identifier, not `a b`"),
        ("    group: \"x-y\"\n", "test.yaml: rules[0]: `group` must be a Go identifier, not `x-y`"),
    ];
    for (extra, expected) in cases {
        assert_eq!(parse(&format!("{header}{extra}")).unwrap_err(), expected);
    }
}

#[test]
fn rejects_unknown_keys_with_their_position() {
    let err = parse(
        "instrumentation: x\nhooks: a.b/c\nrules:\n  - target: net/http\n    function: {name: F, enter: e, exits: x}\n",
    )
    .unwrap_err();
    assert!(err.starts_with("test.yaml:5:35: rules[0].function: unknown field `exits`"), "{err}");
}

#[test]
fn rejects_rules_without_or_with_two_actions() {
    assert_eq!(
        parse("instrumentation: x\nhooks: a.b/c\nrules:\n  - target: net/http\n").unwrap_err(),
        "test.yaml: rules[0]: a rule needs one of `function`, `struct_field`, `file`, `raw` or `call`"
    );
    assert_eq!(
        parse("instrumentation: x\nhooks: a.b/c\nrules:\n  - target: os\n    file: files/extra.go\n    function: {name: Exit, enter: e}\n")
            .unwrap_err(),
        "test.yaml: rules[0]: a rule takes only one of `function`, `struct_field`, `file`, `raw` or `call`"
    );
}

#[test]
fn rejects_bad_values() {
    let header = "instrumentation: x\nhooks: a.b/c\nrules:\n";
    let cases = [
        ("  - target: os\n    go: \"~1\"\n    function: {name: Exit, enter: e}\n",
         "test.yaml: rules[0]: version range `~1`: `~1` must start with >=, >, <=, < or ="),
        ("  - target: os\n    function: {name: Exit, enter: \"bad-name\"}\n",
         "test.yaml: rules[0]: `function.enter` must be a Go identifier, not `bad-name`"),
        ("  - target: os\n    file: files/missing.go\n",
         "test.yaml: rules[0]: file `files/missing.go`: no such file"),
        ("  - target: \"/abs\"\n    file: files/extra.go\n",
         "test.yaml: rules[0]: `target` must be an import path or `main`, not `/abs`"),
        ("  - target: a.b/c\n    call: {function: f, callee: \"s.Handler(ctx)\", with: s.x}\n",
         "test.yaml: rules[0]: `call.callee` must be a name or a selector such as `s.Handler`, not `s.Handler(ctx)`"),
    ];
    for (rules, expected) in cases {
        assert_eq!(parse(&format!("{header}{rules}")).unwrap_err(), expected);
    }
    assert_eq!(parse("instrumentation: x\nhooks: a.b/c\nrules: []\n").unwrap_err(), "test.yaml: `rules` is empty");
    let err = parse("instrumentation: [\n").unwrap_err();
    assert!(err.starts_with("test.yaml:"), "{err}");
}

#[test]
fn embedded_catalogue_is_indexed_by_target() {
    let catalogue = Catalogue::embedded();
    let ids = catalogue.files_targeting("net/http");
    assert!(!ids.is_empty(), "the embedded catalogue instruments net/http");
    for id in ids {
        let file = catalogue.file(id);
        assert!(file.rules.iter().any(|r| r.target == Target::Package("net/http".into())));
    }
    assert!(catalogue.files_targeting("example.com/not/instrumented").is_empty());
    assert!(!catalogue.files_targeting("main").is_empty(), "main packages boot the SDK");
    // Every embedded file parses.
    for id in catalogue.all_files() {
        assert!(!catalogue.file(id).rules.is_empty());
    }
}

#[test]
fn user_rule_files_join_the_index_and_the_fingerprint() {
    let dir = std::env::temp_dir().join(format!("autotel-rules-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/add.go"), "package mylib\n").unwrap();
    let path = dir.join("mine.yaml");
    std::fs::write(
        &path,
        "instrumentation: mine\nhooks: example.com/app/hooks\nrules:\n  - target: example.com/app/mylib\n    file: files/add.go\n",
    )
    .unwrap();
    let catalogue = Catalogue::with_user_files(std::slice::from_ref(&path)).unwrap();
    assert_eq!(catalogue.files_targeting("example.com/app/mylib"), vec![FileId::User(0)]);
    assert_ne!(catalogue.fingerprint(), Catalogue::embedded().fingerprint());
    // A copy elsewhere keys the same archives; an edit does not.
    std::fs::create_dir_all(dir.join("copy/files")).unwrap();
    std::fs::copy(dir.join("files/add.go"), dir.join("copy/files/add.go")).unwrap();
    let copy = dir.join("copy/mine.yaml");
    std::fs::copy(&path, &copy).unwrap();
    assert_eq!(Catalogue::with_user_files(std::slice::from_ref(&copy)).unwrap().fingerprint(), catalogue.fingerprint());
    std::fs::write(dir.join("copy/files/add.go"), "package mylib\n\nvar Added = 1\n").unwrap();
    assert_ne!(Catalogue::with_user_files(std::slice::from_ref(&copy)).unwrap().fingerprint(), catalogue.fingerprint());
    std::fs::write(&path, "instrumentation: mine\nhooks: example.com/app/hooks\nrules: [\n").unwrap();
    let err = Catalogue::with_user_files(std::slice::from_ref(&path)).err().unwrap().to_string();
    assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn parses_a_call_site_rule() {
    let file = parse_rule_file(
        "test.yaml",
        "instrumentation: x\nhooks: a.b/c\nrules:\n  - target: a.b/d\n    call: {receiver: Server, function: serveConn, callee: s.Handler, with: s.autotelServe}\n",
        &|_| Err("no files".into()),
    )
    .unwrap();
    assert_eq!(
        file.rules[0].action,
        Action::Call(CallSite {
            function: FunctionRef { receiver: Some("Server".into()), name: "serveConn".into() },
            callee: "s.Handler".into(),
            replacement: "s.autotelServe".into(),
        })
    );
}
