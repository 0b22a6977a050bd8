//! Images named by their content: the tag of a build context is the hash of what it holds ([`context`], at a Git
//! revision [`git_tree`]); `jupyflux images` lists them ([`command`]).

pub mod command;
pub mod context;
pub mod git_tree;
