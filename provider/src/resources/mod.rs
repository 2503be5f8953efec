//! The provider's resources and data sources, one per file, and the schema pieces they share.
//!
//! Adding a resource or data source is one new file plus one line in [`registered!`] below:
//! the macro declares the module and registers its type with the provider.

use globaldeploy_sdk::{DataSource, Resource};

use crate::ProviderClient;

pub mod aws_region;
pub mod gate;
pub mod record_address;
pub mod record_target;

/// Declares each resource and data source module and lists its type in [`resources`] or
/// [`data_sources`].
macro_rules! registered {
    (
        resources { $($resource:ident::$resource_type:ident),* $(,)? }
        data_sources { $($data:ident::$data_type:ident),* $(,)? }
    ) => {
        $(pub mod $resource;)*
        $(pub mod $data;)*

        /// Every managed resource type of the provider.
        pub fn resources() -> Vec<Box<dyn Resource<ProviderClient>>> {
            vec![$(Box::new($resource::$resource_type)),*]
        }

        /// Every data source type of the provider.
        pub fn data_sources() -> Vec<Box<dyn DataSource<ProviderClient>>> {
            vec![$(Box::new($data::$data_type)),*]
        }
    };
}

registered! {
    resources {
        deployment::Deployment,
        failover_policy::FailoverPolicy,
        health_check::HealthCheck,
        wave::Wave,
        weighted_record::WeightedRecord,
    }
    data_sources {
        rollout_data::RolloutData,
        weighted_record_data::WeightedRecordData,
    }
}
