//! Notification routes: which topics a severity notifies, and how an
//! environment or a service changes that. A severity names one topic or a
//! list; a route either replaces the topics it inherits (a topic or a list:
//! the single-topic form keeps meaning "replace") or adds to them
//! (`{ add: [...] }`), so "payment criticals page the payment team and the
//! general on-call" is written once, like Alertmanager's `continue: true`.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// One topic or several (keys of `topics`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Topics(pub Vec<String>);

impl Topics {
    /// The topic names, in the order written.
    pub fn names(&self) -> &[String] {
        &self.0
    }
}

struct TopicsVisitor;

impl<'de> Visitor<'de> for TopicsVisitor {
    type Value = Topics;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a topic name or a list of topic names")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Topics, E> {
        Ok(Topics(vec![v.to_string()]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Topics, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq.next_element::<String>()? {
            names.push(name);
        }
        if names.is_empty() {
            return Err(de::Error::invalid_length(0, &"at least one topic"));
        }
        Ok(Topics(names))
    }
}

impl<'de> Deserialize<'de> for Topics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Topics, D::Error> {
        d.deserialize_any(TopicsVisitor)
    }
}

impl JsonSchema for Topics {
    fn schema_name() -> Cow<'static, str> {
        "Topics".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A topic (a key of `topics`) or a list of topics.",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" }, "minItems": 1 }
            ]
        })
    }
}

/// How an environment or a service changes a severity's topics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Topics that replace the inherited ones (`None`: keep them).
    pub replace: Option<Topics>,
    /// Topics notified as well.
    pub add: Vec<String>,
}

impl Route {
    /// The topics after this route, given the inherited ones.
    pub fn apply(&self, inherited: &mut Vec<String>) {
        if let Some(r) = &self.replace {
            *inherited = r.0.clone();
        }
        for t in &self.add {
            if !inherited.contains(t) {
                inherited.push(t.clone());
            }
        }
    }

    /// Every topic the route names.
    pub fn topics(&self) -> impl Iterator<Item = &String> {
        self.replace
            .iter()
            .flat_map(|r| r.0.iter())
            .chain(self.add.iter())
    }
}

struct RouteVisitor;

impl<'de> Visitor<'de> for RouteVisitor {
    type Value = Route;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a topic, a list of topics, or `{ add: [...] }` / `{ replace: [...] }`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Route, E> {
        Ok(Route {
            replace: Some(Topics(vec![v.to_string()])),
            add: Vec::new(),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Route, A::Error> {
        Ok(Route {
            replace: Some(TopicsVisitor.visit_seq(seq)?),
            add: Vec::new(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Route, A::Error> {
        let mut route = Route::default();
        let mut any = false;
        while let Some(key) = map.next_key::<String>()? {
            any = true;
            match key.as_str() {
                "add" => route.add = map.next_value::<Topics>()?.0,
                "replace" => route.replace = Some(map.next_value::<Topics>()?),
                other => return Err(de::Error::unknown_field(other, &["add", "replace"])),
            }
        }
        if !any {
            return Err(de::Error::custom(
                "an empty route changes nothing: use `add:` or `replace:`",
            ));
        }
        Ok(route)
    }
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Route, D::Error> {
        d.deserialize_any(RouteVisitor)
    }
}

impl JsonSchema for Route {
    fn schema_name() -> Cow<'static, str> {
        "Route".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let topics = generator.subschema_for::<Topics>();
        json_schema!({
            "description": "A topic or a list of topics (replaces the severity's topics), or `{ add: [...] }` (notifies these as well) and/or `{ replace: [...] }`.",
            "anyOf": [
                { "type": "string", "description": "Replace the severity's topics with this one." },
                { "type": "array", "items": { "type": "string" }, "minItems": 1, "description": "Replace the severity's topics with these." },
                {
                    "type": "object",
                    "properties": { "add": topics, "replace": topics },
                    "additionalProperties": false,
                    "minProperties": 1
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(json: &str) -> Result<Route, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn a_single_topic_replaces_and_add_keeps_the_inherited_ones() {
        let mut topics = vec!["general".to_string()];
        route(r#""payments""#).unwrap().apply(&mut topics);
        assert_eq!(topics, ["payments"]);
        let mut topics = vec!["general".to_string()];
        route(r#"{"add": ["payments"]}"#)
            .unwrap()
            .apply(&mut topics);
        assert_eq!(topics, ["general", "payments"]);
        let mut topics = vec!["general".to_string()];
        route(r#"{"replace": "a", "add": "b"}"#)
            .unwrap()
            .apply(&mut topics);
        assert_eq!(topics, ["a", "b"]);
        let mut topics = vec!["general".to_string()];
        route(r#"["a", "b"]"#).unwrap().apply(&mut topics);
        assert_eq!(topics, ["a", "b"]);
        // Adding a topic already notified does not notify it twice.
        let mut topics = vec!["general".to_string()];
        route(r#"{"add": "general"}"#).unwrap().apply(&mut topics);
        assert_eq!(topics, ["general"]);
    }

    #[test]
    fn malformed_routes_say_what_is_expected() {
        assert!(route("{}").unwrap_err().to_string().contains("empty route"));
        assert!(
            route(r#"{"ad": "x"}"#)
                .unwrap_err()
                .to_string()
                .contains("add")
        );
        assert!(route("[]").is_err());
        assert!(route("3").unwrap_err().to_string().contains("a topic"));
    }
}
