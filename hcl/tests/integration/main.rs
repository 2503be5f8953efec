//! Integration tests of the `globaldeploy-hcl` crate (one test binary; each area is a module).

mod load;
mod modules;
