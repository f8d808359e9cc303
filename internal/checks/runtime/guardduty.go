package runtime

import (
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/eksguard/eksguard/internal/inventory"
)

// Helpers of the GuardDuty checks (EKS-RUN-001, 002, 003).

// AWS calls the GuardDuty checks read.
var (
	readListDetectors = inventory.AWSKind("guardduty:ListDetectors")
	readGetDetector   = inventory.AWSKind("guardduty:GetDetector")
	detectorReads     = []string{readListDetectors, readGetDetector}
)

// detectorARN is the ARN of a GuardDuty detector of the scanned account and region.
func detectorARN(a *inventory.AWS, id string) string {
	partition := a.Partition
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":guardduty:" + a.Region + ":" + a.Account + ":detector/" + id
}

// enabledDetectors are the region's detectors whose Status is ENABLED (EKS-RUN-001).
func enabledDetectors(a *inventory.AWS) []inventory.Detector {
	var out []inventory.Detector
	for _, d := range a.Detectors {
		if d.Detector != nil && d.Detector.Status == gdtypes.DetectorStatusEnabled {
			out = append(out, d)
		}
	}
	return out
}

// feature returns the detector's feature of this name, or nil.
func feature(d inventory.Detector, name gdtypes.DetectorFeatureResult) *gdtypes.DetectorFeatureConfigurationResult {
	for i := range d.Detector.Features {
		if d.Detector.Features[i].Name == name {
			return &d.Detector.Features[i]
		}
	}
	return nil
}
