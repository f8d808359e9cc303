package image

import (
	"fmt"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/eksguard/eksguard/internal/awspolicy"
	"github.com/eksguard/eksguard/internal/check"
	"github.com/eksguard/eksguard/internal/inventory"
)

// ecrScanOnPush: EKS-IMG-004 (CIS EKS 5.1.1).
//
// ecr:GetRegistryScanningConfiguration. With scanType ENHANCED, a repository of ECR_REPOS
// passes when some registry rule with scanFrequency SCAN_ON_PUSH or CONTINUOUS_SCAN (MANUAL
// does not count) has a WILDCARD repository filter matching its name ("*" matches any run of
// characters). With scanType BASIC (or no registry configuration read), it passes when its
// imageScanningConfiguration.scanOnPush is true or a SCAN_ON_PUSH registry rule matches. The
// others fail on the repository's ARN.
//
// Decision: the catalogue's extra requirement under ENHANCED, Amazon Inspector ECR scanning
// enabled (inspector2:BatchGetAccountStatus, EKS-INF-007), is not evaluated here: the
// collector does not read Inspector. Under ENHANCED the repository's own scanOnPush is ignored,
// as ECR ignores it.
var ecrScanOnPush = &check.Check{
	Meta: check.Meta{
		ID:          "EKS-IMG-004",
		Slug:        "ecr-scan-on-push",
		Title:       "ECR repositories must scan images on push or be covered by enhanced scanning",
		Section:     "image-security",
		Severity:    check.Medium,
		Source:      check.SourceAWSECR,
		Remediation: "Enable Amazon Inspector enhanced scanning with a continuous rule for all repositories, or scan on push.",
		References:  check.References{Guide: "image#scan-images-for-vulnerabilities-regularly", CISEKS: "5.1.1"},
	},
	Reads: []string{readDescribeRepositories, readRegistryScanning},
	Inventory: func(inv *inventory.Inventory, r *check.Reporter) {
		repos := ecrRepos(inv)
		if len(repos) == 0 {
			return
		}
		cfg := inv.AWS.RegistryScanning
		enhanced := cfg != nil && cfg.ScanType == ecrtypes.ScanTypeEnhanced
		for _, repo := range repos {
			r.Evaluated(1)
			name := repoName(repo)
			if enhanced {
				if !scanRuleMatches(cfg, name, ecrtypes.ScanFrequencyScanOnPush, ecrtypes.ScanFrequencyContinuousScan) {
					r.FailResource(repoARN(repo), "", fmt.Sprintf("enhanced scanning is on, but no scan-on-push or continuous rule's filter matches repository %s", name))
				}
				continue
			}
			if sc := repo.Repository.ImageScanningConfiguration; sc != nil && sc.ScanOnPush {
				continue
			}
			if cfg != nil && scanRuleMatches(cfg, name, ecrtypes.ScanFrequencyScanOnPush) {
				continue
			}
			r.FailResource(repoARN(repo), "ImageScanningConfiguration.ScanOnPush", fmt.Sprintf("repository %s is not scanned on push and no registry scanning rule covers it", name))
		}
	},
}

// scanRuleMatches reports whether a registry rule of one of freqs has a wildcard filter
// matching repository name.
func scanRuleMatches(cfg *ecrtypes.RegistryScanningConfiguration, name string, freqs ...ecrtypes.ScanFrequency) bool {
	for _, rule := range cfg.Rules {
		ok := false
		for _, f := range freqs {
			ok = ok || rule.ScanFrequency == f
		}
		if !ok {
			continue
		}
		for _, f := range rule.RepositoryFilters {
			if f.FilterType == ecrtypes.ScanningRepositoryFilterTypeWildcard && ecrWildcard(deref(f.Filter), name) {
				return true
			}
		}
	}
	return false
}

// ecrWildcard matches an ECR filter, where "*" is any run of characters ("/" included).
func ecrWildcard(filter, name string) bool {
	return awspolicy.MatchStar(filter, name)
}

func init() { check.Register(ecrScanOnPush) }
