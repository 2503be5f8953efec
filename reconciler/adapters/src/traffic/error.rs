//! Why the Route 53 traffic driver refused or failed a change.
//!
//! Input the driver refuses (an all-zero region, a target that is no record set, a slot given
//! weight before it was prepared) fails *before* any AWS call, so nothing is half-applied; AWS
//! failures keep the [`AwsError`], which names the record and the AWS code. The engine sees
//! them through [`TrafficError`], whose `retryable` comes from
//! [`Route53TrafficError::is_retryable`].

use crate::aws::AwsError;
use globaldeploy_engine::model::Slot;
use globaldeploy_engine::ports::TrafficError;

use super::slot_record::TargetError;

/// A failure of [`Route53Traffic`](super::Route53Traffic).
#[derive(Debug, thiserror::Error)]
pub enum Route53TrafficError {
    /// A region's target cannot be written as a record set.
    #[error("record {record}: {source}")]
    Target {
        /// The region's record name.
        record: String,
        /// What is wrong with the target.
        source: TargetError,
    },
    /// The weights would leave a name with no traffic at all.
    #[error("record {record}: refusing weights blue=0 green=0, which would leave the name without traffic")]
    AllZero {
        /// The region's record name.
        record: String,
    },
    /// Weights were given for a region that is not among the regions of the call.
    #[error("weights for region {region}, which is not among the regions given")]
    UnknownRegion {
        /// The region named by the weights.
        region: String,
    },
    /// The same region or slot appears twice in one call.
    #[error("region {region} appears more than once in one change")]
    Duplicate {
        /// The region.
        region: String,
    },
    /// A slot was given weight but has no record set to carry it.
    #[error("record {record}: slot {} has no record set; prepare it before giving it weight", slot.as_str())]
    SlotMissing {
        /// The region's record name.
        record: String,
        /// The missing slot.
        slot: Slot,
    },
    /// A slot would change record type, which weighted routing cannot express.
    #[error(
        "record {record}: the slots hold {existing} records but the target needs {wanted}; \
         weighted sets of one name share a type, so use a new record_name for a new type"
    )]
    TypeChange {
        /// The region's record name.
        record: String,
        /// The type the slots hold.
        existing: String,
        /// The type the target needs.
        wanted: String,
    },
    /// Route 53 refused or failed the call.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl Route53TrafficError {
    /// Trying the same call again may succeed (throttling, 5xx, transport failures).
    pub fn is_retryable(&self) -> bool {
        match self {
            Route53TrafficError::Aws(err) => err.is_retryable(),
            _ => false,
        }
    }

    /// The call was refused before reaching AWS: nothing was changed.
    pub fn is_rejected_input(&self) -> bool {
        !matches!(self, Route53TrafficError::Aws(_))
    }
}

impl From<Route53TrafficError> for TrafficError {
    fn from(err: Route53TrafficError) -> TrafficError {
        TrafficError {
            retryable: err.is_retryable(),
            message: err.to_string(),
        }
    }
}
