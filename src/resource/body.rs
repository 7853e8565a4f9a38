//! A dashboard body held as compact canonical JSON text.
//!
//! A body is a few kilobytes of JSON; as a `serde_json::Value` tree it
//! takes several times that in small allocations (at 1000 services the
//! bodies were the largest part of `render`'s heap). The compiler and the
//! live reader build the tree once, canonicalize it and keep only its text;
//! the few readers that walk the widgets parse it again, and files are
//! written from the text by transcoding (no tree), byte for byte as the
//! tree would have been written.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::canonical::canonical;

/// A dashboard body in canonical form (keys sorted, integral floats as
/// integers; see [`canonical`]), as compact JSON text. Two bodies are
/// equal exactly when their canonical trees are.
#[derive(Clone, PartialEq, Eq)]
pub struct Body(Box<str>);

impl Body {
    /// The body of `value`, canonicalized.
    pub fn new(value: Value) -> Body {
        Body(canonical(value).to_string().into_boxed_str())
    }

    /// The body as a tree (parsed again: for readers that walk it).
    pub fn value(&self) -> Value {
        // The text was written from a `Value`, so it parses.
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// The compact canonical text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// Pretty JSON with two-space indent and a trailing newline, as
    /// [`super::canonical::to_pretty`] writes the tree.
    pub fn pretty(&self) -> String {
        let mut out = Vec::with_capacity(self.0.len() * 2);
        let mut ser = serde_json::Serializer::pretty(&mut out);
        // Writing to a Vec of text that parses cannot fail.
        if self.serialize(&mut ser).is_err() {
            out.clear();
        }
        let mut s = String::from_utf8(out).unwrap_or_default();
        s.push('\n');
        s
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::new(Value::Object(serde_json::Map::new()))
    }
}

impl From<Value> for Body {
    fn from(value: Value) -> Self {
        Body::new(value)
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut de = serde_json::Deserializer::from_str(&self.0);
        serde_transcode::transcode(&mut de, serializer)
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Body::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_is_canonical_and_written_as_the_tree_would_be() {
        let v = json!({"widgets": [{"y": 1.0, "x": -0.5, "type": "text",
            "properties": {"markdown": "a \"b\" \u{e9}\n", "z": [1e300, 2.5, 0.1]}}],
            "start": "-PT3H"});
        let body = Body::new(v.clone());
        assert_eq!(
            body.text(),
            r#"{"start":"-PT3H","widgets":[{"properties":{"markdown":"a \"b\" é\n","z":[1e+300,2.5,0.1]},"type":"text","x":-0.5,"y":1}]}"#
        );
        assert_eq!(
            body.pretty(),
            crate::resource::canonical::to_pretty(&canonical(v.clone()))
        );
        assert_eq!(body.value(), canonical(v.clone()));
        assert_eq!(serde_json::to_value(&body).unwrap(), canonical(v.clone()));
        let back: Body = serde_json::from_value(v).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn equal_trees_give_equal_bodies_whatever_their_key_order() {
        let a = Body::new(json!({"b": 1, "a": {"y": 2.0, "x": [3]}}));
        let b = Body::new(json!({"a": {"x": [3], "y": 2}, "b": 1.0}));
        assert_eq!(a, b);
        assert_ne!(a, Body::new(json!({"a": {"x": [3], "y": 2}, "b": 2})));
    }
}
