//! The tfplugin5 service driven in-process, RPC by RPC, with a small test provider: panics
//! become diagnostics, paths reach the wire, state upgrades run, plans fill computed values.

use async_trait::async_trait;
use globaldeploy_cty::{msgpack, Type, Value};
use globaldeploy_sdk::framework::validators;
use globaldeploy_sdk::server::ProviderService;
use globaldeploy_sdk::{Attribute, Block, Context, Diagnostics, Provider, Resource, Schema};
use globaldeploy_tfplugin5::tfplugin5 as pb;
use pb::provider_server::Provider as _;
use tonic::Request;

struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    type Client = String;

    fn schema(&self) -> Schema {
        Schema::new(Block::new("test provider").attribute(Attribute::optional("greeting", Type::String)))
    }

    async fn configure(&self, config: &Value, _tf: &str, _diags: &mut Diagnostics) -> Option<String> {
        Some(
            config
                .get("greeting")
                .and_then(Value::as_str)
                .unwrap_or("hello")
                .to_owned(),
        )
    }

    fn resources(&self) -> Vec<Box<dyn Resource<String>>> {
        vec![Box::new(Thing)]
    }
}

struct Thing;

fn thing_type() -> Type {
    Thing.schema().block.cty_type()
}

#[async_trait]
impl Resource<String> for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("a thing")
                .attribute(Attribute::computed("id", Type::String).use_state_for_unknown())
                .attribute(Attribute::required("name", Type::String).validate(validators::not_empty()))
                .attribute(Attribute::with_default("size", Type::Number, Value::int(3))),
        )
        .version(2)
    }

    async fn create(&self, ctx: &Context<String>, planned: &Value, diags: &mut Diagnostics) -> Value {
        let greeting = match ctx.client() {
            Ok(greeting) => greeting.clone(),
            Err(diagnostic) => {
                diags.push(diagnostic);
                return Value::Null;
            }
        };
        if planned.get("name").and_then(Value::as_str) == Some("panic") {
            panic!("the thing refused to be created");
        }
        let mut state = planned.clone();
        state
            .set("id", Value::string(format!("{greeting}-1")))
            .expect("a planned resource is an object");
        state
    }

    async fn read(&self, _ctx: &Context<String>, state: &Value, _diags: &mut Diagnostics) -> Option<Value> {
        (state.get("name").and_then(Value::as_str) != Some("gone")).then(|| state.clone())
    }

    async fn update(&self, _ctx: &Context<String>, _prior: &Value, planned: &Value, _diags: &mut Diagnostics) -> Value {
        planned.clone()
    }

    async fn delete(&self, _ctx: &Context<String>, _prior: &Value, _diags: &mut Diagnostics) {}

    fn upgrade_state(
        &self,
        from_version: i64,
        mut state: serde_json::Value,
        _diags: &mut Diagnostics,
    ) -> Option<serde_json::Value> {
        // Version 1 called the attribute `title`.
        assert_eq!(from_version, 1);
        let title = state["title"].take();
        state["name"] = title;
        Some(state)
    }
}

fn dynamic(value: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, &thing_type()).expect("encodes"),
        json: Vec::new(),
    })
}

fn decode(value: Option<pb::DynamicValue>) -> Value {
    msgpack::decode(&value.expect("a value").msgpack, &thing_type()).expect("decodes")
}

fn thing(id: Value, name: &str, size: Value) -> Value {
    Value::object([("id", id), ("name", Value::string(name)), ("size", size)])
}

async fn configured() -> ProviderService<TestProvider> {
    let service = ProviderService::new(TestProvider);
    let config = Value::object([("greeting", Value::string("hi"))]);
    let ty = TestProvider.schema().block.cty_type();
    let request = pb::configure::Request {
        config: Some(pb::DynamicValue {
            msgpack: msgpack::encode(&config, &ty).expect("encodes"),
            json: Vec::new(),
        }),
        ..Default::default()
    };
    let response = service
        .configure(Request::new(request))
        .await
        .expect("rpc")
        .into_inner();
    assert!(response.diagnostics.is_empty(), "{:?}", response.diagnostics);
    service
}

#[tokio::test]
async fn a_panic_in_a_handler_is_an_error_diagnostic_not_a_broken_rpc() {
    let service = configured().await;
    let planned = thing(Value::Unknown, "panic", Value::int(3));
    let request = pb::apply_resource_change::Request {
        type_name: "test_thing".into(),
        prior_state: dynamic(&Value::Null),
        planned_state: dynamic(&planned),
        config: dynamic(&thing(Value::Null, "panic", Value::Null)),
        ..Default::default()
    };
    let response = service
        .apply_resource_change(Request::new(request))
        .await
        .expect("the RPC itself succeeds")
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1);
    let diagnostic = &response.diagnostics[0];
    assert_eq!(diagnostic.severity, pb::diagnostic::Severity::Error as i32);
    assert!(
        diagnostic
            .detail
            .contains("ApplyResourceChange: the thing refused to be created"),
        "{}",
        diagnostic.detail
    );
}

#[tokio::test]
async fn plan_fills_defaults_and_unknown_computed_values_then_apply_fills_them() {
    let service = configured().await;
    let config = thing(Value::Null, "a", Value::Null);
    let plan = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(&Value::Null),
            proposed_new_state: dynamic(&config),
            config: dynamic(&config),
            ..Default::default()
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(plan.diagnostics.is_empty());
    let planned = decode(plan.planned_state);
    assert_eq!(planned, thing(Value::Unknown, "a", Value::int(3)));

    let apply = service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(&Value::Null),
            planned_state: dynamic(&planned),
            config: dynamic(&config),
            ..Default::default()
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(apply.diagnostics.is_empty(), "{:?}", apply.diagnostics);
    assert_eq!(
        decode(apply.new_state),
        thing(Value::string("hi-1"), "a", Value::int(3))
    );
}

#[tokio::test]
async fn validation_errors_carry_the_attribute_path() {
    let service = ProviderService::new(TestProvider);
    let response = service
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "test_thing".into(),
            config: dynamic(&thing(Value::Null, "", Value::Null)),
            ..Default::default()
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1);
    let path = response.diagnostics[0].attribute.as_ref().expect("a path");
    assert_eq!(
        path.steps,
        vec![pb::attribute_path::Step {
            selector: Some(pb::attribute_path::step::Selector::AttributeName("name".into()))
        }]
    );
}

#[tokio::test]
async fn unknown_values_are_never_validated() {
    let service = ProviderService::new(TestProvider);
    let response = service
        .validate_resource_type_config(Request::new(pb::validate_resource_type_config::Request {
            type_name: "test_thing".into(),
            config: dynamic(&Value::object([
                ("id", Value::Null),
                ("name", Value::Unknown),
                ("size", Value::Null),
            ])),
            ..Default::default()
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(response.diagnostics.is_empty());
}

async fn upgrade(
    service: &ProviderService<TestProvider>,
    version: i64,
    json: &str,
) -> pb::upgrade_resource_state::Response {
    service
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version,
            raw_state: Some(pb::RawState {
                json: json.as_bytes().to_vec(),
                ..Default::default()
            }),
        }))
        .await
        .expect("rpc")
        .into_inner()
}

#[tokio::test]
async fn state_upgrades_run_for_old_versions_and_pass_through_current_ones() {
    let service = ProviderService::new(TestProvider);
    let current = upgrade(&service, 2, r#"{"id":"x","name":"a","size":3,"removed_later":true}"#).await;
    assert!(current.diagnostics.is_empty());
    assert_eq!(
        decode(current.upgraded_state),
        thing(Value::string("x"), "a", Value::int(3))
    );

    let old = upgrade(&service, 1, r#"{"id":"x","title":"from-v1","size":4}"#).await;
    assert!(old.diagnostics.is_empty(), "{:?}", old.diagnostics);
    assert_eq!(
        decode(old.upgraded_state),
        thing(Value::string("x"), "from-v1", Value::int(4))
    );

    let newer = upgrade(&service, 3, r#"{"id":"x"}"#).await;
    assert!(newer.diagnostics[0].summary.contains("newer provider"));
}

#[tokio::test]
async fn read_of_a_deleted_object_returns_null_state() {
    let service = configured().await;
    let response = service
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dynamic(&thing(Value::string("x"), "gone", Value::int(3))),
            ..Default::default()
        }))
        .await
        .expect("rpc")
        .into_inner();
    assert!(decode(response.new_state).is_null());
}

#[tokio::test]
async fn schema_is_markdown_and_announces_capabilities() {
    let service = ProviderService::new(TestProvider);
    let response = service
        .get_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .expect("rpc")
        .into_inner();
    let thing = &response.resource_schemas["test_thing"];
    assert_eq!(thing.version, 2);
    let block = thing.block.as_ref().expect("block");
    assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
    let size = block.attributes.iter().find(|a| a.name == "size").expect("size");
    assert!(size.optional && size.computed && !size.required);
    assert_eq!(size.r#type, b"\"number\"");
    let capabilities = response.server_capabilities.expect("capabilities");
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
}
