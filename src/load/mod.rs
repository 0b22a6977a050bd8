//! Reading `overlays/`: files → located YAML → merged per environment → typed, validated model.

pub mod de;
pub mod node;
