//! The field-presence part of CRD validation rules (`x-kubernetes-validations`): rules built only
//! from `has(self.field)`, `!`, `&&`, `||` and parentheses are evaluated, as a custom JSON Schema
//! keyword; other CEL rules are not evaluated.

use jsonschema::paths::Location;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};

/// A presence rule: `has(self.chart) && !has(self.chartRef) || ...`.
#[derive(Debug, PartialEq)]
enum Rule {
    Has(String),
    Not(Box<Rule>),
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
}

impl Rule {
    fn holds(&self, object: &Value) -> bool {
        match self {
            Rule::Has(field) => object.get(field).is_some_and(|v| !v.is_null()),
            Rule::Not(rule) => !rule.holds(object),
            Rule::And(a, b) => a.holds(object) && b.holds(object),
            Rule::Or(a, b) => a.holds(object) || b.holds(object),
        }
    }
}

/// The `x-kubernetes-validations` keyword: the rules we can evaluate, with their messages.
struct PresenceRules(Vec<(Rule, String)>);

impl PresenceRules {
    fn failures<'r>(&'r self, instance: &'r Value) -> impl Iterator<Item = &'r String> {
        let applies = instance.is_object();
        self.0
            .iter()
            .filter(move |(rule, _)| applies && !rule.holds(instance))
            .map(|(_, message)| message)
    }
}

impl<'i> Keyword<'i> for PresenceRules {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match self.failures(instance).next() {
            Some(message) => Err(ValidationError::custom(message.clone())),
            None => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.failures(instance).next().is_none()
    }

    fn iter_errors(
        &self,
        instance: &'i Value,
    ) -> Box<dyn Iterator<Item = ValidationError<'i>> + 'i> {
        let errors: Vec<_> = self
            .failures(instance)
            .map(ValidationError::custom)
            .collect();
        Box::new(errors.into_iter())
    }
}

/// Keyword factory for `jsonschema::options().with_keyword("x-kubernetes-validations", ...)`.
pub fn presence_rules<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let entries = value.as_array().into_iter().flatten();
    let rules = entries
        .filter_map(|entry| {
            let text = entry["rule"].as_str()?;
            let rule = parse(text)?;
            let message = entry["message"].as_str().map_or_else(
                || format!("failed validation rule {text}"),
                |m| format!("{m} (rule: {text})"),
            );
            Some((rule, message))
        })
        .collect();
    Ok(Box::new(PresenceRules(rules)))
}

/// Parses a presence rule; `None` for anything else CEL can say.
fn parse(text: &str) -> Option<Rule> {
    let mut parser = Parser { rest: text };
    let rule = parser.or()?;
    parser.rest.trim().is_empty().then_some(rule)
}

struct Parser<'t> {
    rest: &'t str,
}

impl Parser<'_> {
    fn eat(&mut self, token: &str) -> bool {
        let trimmed = self.rest.trim_start();
        let found = trimmed.strip_prefix(token);
        self.rest = found.unwrap_or(trimmed);
        found.is_some()
    }

    fn or(&mut self) -> Option<Rule> {
        let mut rule = self.and()?;
        while self.eat("||") {
            rule = Rule::Or(Box::new(rule), Box::new(self.and()?));
        }
        Some(rule)
    }

    fn and(&mut self) -> Option<Rule> {
        let mut rule = self.unary()?;
        while self.eat("&&") {
            rule = Rule::And(Box::new(rule), Box::new(self.unary()?));
        }
        Some(rule)
    }

    fn unary(&mut self) -> Option<Rule> {
        if self.eat("!") {
            return Some(Rule::Not(Box::new(self.unary()?)));
        }
        if self.eat("has(self.") {
            let end = self.rest.find(')')?;
            let field = &self.rest[..end];
            let plain = field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            self.rest = &self.rest[end + 1..];
            return (plain && !field.is_empty()).then(|| Rule::Has(field.to_owned()));
        }
        if self.eat("(") {
            let rule = self.or()?;
            return self.eat(")").then_some(rule);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn presence_rules_parse_and_evaluate_like_cel() {
        let xor =
            "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))";
        let rule = parse(xor).unwrap();
        assert!(rule.holds(&json!({"chart": {}})));
        assert!(rule.holds(&json!({"chartRef": {}})));
        assert!(!rule.holds(&json!({"chart": {}, "chartRef": {}})));
        assert!(!rule.holds(&json!({})));
        assert_eq!(parse("has(self.a) || self.name != 'x'"), None);
        assert_eq!(
            parse("[has(self.a),has(self.b)].filter(x,x==true).size() == 1"),
            None
        );
    }
}
