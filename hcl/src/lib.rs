//! Reading Terraform configurations and writing HCL.
//!
//! This crate knows HCL and Terraform's file conventions, not globaldeploy's domain: it loads a
//! configuration directory into evaluated blocks (type, name, values, source ranges) and writes
//! HCL for adopted resources. The reconciler's CLI maps those blocks onto its rollout model.
