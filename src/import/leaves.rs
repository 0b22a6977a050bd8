//! Chart values as leaves: every scalar (and every empty map or list) with its path, so two value trees can be
//! compared one leaf at a time and a leaf can be taken out of, or put back into, a tree.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// One step of a path into chart values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A path into chart values, shown as `singleuser.profileList[0].slug` (keys with dots as `["a.b"]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// A path of keys: `Path::keys(&["hub", "db", "type"])`.
    pub fn keys(keys: &[&str]) -> Path {
        Path(keys.iter().map(|k| Step::Key((*k).to_owned())).collect())
    }

    /// This path with one more key.
    pub fn key(&self, key: &str) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Path(steps)
    }

    /// Whether `self` is `prefix` or lies below it.
    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Whether the path's keys, indices skipped, start with `keys`.
    pub fn under(&self, keys: &[&str]) -> bool {
        let names: Vec<&str> = self
            .0
            .iter()
            .filter_map(|s| match s {
                Step::Key(k) => Some(k.as_str()),
                Step::Index(_) => None,
            })
            .collect();
        names.starts_with(keys)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if k.contains('.') || k.is_empty() => write!(f, "[{k:?}]")?,
                Step::Key(k) if i == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Every leaf of `value` with its path, in path order.
pub fn leaves(value: &Value) -> BTreeMap<Path, Value> {
    let mut out = BTreeMap::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn walk(value: &Value, path: &mut Vec<Step>, out: &mut BTreeMap<Path, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(Step::Key(k.clone()));
                walk(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk(v, path, out);
                path.pop();
            }
        }
        leaf => {
            out.insert(Path(path.clone()), leaf.clone());
        }
    }
}

/// The value at `path`, if any.
pub fn get<'a>(value: &'a Value, path: &Path) -> Option<&'a Value> {
    path.0.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
    })
}

/// Take the value at `path` out of `value`; maps (never lists) left empty by the removal are removed too.
pub fn take(value: &mut Value, path: &Path) -> Option<Value> {
    let (last, parents) = path.0.split_last()?;
    let parent = parents.iter().try_fold(&mut *value, |v, step| match step {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(i),
    })?;
    let taken = match (parent, last) {
        (Value::Object(map), Step::Key(k)) => map.shift_remove(k),
        _ => None,
    };
    if taken.is_some() {
        prune_empty(value, &Path(parents.to_vec()));
    }
    taken
}

fn prune_empty(value: &mut Value, path: &Path) {
    let mut path = path.clone();
    while !path.0.is_empty() {
        if get(value, &path).is_some_and(|v| v.as_object().is_some_and(Map::is_empty)) {
            let last = path.0.pop();
            if let (Some(Step::Key(k)), Some(Value::Object(parent))) = (last, get_mut(value, &path))
            {
                parent.shift_remove(&k);
            }
        } else {
            return;
        }
    }
}

fn get_mut<'a>(value: &'a mut Value, path: &Path) -> Option<&'a mut Value> {
    path.0.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(i),
    })
}

/// Put `new` at `path` of `value`, creating maps on the way (a path through a list must exist).
pub fn put(value: &mut Value, path: &Path, new: Value) {
    let mut here = value;
    for step in &path.0 {
        here = match step {
            Step::Key(k) => {
                if !here.is_object() {
                    *here = Value::Object(Map::new());
                }
                here.as_object_mut()
                    .expect("just made a map")
                    .entry(k.clone())
                    .or_insert(Value::Null)
            }
            Step::Index(i) => match here.get_mut(*i) {
                Some(item) => item,
                None => return,
            },
        };
    }
    *here = new;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_are_scalars_and_empty_containers_with_their_paths() {
        let value =
            json!({"hub": {"db": {"type": "sqlite-pvc"}, "extraEnv": {}}, "a.b": [1, {"c": null}]});
        let shown: Vec<String> = leaves(&value)
            .iter()
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        assert_eq!(
            shown,
            [
                "[\"a.b\"][0]=1",
                "[\"a.b\"][1].c=null",
                "hub.db.type=\"sqlite-pvc\"",
                "hub.extraEnv={}",
            ]
        );
    }

    #[test]
    fn take_removes_the_leaf_and_the_maps_it_leaves_empty() {
        let mut value = json!({"hub": {"db": {"type": "x"}, "keep": 1}});
        assert_eq!(
            take(&mut value, &Path::keys(&["hub", "db", "type"])),
            Some(json!("x"))
        );
        assert_eq!(value, json!({"hub": {"keep": 1}}));
        put(
            &mut value,
            &Path::keys(&["proxy", "service", "type"]),
            json!("ClusterIP"),
        );
        assert_eq!(value["proxy"], json!({"service": {"type": "ClusterIP"}}));
    }
}
