//! Images named by their content: the tag of a build context is the hash of what it holds ([`context`]).

pub mod context;
