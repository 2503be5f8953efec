//! Reading Terraform configurations and writing HCL (being built; see the HCL issue).
