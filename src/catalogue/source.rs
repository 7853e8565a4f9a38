//! Reading one YAML file into a JSON tree plus a map from every node's path to
//! its `line:column`, so that later stages can report problems at the exact
//! place a value was written.
//!
//! The YAML is parsed once by serde-saphyr with a strict budget (alias bombs
//! fail fast). Each top-level item is then deserialized on its own from the
//! JSON tree, so one bad item does not hide the problems of the others.
//!
//! Nothing here may panic on any input (`tests/it/fuzz.rs`).
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]

use crate::diagnostic::{Pos, escape};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// Deepest nesting of mappings and sequences a catalogue file may use (the
/// shipped catalogues need 9).
pub const MAX_DEPTH: usize = 32;

/// Stack of the parsing thread: room for [`MAX_DEPTH`] levels many times over.
const PARSE_STACK: usize = 32 * 1024 * 1024;

/// A parsed catalogue file: its JSON tree and where each node was written.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (relative to the working directory).
    pub path: PathBuf,
    /// The document as JSON.
    pub value: Value,
    /// JSON pointer → position of the value.
    values: HashMap<String, Pos>,
    /// JSON pointer → position of the mapping key that holds the value.
    keys: HashMap<String, Pos>,
}

/// Why a file could not be parsed at all.
#[derive(Debug, Clone)]
pub struct ParseFailure {
    /// Where, when known.
    pub pos: Pos,
    /// serde-saphyr's message, first line only.
    pub message: String,
}

impl SourceFile {
    /// Parses YAML text. Non-string mapping keys are converted to strings.
    ///
    /// No input can overflow the stack: nesting is bounded ([`MAX_DEPTH`]),
    /// and parsing runs on its own thread with a stack sized for that bound
    /// ([`PARSE_STACK`]), whatever thread calls it (test threads have 2 MB;
    /// a debug build of the YAML deserializer needs ~35 kB per level).
    pub fn parse(path: PathBuf, text: &str) -> Result<SourceFile, ParseFailure> {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("yaml".into())
                .stack_size(PARSE_STACK)
                .spawn_scoped(scope, || Self::parse_here(path.clone(), text))
                .ok()
                .and_then(|handle| handle.join().ok())
                .unwrap_or_else(|| Self::parse_here(path.clone(), text))
        })
    }

    fn parse_here(path: PathBuf, text: &str) -> Result<SourceFile, ParseFailure> {
        let mut options = serde_saphyr::Options::default();
        options.with_snippet = false;
        if let Some(budget) = options.budget.as_mut() {
            budget.max_nodes = 100_000;
            budget.max_aliases = 1_000;
            budget.max_depth = MAX_DEPTH;
        }
        options.alias_limits.max_total_replayed_events = 100_000;
        let root: Spanned<Node> =
            serde_saphyr::from_str_with_options(text, options).map_err(|e| ParseFailure {
                pos: e
                    .location()
                    .map(|l| Pos {
                        line: l.line(),
                        column: l.column(),
                    })
                    .unwrap_or(Pos { line: 1, column: 1 }),
                message: first_line(&e.to_string()),
            })?;
        let mut file = SourceFile {
            path,
            value: Value::Null,
            values: HashMap::new(),
            keys: HashMap::new(),
        };
        file.value = file.convert(String::new(), root);
        Ok(file)
    }

    fn convert(&mut self, pointer: String, node: Spanned<Node>) -> Value {
        self.values
            .insert(pointer.clone(), pos_of(&node.referenced));
        match node.value {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Int(i) => Value::Number(i.into()),
            Node::Float(f) => Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Node::Str(s) => Value::String(s),
            Node::Seq(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| self.convert(format!("{pointer}/{i}"), item))
                    .collect(),
            ),
            Node::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    let key_name = key.value.0;
                    let child = format!("{pointer}/{}", escape(&key_name));
                    self.keys.insert(child.clone(), pos_of(&key.referenced));
                    let v = self.convert(child, value);
                    map.insert(key_name, v);
                }
                Value::Object(map)
            }
        }
    }

    /// Position of the value at `pointer`, or of its nearest ancestor.
    pub fn value_pos(&self, pointer: &str) -> Pos {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return *pos;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Pos { line: 1, column: 1 },
            }
        }
    }

    /// Position of the key that holds `pointer`, falling back to the value.
    pub fn key_pos(&self, pointer: &str) -> Pos {
        self.keys
            .get(pointer)
            .copied()
            .unwrap_or_else(|| self.value_pos(pointer))
    }
}

fn pos_of(l: &serde_saphyr::Location) -> Pos {
    Pos {
        line: l.line(),
        column: l.column(),
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s);
    // serde-saphyr prefixes "error: line N column M: "; the position is shown separately.
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest.to_string(),
        _ => line.to_string(),
    }
}

/// A YAML node with the position of each child.
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Key>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key: any scalar, kept as a string.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

impl std::ops::Deref for Key {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}
