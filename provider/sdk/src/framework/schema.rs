//! Declarative schemas: what Terraform may write in a block and how each attribute behaves.
//!
//! A resource declares its schema once; from it the framework derives the wire schema
//! (GetProviderSchema), the cty type used to decode every value, validation with attribute
//! paths, defaults, computed-value planning and forced replacement. Keeping all of that in one
//! declaration is what makes a new resource "one file and one line of registration".

use std::sync::Arc;

use globaldeploy_cty::{Type, Value};

use super::path::AttributePath;
use super::validators::{BlockValidator, Validator};

/// The schema of a resource, data source or provider configuration.
#[derive(Clone)]
pub struct Schema {
    /// Bumped whenever stored state changes shape; older states go through the resource's
    /// state upgrader.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// A version-0 schema.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// The same schema at `version`.
    #[must_use]
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}

/// A block: attributes plus nested blocks.
#[derive(Clone, Default)]
pub struct Block {
    /// Markdown description.
    pub description: String,
    /// Attributes in declaration order.
    pub attributes: Vec<Attribute>,
    /// Nested block types in declaration order.
    pub blocks: Vec<NestedBlock>,
    /// Checks across the attributes of one instance of this block.
    pub validators: Vec<Arc<dyn BlockValidator>>,
}

impl Block {
    /// An empty block described by `description` (markdown).
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            ..Self::default()
        }
    }

    /// Adds an attribute.
    #[must_use]
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds a nested block type.
    #[must_use]
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Adds a check across this block's attributes.
    #[must_use]
    pub fn validate(mut self, validator: impl BlockValidator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// The attribute named `name`.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested block type named `name`.
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// The cty object type of one instance of this block.
    pub fn cty_type(&self) -> Type {
        let attributes = self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone()));
        let blocks = self.blocks.iter().map(|b| (b.name.clone(), b.cty_type()));
        Type::object(attributes.chain(blocks))
    }
}

/// Whether Terraform requires, allows or computes an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Must be set in configuration.
    Required,
    /// May be set; null when not.
    Optional,
    /// Set by the provider only.
    Computed,
    /// May be set; the provider decides when not (defaults live here).
    OptionalComputed,
}

/// How the plan treats a computed attribute whose configuration is null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownPolicy {
    /// Unknown whenever the resource changes (the value may change with it).
    UnknownOnChange,
    /// Keep the prior value on update: it never changes once known (ids, creation times).
    UseStateForUnknown,
}

/// One attribute of a block.
#[derive(Clone)]
pub struct Attribute {
    /// Name, `[a-z0-9_]+`.
    pub name: String,
    /// cty type.
    pub ty: Type,
    /// Markdown description.
    pub description: String,
    /// Required, optional and/or computed.
    pub presence: Presence,
    /// Hidden in plan output and logs.
    pub sensitive: bool,
    /// A changed value replaces the resource instead of updating it.
    pub force_new: bool,
    /// Planned when the configuration leaves the attribute null.
    pub default: Option<Value>,
    /// How a computed value is planned.
    pub unknown_policy: UnknownPolicy,
    /// Shown by Terraform as deprecated, with this message.
    pub deprecated: Option<String>,
    /// Checks on the configured value (unknown values are never passed to them).
    pub validators: Vec<Arc<dyn Validator>>,
}

impl Attribute {
    fn new(name: &str, ty: Type, presence: Presence) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            description: String::new(),
            presence,
            sensitive: false,
            force_new: false,
            default: None,
            unknown_policy: UnknownPolicy::UnknownOnChange,
            deprecated: None,
            validators: Vec::new(),
        }
    }

    /// An attribute that must be configured.
    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Required)
    }

    /// An attribute that may be configured.
    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Optional)
    }

    /// An attribute only the provider sets.
    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, ty, Presence::Computed)
    }

    /// An optional attribute whose value, when not configured, is `default`.
    pub fn with_default(name: &str, ty: Type, default: impl Into<Value>) -> Self {
        Self {
            default: Some(default.into()),
            ..Self::new(name, ty, Presence::OptionalComputed)
        }
    }

    /// Sets the markdown description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Marks the value sensitive.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// A change of this attribute replaces the resource.
    #[must_use]
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }

    /// Keeps the prior value of this computed attribute on update.
    #[must_use]
    pub fn use_state_for_unknown(mut self) -> Self {
        self.unknown_policy = UnknownPolicy::UseStateForUnknown;
        self
    }

    /// Adds a check on the configured value.
    #[must_use]
    pub fn validate(mut self, validator: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// Marks the attribute deprecated.
    #[must_use]
    pub fn deprecated(mut self, message: impl Into<String>) -> Self {
        self.deprecated = Some(message.into());
        self
    }

    /// Whether the configuration may set this attribute.
    pub fn is_configurable(&self) -> bool {
        self.presence != Presence::Computed
    }

    /// Whether the provider may set this attribute.
    pub fn is_computed(&self) -> bool {
        matches!(self.presence, Presence::Computed | Presence::OptionalComputed)
    }
}

/// How instances of a nested block are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one instance; null when absent.
    Single,
    /// An ordered list of instances.
    List,
    /// An unordered set of instances, each identified by the value of its key attribute
    /// ([`NestedBlock::key`]): order in the configuration carries no meaning, and a change
    /// shows as a change of the one instance it concerns.
    Set,
}

/// A nested block type.
#[derive(Clone)]
pub struct NestedBlock {
    /// Block type name as written in configuration.
    pub name: String,
    /// How instances are collected.
    pub nesting: Nesting,
    /// Minimum number of instances (Terraform enforces it).
    pub min_items: i64,
    /// Maximum number of instances, 0 for no limit (Terraform enforces it).
    pub max_items: i64,
    /// A change inside this block replaces the resource.
    pub force_new: bool,
    /// For a set: the required attribute whose value identifies an instance. The plan pairs
    /// configured and planned instances by it, and diagnostics name an instance by it (set
    /// elements have no address on the wire).
    pub key: Option<String>,
    /// The block's contents.
    pub block: Block,
}

impl NestedBlock {
    fn new(name: &str, nesting: Nesting, block: Block) -> Self {
        Self {
            name: name.to_owned(),
            nesting,
            min_items: 0,
            max_items: 0,
            force_new: false,
            key: None,
            block,
        }
    }

    /// A block written at most once.
    pub fn single(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::Single, block)
    }

    /// A block written any number of times, in order.
    pub fn list(name: &str, block: Block) -> Self {
        Self::new(name, Nesting::List, block)
    }

    /// A block written any number of times, order irrelevant, each instance identified by its
    /// attribute `key` (required, unique among the instances).
    pub fn set(name: &str, key: &str, block: Block) -> Self {
        Self {
            key: Some(key.to_owned()),
            ..Self::new(name, Nesting::Set, block)
        }
    }

    /// The key of one instance of this set (`None` for other nestings, or while the key is
    /// unknown or null). Keys are strings.
    pub fn key_of(&self, instance: &Value) -> Option<String> {
        instance.get(self.key.as_deref()?)?.as_str().map(str::to_owned)
    }

    /// The path of one instance (of `instances`) of this block at `path` (the block's own
    /// path): an index into a list, the instance's key for a set (see
    /// [`AttributePath::element`]).
    pub fn instance_path(
        &self,
        path: &AttributePath,
        index: usize,
        instance: &Value,
        instances: usize,
    ) -> AttributePath {
        match (self.nesting, self.key_of(instance)) {
            (Nesting::Set, Some(key)) => path.element(self.key.as_deref().unwrap_or_default(), key, instances),
            (Nesting::Set, None) => path.clone(),
            _ => path.index(index),
        }
    }

    /// Bounds the number of instances.
    #[must_use]
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// A change inside this block replaces the resource.
    #[must_use]
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }

    /// The cty type of this block's value (object, or a collection of objects).
    pub fn cty_type(&self) -> Type {
        let object = self.block.cty_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List => Type::list(object),
            Nesting::Set => Type::set(object),
        }
    }

    /// The instances of this block in `value` (the block's own value, not its parent's).
    pub fn instances<'v>(&self, value: &'v Value) -> Vec<&'v Value> {
        match self.nesting {
            Nesting::Single if value.is_null() || !value.is_known() => Vec::new(),
            Nesting::Single => vec![value],
            Nesting::List | Nesting::Set => value.as_list().map(|items| items.iter().collect()).unwrap_or_default(),
        }
    }
}
