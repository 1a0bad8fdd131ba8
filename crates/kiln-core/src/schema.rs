//! The shape of provider resource types: attributes and nested blocks.
//!
//! Providers declare schemas; the configuration validator checks resource bodies against
//! them (unknown arguments, missing required ones, wrong types) and the engine diffs
//! planned values with them (which attributes force replacement, which are sensitive).

use std::collections::BTreeMap;

use crate::lang::Type;

/// One attribute of a resource type or block.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider (possibly after apply); "known after apply" until then.
    pub computed: bool,
    /// A change to it replaces the object instead of updating it in place.
    pub force_new: bool,
    pub sensitive: bool,
    pub description: &'static str,
}

impl AttrSchema {
    pub fn required(ty: Type) -> AttrSchema {
        AttrSchema {
            ty,
            required: true,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
            description: "",
        }
    }

    pub fn optional(ty: Type) -> AttrSchema {
        AttrSchema {
            required: false,
            optional: true,
            ..AttrSchema::required(ty)
        }
    }

    /// Set only by the provider.
    pub fn computed(ty: Type) -> AttrSchema {
        AttrSchema {
            required: false,
            computed: true,
            ..AttrSchema::required(ty)
        }
    }

    /// Optional in configuration, computed by the provider when left out.
    pub fn optional_computed(ty: Type) -> AttrSchema {
        AttrSchema {
            computed: true,
            ..AttrSchema::optional(ty)
        }
    }

    pub fn force_new(mut self) -> AttrSchema {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> AttrSchema {
        self.sensitive = true;
        self
    }

    pub fn describe(mut self, text: &'static str) -> AttrSchema {
        self.description = text;
        self
    }

    /// May appear in configuration.
    pub fn settable(&self) -> bool {
        self.required || self.optional
    }
}

/// How repeated nested blocks are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; its value is an object (or null).
    Single,
    /// Any number, in order; a list of objects.
    List,
    /// Any number, unordered; a set of objects.
    Set,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BlockSchema {
    pub nesting: Nesting,
    pub min_items: usize,
    pub max_items: Option<usize>,
    pub body: Schema,
    pub force_new: bool,
}

impl BlockSchema {
    pub fn new(nesting: Nesting, body: Schema) -> BlockSchema {
        BlockSchema {
            nesting,
            min_items: 0,
            max_items: if nesting == Nesting::Single {
                Some(1)
            } else {
                None
            },
            body,
            force_new: false,
        }
    }

    pub fn min(mut self, n: usize) -> BlockSchema {
        self.min_items = n;
        self
    }

    pub fn force_new(mut self) -> BlockSchema {
        self.force_new = true;
        self
    }
}

/// The body of a resource type, data source, provider configuration or nested block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub attributes: BTreeMap<String, AttrSchema>,
    pub blocks: BTreeMap<String, BlockSchema>,
}

impl Schema {
    pub fn new() -> Schema {
        Schema::default()
    }

    pub fn attr(mut self, name: &str, attr: AttrSchema) -> Schema {
        self.attributes.insert(name.to_string(), attr);
        self
    }

    pub fn block(mut self, name: &str, block: BlockSchema) -> Schema {
        self.blocks.insert(name.to_string(), block);
        self
    }

    /// The object type of a value of this body.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(k, a)| (k.clone(), a.ty.clone()))
            .collect();
        for (k, b) in &self.blocks {
            let obj = b.body.value_type();
            let ty = match b.nesting {
                Nesting::Single => obj,
                Nesting::List => Type::List(Box::new(obj)),
                Nesting::Set => Type::Set(Box::new(obj)),
            };
            attrs.insert(k.clone(), ty);
        }
        Type::object(attrs)
    }
}

/// What kind of object a resource type manages; images get `communicator` and
/// `provisioner` blocks and a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Plain,
    Image,
    Instance,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    pub kind: ResourceKind,
    pub body: Schema,
    pub description: &'static str,
}

/// Everything a provider declares about itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderSchema {
    /// The local name: "local", "qemu", "aws"; resource type names start with it and `_`.
    pub name: String,
    /// The `provider "name" { … }` block.
    pub config: Schema,
    pub resources: BTreeMap<String, ResourceSchema>,
    pub data_sources: BTreeMap<String, ResourceSchema>,
}

/// The schemas of every provider this build of Kiln knows.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    pub providers: BTreeMap<String, ProviderSchema>,
}

impl Schemas {
    pub fn new() -> Schemas {
        Schemas::default()
    }

    pub fn add(&mut self, p: ProviderSchema) {
        self.providers.insert(p.name.clone(), p);
    }

    /// The provider a resource type name implies: the longest provider name that prefixes
    /// it followed by `_` (`local_file` → `local`).
    pub fn provider_for_type(&self, type_name: &str) -> Option<&ProviderSchema> {
        self.providers
            .values()
            .filter(|p| {
                type_name.len() > p.name.len()
                    && type_name.starts_with(&p.name)
                    && type_name.as_bytes()[p.name.len()] == b'_'
            })
            .max_by_key(|p| p.name.len())
    }

    pub fn resource(&self, type_name: &str) -> Option<&ResourceSchema> {
        self.provider_for_type(type_name)?.resources.get(type_name)
    }

    pub fn data_source(&self, type_name: &str) -> Option<&ResourceSchema> {
        self.provider_for_type(type_name)?
            .data_sources
            .get(type_name)
    }

    pub fn all_resource_types(&self) -> impl Iterator<Item = &str> {
        self.providers
            .values()
            .flat_map(|p| p.resources.keys().map(String::as_str))
    }

    pub fn all_data_types(&self) -> impl Iterator<Item = &str> {
        self.providers
            .values()
            .flat_map(|p| p.data_sources.keys().map(String::as_str))
    }
}
