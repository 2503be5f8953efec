//! Evaluation of one module instance: its variables, locals (lazily, in whatever order they
//! refer to each other), resources and data sources (with `count`, `for_each` and `dynamic`
//! blocks), local child modules (one instance per `count` index or `for_each` key, addressed
//! `module.NAME[KEY]` as Terraform does) and outputs.
//!
//! Literals, conditionals and `for` expressions are evaluated here, element by element, so that
//! an unknown part of one element leaves the rest known; everything else by hcl-rs. Before that,
//! their references are resolved here, so a
//! reference to another resource yields that resource's planned values (what the [`Planner`]
//! makes of its configuration) and anything this crate cannot know becomes
//! [`Value::Unknown`]: computed attributes, functions hcl-rs does not provide, modules from
//! registries. Problems become diagnostics at the attribute's line; evaluation then goes on with
//! an unknown value, so one run reports every error.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use hcl::edit::expr::{Expression, ForExpr};
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::Span;
use hcl::eval::{ErrorKind, Evaluate};

use crate::diagnostic::{Diagnostic, Location, Severity, SourceFile};
use crate::files::{read_module, Declarations, Declared, Item, Mode, ResourceDecl};
use crate::references::{references, Reference, Step};
use crate::value::Value;
use crate::variables::{constant, mark};
use crate::{InstanceKey, Planner, Resource};

/// Names bound while evaluating one instance or block: `count`, `each`, `dynamic` and `for`
/// iterators.
type Env = BTreeMap<String, Bound>;

/// The value of a name in an [`Env`].
#[derive(Clone)]
struct Bound {
    value: Value,
    /// Drawn from a resource, data source or module (see [`Binding::external`]).
    external: bool,
}

/// Resource arguments that are Terraform's, not the resource type's.
const META_ARGUMENTS: &[&str] = &["count", "for_each", "provider", "depends_on"];
/// Resource blocks that are Terraform's, not the resource type's.
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
/// Module block arguments that are not input variables.
const MODULE_ARGUMENTS: &[&str] = &["source", "version", "count", "for_each", "providers", "depends_on"];

/// The most resource and module instances one load evaluates. Each is evaluated in full, so a
/// `count` of 10^15 would run for ever; far more than any configuration that is reviewed in a
/// pull request has.
pub(crate) const MAX_INSTANCES: u64 = 10_000;

/// What every module instance of one load shares.
pub(crate) struct Shared<'p> {
    pub planner: &'p dyn Planner,
    pub diagnostics: RefCell<Vec<Diagnostic>>,
    pub root_dir: PathBuf,
    /// Instances made by `count` and `for_each` so far, against [`MAX_INSTANCES`].
    pub instances: Cell<u64>,
}

/// A lazily computed value, `Evaluating` while it is (to catch cycles).
enum Slot<T> {
    Evaluating,
    Done(T),
}

/// A resolved reference: the binding for hcl-rs's context, and the value the static path
/// names (to tell whether it is known).
struct Binding {
    root: Value,
    value: Value,
    /// Refers to a resource, data source or module: missing attributes are unknown (computed),
    /// not errors.
    external: bool,
}

/// One module instance being evaluated.
pub(crate) struct Module<'p> {
    shared: &'p Shared<'p>,
    dir: PathBuf,
    /// Address prefix: "" for the root, "module.NAME." for a child.
    prefix: String,
    /// Shared by every instance of a module call with `count` or `for_each`.
    decls: Rc<Declarations>,
    variables: BTreeMap<String, Value>,
    locals: RefCell<BTreeMap<String, Slot<Value>>>,
    resources: RefCell<BTreeMap<(Mode, String, String), Slot<Value>>>,
    /// The instances of each module call; `None` when they are not followed.
    children: RefCell<BTreeMap<String, Slot<Option<Rc<Calls<'p>>>>>>,
    instances: RefCell<Vec<Resource>>,
}

impl<'p> Module<'p> {
    pub fn new(
        shared: &'p Shared<'p>,
        dir: PathBuf,
        prefix: String,
        decls: Rc<Declarations>,
        variables: BTreeMap<String, Value>,
    ) -> Module<'p> {
        Module {
            shared,
            dir,
            prefix,
            decls,
            variables,
            locals: RefCell::default(),
            resources: RefCell::default(),
            children: RefCell::default(),
            instances: RefCell::default(),
        }
    }

    fn diagnose(&self, severity: Severity, location: &Location, message: String) {
        self.shared.diagnostics.borrow_mut().push(Diagnostic {
            severity,
            location: Some(location.clone()),
            message,
        });
    }

    fn error(&self, location: &Location, message: String) -> Value {
        self.diagnose(Severity::Error, location, message);
        Value::Unknown
    }

    /// Evaluates every local, resource, child module and output, so that every error is found.
    pub fn evaluate_all(&self) {
        for name in self.decls.locals.keys() {
            self.local(name);
        }
        for decl in &self.decls.resources {
            self.resource(decl);
        }
        for name in self.decls.modules.keys() {
            if let Some(calls) = self.child(name) {
                calls.instances().for_each(|child| child.evaluate_all());
            }
        }
        for item in self.decls.outputs.values() {
            self.eval(&item.expr, &Env::new(), &item.location);
        }
    }

    /// Every resource instance of this module and its children, in evaluation order.
    pub fn all_resources(&self) -> Vec<Resource> {
        let mut out = self.instances.borrow().clone();
        for slot in self.children.borrow().values() {
            if let Slot::Done(Some(calls)) = slot {
                out.extend(calls.instances().flat_map(|child| child.all_resources()));
            }
        }
        out
    }

    fn local(&self, name: &str) -> Option<Value> {
        let item = self.decls.locals.get(name)?;
        match self.locals.borrow().get(name) {
            Some(Slot::Done(value)) => return Some(value.clone()),
            Some(Slot::Evaluating) => {
                return Some(self.error(
                    &item.location,
                    format!("local.{name} refers to itself (through a cycle)"),
                ))
            }
            None => {}
        }
        self.locals.borrow_mut().insert(name.to_owned(), Slot::Evaluating);
        let value = self.eval(&item.expr, &Env::new(), &item.location);
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), Slot::Done(value.clone()));
        Some(value)
    }

    /// The value a reference to the resource gets: its planned object; a list of them with
    /// `count`; a map of them with `for_each`.
    fn resource(&self, decl: &ResourceDecl) -> Value {
        let key = (decl.mode, decl.resource_type.clone(), decl.block.name.clone());
        match self.resources.borrow().get(&key) {
            Some(Slot::Done(value)) => return value.clone(),
            Some(Slot::Evaluating) => {
                return self.error(
                    &decl.block.location,
                    format!("{} refers to itself (through a cycle)", self.address(decl)),
                )
            }
            None => {}
        }
        self.resources.borrow_mut().insert(key.clone(), Slot::Evaluating);
        let value = self.expand(decl);
        self.resources.borrow_mut().insert(key, Slot::Done(value.clone()));
        value
    }

    fn address(&self, decl: &ResourceDecl) -> String {
        let data = if decl.mode == Mode::Data { "data." } else { "" };
        format!("{}{data}{}.{}", self.prefix, decl.resource_type, decl.block.name)
    }

    fn expand(&self, decl: &ResourceDecl) -> Value {
        let address = self.address(decl);
        match self.repetition(&decl.block.body, &decl.block.file, &address) {
            Repetition::One => self.instance(decl, &Env::new(), None),
            Repetition::Count(n) => Value::List(
                (0..n)
                    .map(|i| self.instance(decl, &count_env(i), Some(InstanceKey::Index(i))))
                    .collect(),
            ),
            Repetition::ForEach { items, external } => Value::Object(
                items
                    .into_iter()
                    .map(|(key, value)| {
                        let env = each_env(&key, value, external);
                        let planned = self.instance(decl, &env, Some(InstanceKey::Key(key.clone())));
                        (key, planned)
                    })
                    .collect(),
            ),
            Repetition::NotKnown => Value::Unknown,
        }
    }

    /// The instances the `count` or `for_each` of the block at `address` asks for. Unknown
    /// before apply is a warning, anything but a whole number, a map or a set of strings an
    /// error; both make no instances.
    fn repetition(&self, body: &Body, file: &SourceFile, address: &str) -> Repetition {
        if let Some(count) = body.get_attribute("count") {
            let at = file.at(count.span());
            return match self.eval(&count.value, &Env::new(), &at) {
                Value::Number(n) if n.as_u64().is_some() => {
                    let n = n.as_u64().unwrap_or_default();
                    if self.draw_instances(n, &at, address, "count") {
                        Repetition::Count(n)
                    } else {
                        Repetition::NotKnown
                    }
                }
                Value::Unknown => self.left_out(&at, address, "count"),
                Value::Sensitive(_) => self.sensitive_repetition(&at, address, "count"),
                other => {
                    self.error(
                        &at,
                        format!("count of {address} must be a whole number ≥ 0, found {other:?}"),
                    );
                    Repetition::NotKnown
                }
            };
        }
        let Some(for_each) = body.get_attribute("for_each") else {
            return Repetition::One;
        };
        let at = file.at(for_each.span());
        let external = self.refers_outside(&for_each.value, &Env::new());
        let repetition = match self.eval(&for_each.value, &Env::new(), &at) {
            // Keys become instance addresses, which Terraform shows: they cannot be secret.
            Value::Sensitive(_) => self.sensitive_repetition(&at, address, "for_each"),
            Value::List(items) if items.iter().any(|i| matches!(i, Value::Sensitive(_))) => {
                self.sensitive_repetition(&at, address, "for_each")
            }
            Value::Object(map) => Repetition::ForEach {
                items: map.into_iter().collect(),
                external,
            },
            Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => Repetition::ForEach {
                items: items
                    .into_iter()
                    .filter_map(|i| i.as_str().map(|s| (s.to_owned(), i.clone())))
                    .collect(),
                external,
            },
            Value::Unknown => self.left_out(&at, address, "for_each"),
            Value::List(items) if items.iter().any(Value::contains_unknown) => self.left_out(&at, address, "for_each"),
            other => {
                self.error(
                    &at,
                    format!("for_each of {address} must be a map or a set of strings, found {other:?}"),
                );
                Repetition::NotKnown
            }
        };
        match repetition {
            Repetition::ForEach { ref items, .. }
                if !self.draw_instances(items.len() as u64, &at, address, "for_each") =>
            {
                Repetition::NotKnown
            }
            repetition => repetition,
        }
    }

    /// Takes `n` instances of `address` from the load's [`MAX_INSTANCES`]; an error at `at`
    /// (and no instances) when they do not fit.
    fn draw_instances(&self, n: u64, at: &Location, address: &str, argument: &str) -> bool {
        let used = self.shared.instances.get();
        if n > MAX_INSTANCES - used {
            self.error(
                at,
                format!(
                    "the {argument} of {address} asks for {n} instances; a configuration is evaluated with at most \
                     {MAX_INSTANCES} resource and module instances ({used} already made)"
                ),
            );
            return false;
        }
        self.shared.instances.set(used + n);
        true
    }

    /// Terraform refuses a sensitive `count` or `for_each`; so does this crate.
    fn sensitive_repetition(&self, at: &Location, address: &str, argument: &str) -> Repetition {
        self.error(
            at,
            format!(
                "the {argument} of {address} is sensitive (or derived from a sensitive value); Terraform does not \
                 accept sensitive values as {argument} arguments"
            ),
        );
        Repetition::NotKnown
    }

    fn left_out(&self, at: &Location, address: &str, argument: &str) -> Repetition {
        self.diagnose(
            Severity::Warning,
            at,
            format!("the {argument} of {address} is not known before apply; its instances are left out"),
        );
        Repetition::NotKnown
    }

    fn instance(&self, decl: &ResourceDecl, env: &Env, key: Option<InstanceKey>) -> Value {
        let configured = self.eval_body(&decl.block.body, env, &decl.block.file, true);
        let planned = self.shared.planner.plan(decl.mode, &decl.resource_type, configured);
        let mut address = self.address(decl);
        if let Some(key) = &key {
            address.push_str(&key.to_string());
        }
        self.instances.borrow_mut().push(Resource {
            mode: decl.mode,
            resource_type: decl.resource_type.clone(),
            name: decl.block.name.clone(),
            module: self.prefix.trim_end_matches('.').to_owned(),
            key,
            address,
            values: planned.clone(),
            location: decl.block.location.clone(),
        });
        planned
    }

    /// A block body as an object: attributes by name, nested blocks as lists of objects under
    /// their type (as Terraform's JSON has them). `top` leaves out Terraform's meta-arguments.
    fn eval_body(&self, body: &Body, env: &Env, file: &SourceFile, top: bool) -> Value {
        let mut object = BTreeMap::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    if top && META_ARGUMENTS.contains(&key) {
                        continue;
                    }
                    let value = self.eval(&attr.value, env, &file.at(attr.span()));
                    object.insert(key.to_owned(), value);
                }
                Structure::Block(block) => {
                    let kind = block.ident.as_str();
                    if top && META_BLOCKS.contains(&kind) {
                        continue;
                    }
                    if kind == "dynamic" {
                        self.dynamic(block, env, file, &mut object);
                        continue;
                    }
                    let value = self.eval_body(&block.body, env, file, false);
                    push_block(&mut object, kind, value);
                }
            }
        }
        Value::Object(object)
    }

    /// A `dynamic "TYPE"` block: one TYPE block per element of `for_each`.
    fn dynamic(&self, block: &Block, env: &Env, file: &SourceFile, object: &mut BTreeMap<String, Value>) {
        let at = file.at(block.span());
        let Some(label) = block.labels.first() else {
            self.error(
                &at,
                "a dynamic block needs a label: the type of the blocks it makes".to_owned(),
            );
            return;
        };
        let kind = match label {
            hcl::edit::structure::BlockLabel::String(s) => s.value().clone(),
            hcl::edit::structure::BlockLabel::Ident(i) => i.as_str().to_owned(),
        };
        let (Some(for_each), Some(content)) = (
            block.body.get_attribute("for_each"),
            block.body.get_blocks("content").next(),
        ) else {
            self.error(
                &at,
                format!("dynamic {kind:?} needs a for_each argument and a content block"),
            );
            return;
        };
        let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
            None => kind.clone(),
            Some(Expression::Variable(name)) => name.as_str().to_owned(),
            Some(_) => {
                self.error(&at, format!("the iterator of dynamic {kind:?} must be a name"));
                return;
            }
        };
        let external = self.refers_outside(&for_each.value, env);
        let collection = self.eval(&for_each.value, env, &file.at(for_each.span()));
        // The blocks made from a sensitive collection are sensitive, each of them.
        let sensitive = matches!(collection, Value::Sensitive(_));
        let mark = |value: Value| if sensitive { Value::sensitive(value) } else { value };
        let items: Vec<(Value, Value)> = match collection.without_mark().clone() {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number((i as u64).into()), v))
                .collect(),
            Value::Object(map) => map.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Null => Vec::new(),
            Value::Unknown => {
                object.insert(kind, Value::Unknown);
                return;
            }
            other => {
                self.error(
                    &at,
                    format!("for_each of dynamic {kind:?} must be a list, set or map, found {other:?}"),
                );
                return;
            }
        };
        for (key, value) in items {
            let mut inner = env.clone();
            let bound = Bound {
                value: Value::object([("key", mark(key)), ("value", mark(value))]),
                external,
            };
            inner.insert(iterator.clone(), bound);
            let value = self.eval_body(&content.body, &inner, file, false);
            push_block(object, &kind, value);
        }
    }

    fn child(&self, name: &str) -> Option<Rc<Calls<'p>>> {
        match self.children.borrow().get(name) {
            Some(Slot::Done(calls)) => return calls.clone(),
            Some(Slot::Evaluating) => {
                let location = &self.decls.modules.get(name)?.location;
                self.error(location, format!("module {name:?} refers to itself (through a cycle)"));
                return None;
            }
            None => {}
        }
        let decl = self.decls.modules.get(name)?;
        self.children.borrow_mut().insert(name.to_owned(), Slot::Evaluating);
        let calls = self.call(decl).map(Rc::new);
        self.children
            .borrow_mut()
            .insert(name.to_owned(), Slot::Done(calls.clone()));
        calls
    }

    /// Loads a local child module and makes the instances its `module` block asks for (one,
    /// or one per `count` index or `for_each` key); `None` (its outputs unknown) for what this
    /// crate does not follow.
    fn call(&self, decl: &Declared) -> Option<Calls<'p>> {
        let name = &decl.name;
        let Some(source) = decl.body.get_attribute("source") else {
            self.error(&decl.location, format!("module {name:?} has no source"));
            return None;
        };
        let source = match constant(&source.value) {
            Ok(Value::String(source)) => source,
            _ => {
                self.error(
                    &decl.location,
                    format!("the source of module {name:?} must be a literal string"),
                );
                return None;
            }
        };
        if !(source.starts_with("./") || source.starts_with("../")) {
            self.diagnose(
                Severity::Warning,
                &decl.location,
                format!(
                    "module {name:?}: {source:?} is not a local directory; its resources are left out and its \
                     outputs are {}",
                    crate::UNKNOWN_TEXT
                ),
            );
            return None;
        }
        let dir = self.dir.join(&source);
        let mut diagnostics = Vec::new();
        let decls = read_module(&dir, &mut diagnostics);
        let unreadable = diagnostics.iter().any(|d| d.severity == Severity::Error);
        self.shared.diagnostics.borrow_mut().extend(diagnostics);
        if unreadable {
            // Its inputs cannot be checked against a module that does not load.
            return None;
        }
        let decls = Rc::new(decls);
        let address = format!("{}module.{name}", self.prefix);
        let make = |key: Option<InstanceKey>, env: &Env| {
            let prefix = match &key {
                Some(key) => format!("{address}{key}."),
                None => format!("{address}."),
            };
            let variables = self.inputs(decl, &source, &decls, env);
            Rc::new(Module::new(
                self.shared,
                dir.clone(),
                prefix,
                Rc::clone(&decls),
                variables,
            ))
        };
        Some(match self.repetition(&decl.body, &decl.file, &address) {
            Repetition::One => Calls::One(make(None, &Env::new())),
            Repetition::Count(n) => Calls::Count(
                (0..n)
                    .map(|i| make(Some(InstanceKey::Index(i)), &count_env(i)))
                    .collect(),
            ),
            Repetition::ForEach { items, external } => Calls::ForEach(
                items
                    .into_iter()
                    .map(|(key, value)| {
                        let env = each_env(&key, value, external);
                        let child = make(Some(InstanceKey::Key(key.clone())), &env);
                        (key, child)
                    })
                    .collect(),
            ),
            Repetition::NotKnown => return None,
        })
    }

    /// The input variables one instance of the module call `decl` gives the module `decls`
    /// (its arguments evaluated with `env`, then the variables' defaults).
    fn inputs(&self, decl: &Declared, source: &str, decls: &Declarations, env: &Env) -> BTreeMap<String, Value> {
        let name = &decl.name;
        let mut variables = BTreeMap::new();
        for attr in decl.body.attributes() {
            let key = attr.key.as_str();
            if MODULE_ARGUMENTS.contains(&key) {
                continue;
            }
            let at = decl.file.at(attr.span());
            let Some(variable) = decls.variables.get(key) else {
                self.error(&at, format!("module {name:?} ({source}) declares no variable {key:?}"));
                continue;
            };
            let value = self.eval(&attr.value, env, &at);
            match variable.ty.convert(value) {
                Ok(value) => {
                    variables.insert(key.to_owned(), mark(variable, value));
                }
                Err(e) => {
                    self.error(&at, format!("module {name:?} variable {key:?}: {e}"));
                }
            }
        }
        for (key, variable) in &decls.variables {
            if variables.contains_key(key) {
                continue;
            }
            let value = match &variable.default {
                Some(default) => constant(&default.expr)
                    .and_then(|v| variable.ty.convert(v))
                    .map(|v| mark(variable, v))
                    .unwrap_or_else(|e| self.error(&default.location, format!("variable {key:?}: {e}"))),
                None => self.error(
                    &decl.location,
                    format!("module {name:?} needs a value for its variable {key:?} (it has no default)"),
                ),
            };
            variables.insert(key.clone(), value);
        }
        variables
    }

    /// This module instance's outputs as an object: only `wanted` when a reference names one
    /// (an error, at `at`, if there is no such output), else all of them.
    fn outputs(&self, wanted: Option<&str>, at: &Location) -> Value {
        let value = |item: &Item| self.eval(&item.expr, &Env::new(), &item.location);
        match wanted {
            Some(name) => {
                let output = match self.decls.outputs.get(name) {
                    Some(item) => value(item),
                    None => {
                        let module = self.prefix.trim_end_matches('.');
                        self.error(at, format!("{module} has no output {name:?}"))
                    }
                };
                Value::object([(name, output)])
            }
            None => Value::Object(
                self.decls
                    .outputs
                    .iter()
                    .map(|(name, item)| (name.clone(), value(item)))
                    .collect(),
            ),
        }
    }

    /// The value `module.NAME` has in `reference`: the outputs of its one instance, a list of
    /// them (`count`) or a map by key (`for_each`), as far as the reference's static path
    /// needs them.
    fn module_value(&self, name: &str, reference: &Reference, at: &Location) -> Value {
        let Some(calls) = self.child(name) else {
            return Value::Unknown;
        };
        let address = format!("{}module.{name}", self.prefix);
        match (&*calls, reference.path.get(1)) {
            (Calls::One(child), _) => child.outputs(reference.key(1), at),
            (Calls::Count(children), Some(Step::Index(i))) if *i >= children.len() => self.error(
                at,
                format!("{address} has {} instances (count); there is no [{i}]", children.len()),
            ),
            (Calls::Count(_), Some(Step::Key(key))) => self.error(
                at,
                format!("{address} has count: refer to one instance as {address}[INDEX].{key}"),
            ),
            (Calls::Count(children), _) => Value::List(
                children
                    .iter()
                    .map(|child| child.outputs(reference.key(2), at))
                    .collect(),
            ),
            (Calls::ForEach(children), Some(Step::Key(key))) => match children.get(key) {
                Some(child) => Value::object([(key.as_str(), child.outputs(reference.key(2), at))]),
                None => self.error(at, format!("{address} has no instance [{key:?}] (for_each)")),
            },
            (Calls::ForEach(_), Some(Step::Index(i))) => self.error(
                at,
                format!("{address} has for_each: refer to one instance by its key, not [{i}]"),
            ),
            (Calls::ForEach(children), None) => Value::Object(
                children
                    .iter()
                    .map(|(key, child)| (key.clone(), child.outputs(None, at)))
                    .collect(),
            ),
        }
    }

    /// Evaluates an expression written at `at`.
    fn eval(&self, expr: &Expression, env: &Env, at: &Location) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => Value::List(items.iter().map(|e| self.eval(e, env, at)).collect()),
            Expression::Object(object) => {
                let mut out = BTreeMap::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        hcl::edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        hcl::edit::expr::ObjectKey::Expression(key) => match self.eval(key, env, at).unmarked() {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Unknown => return Value::Unknown,
                            other => return self.error(at, format!("an object key must be a string, found {other:?}")),
                        },
                    };
                    out.insert(key, self.eval(value.expr(), env, at));
                }
                Value::Object(out)
            }
            Expression::Parenthesis(inner) => self.eval(inner.inner(), env, at),
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, env, at);
                // Which branch was taken tells the secret: a sensitive condition marks the result.
                let sensitive = matches!(cond, Value::Sensitive(_));
                let result = match cond.without_mark() {
                    Value::Bool(true) => self.eval(&c.true_expr, env, at),
                    Value::Bool(false) => self.eval(&c.false_expr, env, at),
                    Value::Unknown => Value::Unknown,
                    other => return self.error(at, format!("a condition must be a bool, found {other:?}")),
                };
                if sensitive {
                    Value::sensitive(result)
                } else {
                    result
                }
            }
            Expression::FuncCall(call) if call.name.namespace.is_empty() && call.args.len() == 1 => {
                match call.name.name.as_str() {
                    "sensitive" => Value::sensitive(self.eval_args_first(call, env, at)),
                    "nonsensitive" => self.eval_args_first(call, env, at).unmarked(),
                    _ => self.eval_with_hcl(expr, env, at),
                }
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr, env, at),
            _ => self.eval_with_hcl(expr, env, at),
        }
    }

    /// Whether `expr` draws on a resource, data source or module (whose missing attributes are
    /// computed, not mistakes), directly or through an iterator bound in `env`.
    fn refers_outside(&self, expr: &Expression, env: &Env) -> bool {
        references(expr).iter().any(|reference| {
            let root = reference.root.as_str();
            match env.get(root) {
                Some(bound) => bound.external,
                None => {
                    matches!(root, "module" | "data")
                        || self
                            .decls
                            .resources
                            .iter()
                            .any(|d| d.mode == Mode::Managed && d.resource_type == root)
                }
            }
        })
    }

    /// A `for` expression, element by element, so that an unknown part of one element (a
    /// resource's computed `id`) leaves the others, and the collection's shape, known.
    fn eval_for(&self, for_expr: &ForExpr, env: &Env, at: &Location) -> Value {
        let intro = &for_expr.intro;
        let external = self.refers_outside(&intro.collection_expr, env);
        let collection = self.eval(&intro.collection_expr, env, at);
        if let Value::Sensitive(inner) = collection {
            // Over a sensitive collection even the result's shape tells: all of it is sensitive.
            return Value::sensitive(self.eval_for_over(for_expr, *inner, external, env, at));
        }
        self.eval_for_over(for_expr, collection, external, env, at)
    }

    /// [`Module::eval_for`] over the evaluated `collection`.
    fn eval_for_over(&self, for_expr: &ForExpr, collection: Value, external: bool, env: &Env, at: &Location) -> Value {
        let intro = &for_expr.intro;
        let items: Vec<(Value, Value)> = match collection {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number((i as u64).into()), v))
                .collect(),
            Value::Object(map) => map.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Unknown => return Value::Unknown,
            other => {
                return self.error(
                    at,
                    format!("a for expression iterates a list, set or map, found {other:?}"),
                )
            }
        };
        let mut list = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in items {
            let mut inner = env.clone();
            if let Some(key_var) = &intro.key_var {
                inner.insert(key_var.as_str().to_owned(), Bound { value: key, external });
            }
            inner.insert(intro.value_var.as_str().to_owned(), Bound { value, external });
            if let Some(cond) = &for_expr.cond {
                match self.eval(&cond.expr, &inner, at).unmarked() {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    // Which elements there are is not known.
                    Value::Unknown => return Value::Unknown,
                    other => return self.error(at, format!("a for expression's if must be a bool, found {other:?}")),
                }
            }
            let value = self.eval(&for_expr.value_expr, &inner, at);
            let Some(key_expr) = &for_expr.key_expr else {
                list.push(value);
                continue;
            };
            let key = match self.eval(key_expr, &inner, at).unmarked() {
                Value::String(key) => key,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Unknown => return Value::Unknown,
                other => return self.error(at, format!("a for expression's key must be a string, found {other:?}")),
            };
            if for_expr.grouping {
                push_block(&mut object, &key, value);
            } else if object.insert(key.clone(), value).is_some() {
                return self.error(
                    at,
                    format!("duplicate key {key:?} in a for expression (group them with `...`)"),
                );
            }
        }
        if for_expr.key_expr.is_some() {
            Value::Object(object)
        } else {
            Value::List(list)
        }
    }

    /// Everything else (templates, operators, functions, `for`, traversals) goes to hcl-rs,
    /// with the references it makes bound.
    fn eval_with_hcl(&self, expr: &Expression, env: &Env, at: &Location) -> Value {
        let mut bindings: BTreeMap<String, Value> = BTreeMap::new();
        let mut unknown = false;
        let mut external = false;
        // What the references name, with their sensitive marks (hcl-rs drops them).
        let mut marked: Vec<Value> = Vec::new();
        for reference in references(expr) {
            let Some(binding) = self.bind(&reference, env, at) else {
                continue;
            };
            unknown |= binding.value.contains_unknown();
            external |= binding.external;
            if binding.value.contains_sensitive() {
                marked.push(binding.value.clone());
            }
            match bindings.get_mut(&reference.root) {
                Some(existing) => merge(existing, binding.root),
                None => {
                    bindings.insert(reference.root.clone(), binding.root);
                }
            }
        }
        // A reference keeps the known parts of what it names; any other expression over an
        // unknown value is unknown as a whole.
        let traversal = matches!(expr, Expression::Traversal(_) | Expression::Variable(_));
        if unknown && !traversal {
            return Value::Unknown;
        }
        let mut context = hcl::eval::Context::new();
        crate::functions::declare(&mut context);
        for (name, value) in &bindings {
            context.declare_var(name.as_str(), value.to_hcl());
        }
        match hcl::Expression::from(expr.clone()).evaluate(&context) {
            Ok(value) => remark(Value::from_hcl(value), &marked, traversal),
            Err(e) => match e.kind() {
                ErrorKind::UndefinedFunc(name) => {
                    self.diagnose(
                        Severity::Warning,
                        at,
                        format!(
                            "function {name}() is not evaluated here; its result is {}",
                            crate::UNKNOWN_TEXT
                        ),
                    );
                    Value::Unknown
                }
                _ if unknown || external => Value::Unknown,
                ErrorKind::UndefinedVar(name) => self.error(
                    at,
                    format!("unknown reference {name:?}: not a variable, local, resource, data source or module"),
                ),
                // hcl-rs quotes the values it could not work with: not a sensitive one.
                _ if !marked.is_empty() => self.error(
                    at,
                    "this expression over a sensitive value does not evaluate (details withheld: they would show \
                     the value)"
                        .to_owned(),
                ),
                kind => self.error(at, kind.to_string()),
            },
        }
    }

    /// The one argument of `call`.
    fn eval_args_first(&self, call: &hcl::edit::expr::FuncCall, env: &Env, at: &Location) -> Value {
        match call.args.iter().next() {
            Some(arg) => self.eval(arg, env, at),
            None => Value::Null,
        }
    }

    /// Resolves a reference to the binding of its root; `None` for names this module does
    /// not define (iterators of `for` expressions, which hcl-rs binds).
    fn bind(&self, reference: &Reference, env: &Env, at: &Location) -> Option<Binding> {
        let root = reference.root.as_str();
        if let Some(bound) = env.get(root) {
            let value = bound.value.clone();
            return Some(if bound.external {
                external_binding(value, &reference.path)
            } else {
                internal(value, &reference.path)
            });
        }
        let member = reference.key(0);
        let single = |name: &str, value: Value| Value::object([(name, value)]);
        match root {
            "var" => {
                let Some(name) = member else {
                    return Some(internal(
                        Value::Object(self.variables.clone().into_iter().collect()),
                        &[],
                    ));
                };
                let value = match self.variables.get(name) {
                    Some(value) => value.clone(),
                    None => self.error(at, format!("reference to undeclared input variable var.{name}")),
                };
                Some(internal(single(name, value), &reference.path))
            }
            "local" => {
                let name = member?;
                let value = self
                    .local(name)
                    .unwrap_or_else(|| self.error(at, format!("reference to undeclared local value local.{name}")));
                Some(internal(single(name, value), &reference.path))
            }
            "path" => {
                let text = |p: &std::path::Path| Value::String(p.to_string_lossy().into_owned());
                let cwd = std::env::current_dir().unwrap_or_default();
                let value = Value::object([
                    ("module", text(&self.dir)),
                    ("root", text(&self.shared.root_dir)),
                    ("cwd", text(&cwd)),
                ]);
                Some(internal(value, &reference.path))
            }
            "terraform" => Some(internal(
                Value::object([("workspace", "default".into())]),
                &reference.path,
            )),
            "count" | "each" | "self" => Some(internal(
                self.error(at, format!("{root} is not available here")),
                &reference.path,
            )),
            "module" => {
                let name = member?;
                let value = if self.decls.modules.contains_key(name) {
                    self.module_value(name, reference, at)
                } else {
                    self.error(at, format!("reference to undeclared module module.{name}"))
                };
                Some(external_binding(single(name, value), &reference.path))
            }
            "data" => {
                let (Some(resource_type), Some(name)) = (member, reference.key(1)) else {
                    return Some(external_binding(Value::Unknown, &reference.path));
                };
                let value = match self.decls.resource(Mode::Data, resource_type, name) {
                    Some(decl) => self.resource(decl),
                    None => self.error(
                        at,
                        format!("reference to undeclared data source data.{resource_type}.{name}"),
                    ),
                };
                Some(external_binding(
                    single(resource_type, single(name, value)),
                    &reference.path,
                ))
            }
            resource_type => {
                let declared = |decl: &&ResourceDecl| decl.mode == Mode::Managed && decl.resource_type == resource_type;
                if !self.decls.resources.iter().any(|d| declared(&d)) {
                    return None;
                }
                let value = match member {
                    Some(name) => {
                        let value = match self.decls.resource(Mode::Managed, resource_type, name) {
                            Some(decl) => self.resource(decl),
                            None => self.error(at, format!("reference to undeclared resource {resource_type}.{name}")),
                        };
                        single(name, value)
                    }
                    None => Value::Object(
                        self.decls
                            .resources
                            .iter()
                            .filter(declared)
                            .map(|d| (d.block.name.clone(), self.resource(d)))
                            .collect(),
                    ),
                };
                Some(external_binding(value, &reference.path))
            }
        }
    }
}

/// The instances of one module call.
enum Calls<'p> {
    /// Neither `count` nor `for_each`.
    One(Rc<Module<'p>>),
    /// By `count.index`.
    Count(Vec<Rc<Module<'p>>>),
    /// By `each.key`.
    ForEach(BTreeMap<String, Rc<Module<'p>>>),
}

impl<'p> Calls<'p> {
    fn instances(&self) -> Box<dyn Iterator<Item = &Rc<Module<'p>>> + '_> {
        match self {
            Calls::One(child) => Box::new(std::iter::once(child)),
            Calls::Count(children) => Box::new(children.iter()),
            Calls::ForEach(children) => Box::new(children.values()),
        }
    }
}

/// What a block's `count` or `for_each` asks for.
enum Repetition {
    /// Neither: one instance without a key.
    One,
    /// `count = N`.
    Count(u64),
    /// `for_each`: the keys and `each.value`s, in key order; `external` as [`Bound::external`].
    ForEach {
        items: Vec<(String, Value)>,
        external: bool,
    },
    /// Not known before apply, or invalid: no instances.
    NotKnown,
}

/// The names an instance with `count` sees.
fn count_env(index: u64) -> Env {
    let value = Value::object([("index", Value::Number(index.into()))]);
    Env::from([("count".to_owned(), Bound { value, external: false })])
}

/// The names an instance with `for_each` sees; `external` when the `for_each` is drawn from
/// a resource, data source or module.
fn each_env(key: &str, value: Value, external: bool) -> Env {
    let value = Value::object([("key", Value::String(key.to_owned())), ("value", value)]);
    Env::from([("each".to_owned(), Bound { value, external })])
}

/// `result` of an expression over `marked` (the sensitive values its references name), marked
/// as Terraform marks it: a plain reference keeps each part's own mark, so a deployment that
/// refers to a wave with one sensitive URL hides that URL and not the whole wave; anything
/// computed from a sensitive value is sensitive as a whole.
fn remark(result: Value, marked: &[Value], traversal: bool) -> Value {
    match marked {
        [] => result,
        [value] if traversal => copy_marks(&result, value).unwrap_or_else(|| Value::sensitive(result)),
        _ => Value::sensitive(result),
    }
}

/// `plain` with the marks of `marked`, when both have the same shape (`None` when they do not:
/// the result is not just the value the reference names).
fn copy_marks(plain: &Value, marked: &Value) -> Option<Value> {
    match (plain, marked) {
        (_, Value::Sensitive(inner)) => copy_marks(plain, inner).map(Value::sensitive),
        (Value::List(items), Value::List(marks)) if items.len() == marks.len() => items
            .iter()
            .zip(marks)
            .map(|(item, mark)| copy_marks(item, mark))
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        (Value::Object(map), Value::Object(marks)) if map.len() == marks.len() => map
            .iter()
            .map(|(key, item)| Some((key.clone(), copy_marks(item, marks.get(key)?)?)))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(Value::Object),
        (plain, marked) if *plain == *marked => Some(plain.clone()),
        _ => None,
    }
}

fn internal(root: Value, path: &[Step]) -> Binding {
    Binding {
        value: lookup(&root, path, false),
        root,
        external: false,
    }
}

fn external_binding(root: Value, path: &[Step]) -> Binding {
    Binding {
        value: lookup(&root, path, true),
        root,
        external: true,
    }
}

/// The value at `path`; a missing attribute of something external is computed, so unknown.
fn lookup(value: &Value, path: &[Step], external: bool) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return value.clone();
    };
    let next = match (value, step) {
        (Value::Unknown, _) => return Value::Unknown,
        (Value::Sensitive(inner), _) => return Value::sensitive(lookup(inner, path, external)),
        (Value::Object(map), Step::Key(key)) => map.get(key),
        (Value::List(items), Step::Index(i)) => items.get(*i),
        _ => None,
    };
    match next {
        Some(next) => lookup(next, rest, external),
        None if external => Value::Unknown,
        None => Value::Null,
    }
}

/// Adds the members of `extra` to `into` (both bindings of the same root).
fn merge(into: &mut Value, extra: Value) {
    match (into, extra) {
        (Value::Object(into), Value::Object(extra)) => {
            for (key, value) in extra {
                match into.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        into.insert(key, value);
                    }
                }
            }
        }
        // `module.NAME[0].a` and `module.NAME[1].b` in one expression: each instance gets both.
        (Value::List(into), Value::List(extra)) if into.len() == extra.len() => {
            for (into, extra) in into.iter_mut().zip(extra) {
                merge(into, extra);
            }
        }
        (into, extra) => *into = extra,
    }
}

/// Appends a nested block's object to the list under its type (or a grouped `for` value to
/// the list under its key).
fn push_block(object: &mut BTreeMap<String, Value>, kind: &str, value: Value) {
    // An unknown dynamic block of the same type has made the whole list unknown.
    if let Value::List(items) = object.entry(kind.to_owned()).or_insert_with(|| Value::List(Vec::new())) {
        items.push(value);
    }
}
