package detective

import (
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// readDescribeCluster is the AWS call the logging checks read.
var readDescribeCluster = inventory.AWSKind("eks:DescribeCluster")

// enabledLogTypes are the control-plane log types of entries with enabled true
// (eks:DescribeCluster .logging.clusterLogging[]).
func enabledLogTypes(c *ekstypes.Cluster) map[ekstypes.LogType]bool {
	out := map[ekstypes.LogType]bool{}
	if c.Logging == nil {
		return out
	}
	for _, s := range c.Logging.ClusterLogging {
		if sdkaws.ToBool(s.Enabled) {
			for _, t := range s.Types {
				out[t] = true
			}
		}
	}
	return out
}
